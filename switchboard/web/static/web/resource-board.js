/*
 * The resource board: counts every holding booking (a session, a reservation…) down each
 * second, flips a resource to available the moment its end passes (the server derives the
 * same), shows `Expired` only until the expiry job has made a session's end official, and
 * applies live events:
 *   resource-status-updated  the resource's status and end, as derived after a change
 *   session-completed        an end made official: `Expired` gives way to `-`
 *   booking-updated          (one with a resource) reload the board from the API
 * Buttons call the sessions API; the events that follow update every open board.
 */
(function () {
  'use strict';

  var dataElement = document.getElementById('resource-board-data');
  if (!dataElement) {
    return;
  }
  var board = JSON.parse(dataElement.textContent);
  // The server's clock decides when a session ends; keep the page on it.
  var skew = Date.parse(board.serverNow) - Date.now();
  var rows = {};
  board.resources.forEach(function (row) {
    rows[row.resource_id] = row;
  });
  var tbody = document.getElementById('resource-rows');
  var message = document.getElementById('board-message');

  function serverNow() {
    return Date.now() + skew;
  }

  function csrfToken() {
    var config = document.getElementById('realtime-config');
    if (config) {
      return JSON.parse(config.textContent).csrfToken;
    }
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : '';
  }

  function clockTime(iso) {
    var options = { hour: '2-digit', minute: '2-digit' };
    try {
      return new Date(iso).toLocaleTimeString([], Object.assign({ timeZone: board.timezone }, options));
    } catch (error) {
      return new Date(iso).toLocaleTimeString([], options);
    }
  }

  function localDay(ms) {
    try {
      return new Date(ms).toLocaleDateString('en-CA', { timeZone: board.timezone });
    } catch (error) {
      return new Date(ms).toDateString();
    }
  }

  function untilLabel(iso) {
    // An end on another day than today (in the organisation's zone) shows its date.
    var label = clockTime(iso);
    if (localDay(Date.parse(iso)) === localDay(serverNow())) {
      return label;
    }
    var options = { weekday: 'short', day: 'numeric', month: 'short' };
    try {
      options.timeZone = board.timezone;
      return new Date(iso).toLocaleDateString([], options) + ' ' + label;
    } catch (error) {
      return new Date(iso).toDateString() + ' ' + label;
    }
  }

  function holderText(row) {
    if (!row.held_by) {
      return '-';
    }
    return row.held_by + (row.held_with ? ' · ' + row.held_with : '') + ' (' + row.active_workflow + ')';
  }

  function duration(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return (h ? h + ':' + pad(m) : m) + ':' + pad(s);
  }

  function view(row) {
    // What the row shows now: the same rule as the server's derived status.
    var at = serverNow();
    var ends = row.ends_at ? Date.parse(row.ends_at) : null;
    var starts = row.starts_at ? Date.parse(row.starts_at) : null;
    if (row.status === 'active' && ends !== null && ends > at) {
      var total = Math.max(1, ends - starts);
      return {
        status: 'active',
        end: untilLabel(row.ends_at),
        remaining: duration(Math.ceil((ends - at) / 1000)),
        progress: Math.min(100, Math.max(0, ((at - starts) / total) * 100)),
      };
    }
    var session = !row.active_workflow || row.active_workflow === 'session';
    var overdue = (session && row.status === 'active' && ends !== null) || !!row.unofficial_end_at;
    return {
      status: row.status === 'maintenance' ? 'maintenance' : 'available',
      end: overdue ? 'Expired' : '-',
      remaining: '-',
      progress: 0,
    };
  }

  function element(id) {
    return tbody.querySelector('tr[data-resource-id="' + id + '"]');
  }

  function render(id) {
    var tr = element(id);
    var row = rows[id];
    if (!tr || !row) {
      return;
    }
    var shown = view(row);
    var badge = tr.querySelector('[data-testid=resource-status]');
    badge.dataset.status = shown.status;
    badge.textContent = shown.status.charAt(0).toUpperCase() + shown.status.slice(1);
    var end = tr.querySelector('[data-testid=resource-end]');
    end.textContent = shown.end;
    end.classList.toggle('expired', shown.end === 'Expired');
    tr.querySelector('[data-testid=resource-remaining]').textContent = shown.remaining;
    tr.querySelector('[data-testid=resource-progress] > span').style.width = shown.progress + '%';
    tr.querySelector('[data-testid=resource-holder]').textContent = shown.status === 'active' ? holderText(row) : '-';
    // Extend and End act on sessions only; a reservation is changed from its booking.
    var session = shown.status === 'active' && (!row.active_workflow || row.active_workflow === 'session');
    toggle(tr, 'start', shown.status !== 'available');
    toggle(tr, 'extend', !session);
    toggle(tr, 'end', !session);
  }

  function toggle(tr, action, hidden) {
    var form = tr.querySelector('form[data-action=' + action + ']');
    if (form) {
      form.hidden = hidden;
    }
  }

  function renderAll() {
    Object.keys(rows).forEach(render);
  }

  function reload() {
    return fetch(board.api.board, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) {
          return;
        }
        skew = Date.parse(body.at) - Date.now();
        body.resources.forEach(function (row) {
          if (rows[row.resource_id]) {
            rows[row.resource_id] = row;
          }
        });
        renderAll();
      });
  }

  function say(text) {
    message.textContent = text || '';
  }

  function describe(body) {
    if (!body) {
      return 'Something went wrong.';
    }
    if (body.detail) {
      return body.detail;
    }
    return Object.keys(body).map(function (field) {
      return [].concat(body[field]).join(' ');
    }).join(' ');
  }

  function send(url, payload) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
      body: JSON.stringify(payload),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) {
          throw new Error(describe(body));
        }
        return body;
      });
    });
  }

  tbody.addEventListener('submit', function (event) {
    var form = event.target;
    event.preventDefault();
    var id = form.closest('tr').dataset.resourceId;
    var row = rows[id];
    var minutes = form.elements.minutes ? Number(form.elements.minutes.value) : null;
    var action = form.dataset.action;
    var request;
    if (action === 'start') {
      request = send(board.api.sessions, { resource: Number(id), minutes: minutes });
    } else if (row.active_booking) {
      var url = board.api.sessions + row.active_booking + '/' + action + '/';
      request = send(url, action === 'extend' ? { minutes: minutes } : {});
    } else {
      return;
    }
    request.then(function () { say(''); return reload(); }).catch(function (error) { say(error.message); });
  });

  var realtime = window.SwitchboardRealtime;
  if (realtime) {
    realtime.on('resource-status-updated', function (data) {
      var row = rows[data.resource_id];
      if (!row) {
        return;
      }
      row.status = data.status;
      row.active_booking = data.active_booking_id;
      row.starts_at = data.starts_at;
      row.ends_at = data.ends_at;
      row.unofficial_end_at = null;
      render(data.resource_id);
      reload();  // who holds it, and in which workflow
    });
    realtime.on('session-completed', function (data) {
      var row = rows[data.resource_id];
      if (!row) {
        return;
      }
      row.unofficial_end_at = null;
      if (row.active_booking === data.booking_id) {
        row.status = 'available';
        row.active_booking = null;
        row.starts_at = null;
        row.ends_at = null;
      }
      render(data.resource_id);
    });
    realtime.on('booking-updated', function (data) {
      if (data.workflow === 'session' || data.resource_id) {
        reload();
      }
    });
  }

  renderAll();
  window.setInterval(renderAll, 1000);
})();
