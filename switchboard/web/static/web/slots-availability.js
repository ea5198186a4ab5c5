/*
 * The availability page: refused changes (400, 409) come back as the panel with the
 * errors next to the fields, so htmx swaps them in; the panel reloads when slots were
 * maintained elsewhere (`slots-maintained`).
 */
(function () {
  'use strict';

  document.addEventListener('htmx:beforeSwap', function (event) {
    var status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.target.id === 'availability-panel') {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener('DOMContentLoaded', function () {
    var realtime = window.SwitchboardRealtime;
    if (!realtime) {
      return;
    }
    var pending = null;
    realtime.on('slots-maintained', function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        document.body.dispatchEvent(new Event('slots-changed'));
      }, 200);
    });
  });
})();
