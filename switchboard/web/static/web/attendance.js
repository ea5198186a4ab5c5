/*
 * Attendance pages, live:
 *   My day: the clock card reloads when this person's `clock-status-updated` arrives (a
 *   punch from another device); the End Break button's minutes run between events.
 *   Board: reloads on `clock-status-updated`, `attendance-logged` and `roster-updated`;
 *   each "on break for N min" runs between events.
 * Punch refusals (400/409) come back as the clock card with the message: swap them in.
 */
(function () {
  'use strict';

  var clockSlot = document.getElementById('clock-slot');
  var boardSlot = document.getElementById('attendance-board-slot');

  function minutesSince(iso, skew) {
    return Math.max(0, Math.floor((Date.now() + skew - Date.parse(iso)) / 60000));
  }

  function skewOf(element) {
    // The server's clock decides how long a break has run; keep the page on it.
    var serverNow = element && element.dataset.serverNow;
    return serverNow ? Date.parse(serverNow) - Date.now() : 0;
  }

  var skews = new WeakMap();
  function skewFor(element) {
    if (!skews.has(element)) {
      skews.set(element, skewOf(element));
    }
    return skews.get(element);
  }

  function tick() {
    var card = document.getElementById('clock-card');
    if (card && card.dataset.breakStart) {
      var total = Number(card.dataset.endedBreakMinutes) + minutesSince(card.dataset.breakStart, skewFor(card));
      card.querySelectorAll('[data-break-minutes], [data-break-total]').forEach(function (el) {
        el.textContent = total;
      });
    }
    var board = document.getElementById('attendance-board');
    if (board) {
      var skew = skewFor(board);
      board.querySelectorAll('[data-break-since]').forEach(function (el) {
        el.textContent = minutesSince(el.dataset.breakSince, skew);
      });
    }
  }

  function reloader(slot, swapTarget) {
    var pending = null;
    return function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        htmx.ajax('GET', slot.dataset.url, { target: swapTarget, swap: 'outerHTML' });
      }, 150);
    };
  }

  document.addEventListener('htmx:beforeSwap', function (event) {
    var status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.target.id === 'clock-card') {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener('htmx:afterSwap', tick);

  document.addEventListener('DOMContentLoaded', function () {
    setInterval(tick, 1000);
    tick();
    if (!window.SwitchboardRealtime) {
      return;
    }
    if (clockSlot) {
      var mine = Number(clockSlot.dataset.staffId);
      var reloadClock = reloader(clockSlot, '#clock-card');
      SwitchboardRealtime.on('clock-status-updated', function (data) {
        if (data && data.staff_id === mine) {
          reloadClock();
        }
      });
    }
    if (boardSlot) {
      var reloadBoard = reloader(boardSlot, '#attendance-board');
      ['clock-status-updated', 'attendance-logged', 'roster-updated'].forEach(function (name) {
        SwitchboardRealtime.on(name, reloadBoard);
      });
    }
  });
})();
