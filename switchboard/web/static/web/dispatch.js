/*
 * Dispatch pages, live. Every page keeps its live part in a slot (`[data-dispatch-slot]`)
 * with the URL of its htmx partial; dispatch events reload that partial (debounced), so
 * the server stays the one place that decides what is shown.
 *
 *   Board: waiting times and offer countdowns run between events; the Leaflet map redraws
 *   its markers from the partial's JSON after every swap (tiles from the setting, or a
 *   plain background when none is configured).
 *   Driver view: offer countdowns; while a task is on, the browser's position is posted
 *   to the locations endpoint (at most every few seconds, and at once when it starts).
 *   Therapist card (My day): reloads when a pickup of theirs changes or its driver moves.
 * Refusals (400/404/409) come back as the partial with the message next to what failed.
 */
(function () {
  'use strict';

  var RELOAD_ON = [
    'pickup-requested',
    'driver-assigned-pickup',
    'driver-update',
    'pickup-offer',
    'driver-arrival',
    'booking-updated',
    'clock-status-updated',
  ];
  var POSITION_EVERY_MS = 5000;

  function slots() {
    return Array.prototype.slice.call(document.querySelectorAll('[data-dispatch-slot]'));
  }

  // Positions arrive every few seconds per driver: a burst of events is one reload, and
  // a slot reloads at most once a second.
  function reloader(slot) {
    var pending = null;
    var last = 0;
    return function () {
      if (pending) {
        return;
      }
      var wait = Math.max(150, 1000 - (Date.now() - last));
      pending = setTimeout(function () {
        pending = null;
        last = Date.now();
        var target = slot.firstElementChild;
        if (!target || !target.id) {
          return;
        }
        htmx.ajax('GET', slot.dataset.url + window.location.search, { target: '#' + target.id, swap: 'outerHTML' });
      }, wait);
    };
  }

  function skew() {
    var holder = document.querySelector('[data-server-now]');
    var serverNow = holder && holder.dataset.serverNow;
    return serverNow ? Date.parse(serverNow) - Date.now() : 0;
  }

  function pad(n) {
    return n < 10 ? '0' + n : String(n);
  }

  function tick() {
    var now = Date.now() + skew();
    document.querySelectorAll('[data-waiting-since]').forEach(function (el) {
      var seconds = Math.max(0, Math.floor((now - Date.parse(el.dataset.waitingSince)) / 1000));
      el.textContent = Math.floor(seconds / 60) + ':' + pad(seconds % 60);
    });
    document.querySelectorAll('[data-deadline]').forEach(function (el) {
      var left = Math.max(0, Math.ceil((Date.parse(el.dataset.deadline) - now) / 1000));
      el.textContent = left + ' s';
    });
  }

  // The map: created once, markers redrawn from #dispatch-map-data after each swap.
  var map = null;
  var layer = null;

  function drawMap() {
    var holder = document.getElementById('dispatch-map');
    var dataElement = document.getElementById('dispatch-map-data');
    if (!holder || !dataElement || typeof L === 'undefined') {
      return;
    }
    var data = JSON.parse(dataElement.textContent);
    if (!map) {
      map = L.map(holder, { attributionControl: !!holder.dataset.tileUrl, zoomSnap: 0.25 });
      if (holder.dataset.tileUrl) {
        L.tileLayer(holder.dataset.tileUrl, { attribution: holder.dataset.tileAttribution || '', maxZoom: 19 }).addTo(map);
      } else {
        holder.classList.add('plain');
      }
      layer = L.layerGroup().addTo(map);
    }
    layer.clearLayers();
    var points = [];
    function add(item, kind, label) {
      if (item.lat === null || item.lng === null || item.lat === undefined) {
        return;
      }
      var classes = 'dispatch-marker ' + kind + ' ' + (item.state || '');
      var marker = L.marker([item.lat, item.lng], {
        icon: L.divIcon({ className: classes, iconSize: kind === 'pickup' ? [16, 16] : [14, 14] }),
        title: label,
      });
      marker.bindTooltip(label);
      layer.addLayer(marker);
      points.push([item.lat, item.lng]);
    }
    data.pickups.forEach(function (p) {
      add(p, 'pickup', 'Pickup #' + p.id + ' · ' + p.label);
    });
    data.drivers.forEach(function (d) {
      add(d, 'driver', d.label);
    });
    holder.dataset.markers = String(points.length);
    if (points.length === 1) {
      map.setView(points[0], 14);
    } else if (points.length > 1) {
      map.fitBounds(points, { padding: [24, 24], maxZoom: 15 });
    } else if (!map._loaded) {
      map.setView([0, 0], 2);
    }
  }

  // Position sharing on the driver view while a task is on.
  var watchId = null;
  var lastSent = 0;
  var queued = null;

  function send(position) {
    var view = document.querySelector('[data-share-position]');
    if (!view) {
      return;
    }
    lastSent = Date.now();
    var coords = position.coords;
    var body = { lat: coords.latitude, lng: coords.longitude, accuracy: coords.accuracy };
    if (typeof coords.heading === 'number' && !isNaN(coords.heading)) {
      body.heading = coords.heading;
    }
    fetch(view.dataset.locationsUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': view.dataset.csrf },
      body: JSON.stringify(body),
    }).then(function (response) {
      sharing = response.ok
        ? { text: 'Sharing your position with dispatch', sent: 'yes' }
        : { text: 'Position not accepted (' + response.status + ')', sent: 'no' };
      showSharing();
    }, function () {
      sharing = { text: 'Position not sent: offline?', sent: 'no' };
      showSharing();
    });
  }

  // The view is reloaded by events, so the last outcome is kept here and shown again.
  var sharing = null;
  function showSharing() {
    var status = document.querySelector('[data-testid=sharing-status]');
    if (status && sharing) {
      status.textContent = sharing.text;
      status.dataset.sent = sharing.sent;
    }
  }

  function onPosition(position) {
    clearTimeout(queued);
    var wait = POSITION_EVERY_MS - (Date.now() - lastSent);
    if (wait <= 0) {
      send(position);
    } else {
      queued = setTimeout(function () {
        send(position);
      }, wait);
    }
  }

  function syncSharing() {
    var on = !!document.querySelector('[data-share-position]');
    if (on && watchId === null && navigator.geolocation) {
      lastSent = 0;
      watchId = navigator.geolocation.watchPosition(onPosition, function (error) {
        sharing = { text: 'Position unavailable: ' + error.message, sent: 'no' };
        showSharing();
      }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 20000 });
    } else if (!on && watchId !== null) {
      navigator.geolocation.clearWatch(watchId);
      clearTimeout(queued);
      watchId = null;
    }
  }

  // The therapist's pickup request carries the browser's position when it has one.
  var here = null;
  var asked = false;

  function locateForRequests() {
    var form = document.querySelector('form[data-with-position]');
    if (!form || asked || !navigator.geolocation) {
      return;
    }
    asked = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      here = position.coords;
      document.querySelectorAll('form[data-with-position]').forEach(function (f) {
        f.dataset.positionReady = 'yes';
      });
    }, function () {
      asked = false; // refused or unavailable: the request goes without a position
    }, { enableHighAccuracy: true, maximumAge: 60000, timeout: 10000 });
  }

  document.addEventListener('htmx:configRequest', function (event) {
    if (here && event.detail.elt.closest('form[data-with-position]')) {
      event.detail.parameters.lat = here.latitude;
      event.detail.parameters.lng = here.longitude;
    }
  });

  function afterSwap() {
    tick();
    drawMap();
    syncSharing();
    showSharing();
    locateForRequests();
    if (here) {
      document.querySelectorAll('form[data-with-position]').forEach(function (f) {
        f.dataset.positionReady = 'yes';
      });
    }
  }

  document.addEventListener('htmx:beforeSwap', function (event) {
    var status = event.detail.xhr.status;
    if ((status === 400 || status === 404 || status === 409) && event.detail.target.closest('[data-dispatch-slot]')) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener('htmx:afterSettle', afterSwap);

  // Choosing a pickup on the board keeps it in the address, so live reloads keep it too.
  document.addEventListener('click', function (event) {
    var link = event.target.closest('a[data-select-pickup]');
    if (!link) {
      return;
    }
    event.preventDefault();
    history.replaceState(null, '', link.getAttribute('href'));
    slots().forEach(function (slot) {
      reloader(slot)();
    });
  });

  document.addEventListener('DOMContentLoaded', function () {
    setInterval(tick, 1000);
    afterSwap();
    if (!window.SwitchboardRealtime) {
      return;
    }
    slots().forEach(function (slot) {
      var reload = reloader(slot);
      RELOAD_ON.forEach(function (name) {
        SwitchboardRealtime.on(name, reload);
      });
    });
  });
})();
