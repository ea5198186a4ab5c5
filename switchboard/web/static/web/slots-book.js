/*
 * The booking page, live: a time that another visitor takes disappears at once.
 *
 * `slot-updated` arrives on the organisation's channel (members, through realtime.js) and,
 * when the public page is on, on the public channel `public-org-{slug}`, which needs
 * no login. A slot that is no longer available is removed from the list; one that became
 * free again (a cancellation) reloads the list. A public channel has no replay, so after a
 * reconnection the list is fetched again. `document.body.dataset.slotsLive` says when the
 * page listens ("subscribed"), which tests wait for.
 */
(function () {
  'use strict';

  var configElement = document.getElementById('book-live');
  var config = configElement ? JSON.parse(configElement.textContent) : {};

  function timesBox() {
    return document.getElementById('book-times');
  }

  function reload() {
    var box = timesBox();
    if (box && window.htmx) {
      htmx.ajax('GET', box.dataset.url, { target: '#book-times', swap: 'outerHTML' });
    }
  }

  function onSlot(data) {
    var box = timesBox();
    if (!box || !data || String(data.service_id) !== box.dataset.serviceId) {
      return;
    }
    if (data.available) {
      reload();
      return;
    }
    var item = box.querySelector('[data-slot-id="' + data.slot_id + '"]');
    if (!item) {
      return;
    }
    var picked = item.querySelector('input') && item.querySelector('input').checked;
    item.remove();
    if (picked) {
      box.querySelector('[data-testid=book-taken]').hidden = false;
    }
    if (!box.querySelector('[data-slot-id]')) {
      reload(); // shows "No free times this day."
    }
  }

  // Refusals (400, 403, 409, 429) carry the form again with the errors next to the fields.
  document.addEventListener('htmx:beforeSwap', function (event) {
    var status = event.detail.xhr.status;
    if ([400, 403, 409, 429].indexOf(status) >= 0 && event.detail.target.id === 'book-form') {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function listenPublic(realtime) {
    if (!config.publicChannel || typeof Pusher === 'undefined') {
      return false;
    }
    var pusher = realtime
      ? realtime.pusher
      : new Pusher(config.key, {
          cluster: 'self-hosted',
          wsHost: config.host,
          wsPort: config.port,
          wssPort: config.port,
          forceTLS: config.tls,
          enabledTransports: ['ws', 'wss'],
          disableStats: true,
        });
    var channel = pusher.subscribe(config.publicChannel);
    var subscribedBefore = false;
    channel.bind('slot-updated', onSlot);
    channel.bind('pusher:subscription_succeeded', function () {
      if (subscribedBefore) {
        reload(); // what changed while we were away
      }
      subscribedBefore = true;
      document.body.dataset.slotsLive = 'subscribed';
    });
    return true;
  }

  document.addEventListener('DOMContentLoaded', function () {
    var realtime = window.SwitchboardRealtime;
    var publicToo = listenPublic(realtime);
    if (realtime) {
      realtime.on('slot-updated', onSlot);
      if (!publicToo) {
        realtime.onState(function (state) {
          if (state === 'connected') {
            document.body.dataset.slotsLive = 'subscribed';
          }
        });
      }
    }
  });
})();
