/*
 * Bookings pages, live: the bookings list or day view (#bookings-slot) and one booking's
 * page (#booking-slot) reload their live part when a booking event arrives on the page's
 * channels, so new, changed and cancelled bookings appear and move without a reload.
 * A refused move (400/403/409) comes back as the booking's card with the reason on it:
 * swap it in like a success.
 */
(function () {
  'use strict';

  var EVENTS = ['booking-updated', 'booking-unassigned'];

  document.addEventListener('htmx:beforeSwap', function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if ([400, 403, 409].indexOf(status) >= 0 && target && target.closest('[data-testid=booking]')) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function reloader(slot, target, relevant) {
    var pending = null;
    return function (data) {
      if (relevant && !relevant(data)) {
        return;
      }
      clearTimeout(pending);
      pending = setTimeout(function () {
        htmx.ajax('GET', slot.dataset.url, { target: target, swap: 'outerHTML' });
      }, 150);
    };
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!window.SwitchboardRealtime) {
      return;
    }
    var list = document.getElementById('bookings-slot');
    if (list) {
      var reloadList = reloader(list, '#bookings-live');
      EVENTS.forEach(function (name) {
        SwitchboardRealtime.on(name, reloadList);
      });
    }
    var one = document.getElementById('booking-slot');
    if (one) {
      var id = Number(one.dataset.bookingId);
      var reloadOne = reloader(one, '#booking-live', function (data) {
        return data && (data.booking_id === id || data.parent_id === id);
      });
      EVENTS.forEach(function (name) {
        SwitchboardRealtime.on(name, reloadOne);
      });
    }
  });
})();
