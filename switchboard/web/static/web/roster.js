/*
 * The roster week grid: people × 7 days. Draws the snapshot from #roster-data, sends the
 * managers' edits to the roster API (the services refuse overlaps: the error is shown in
 * the form of the shift that failed) and reloads the week from the API on every
 * `roster-updated` event, so every open page shows the same roster.
 */
(function () {
  'use strict';

  var roster = JSON.parse(document.getElementById('roster-data').textContent);
  var head = document.getElementById('roster-head');
  var body = document.getElementById('roster-rows');
  var message = document.getElementById('roster-message');
  var open = null; // {staff, day, shift, error, values}
  var DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

  function csrfToken() {
    var config = document.getElementById('realtime-config');
    if (config) {
      return JSON.parse(config.textContent).csrfToken;
    }
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : '';
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function hhmm(value) {
    return (value || '').slice(0, 5);
  }

  function describe(body) {
    if (!body) {
      return 'Something went wrong, try again.';
    }
    if (body.detail) {
      return body.detail;
    }
    return Object.keys(body).map(function (key) {
      var value = body[key];
      return key + ': ' + (Array.isArray(value) ? value.join(' ') : value);
    }).join(' ');
  }

  function send(method, url, data) {
    return fetch(url, {
      method: method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
      body: data === undefined ? undefined : JSON.stringify(data),
    }).then(function (response) {
      if (response.status === 204) {
        return { ok: true, body: null };
      }
      return response.json().catch(function () { return null; }).then(function (json) {
        return { ok: response.ok, body: json };
      });
    });
  }

  function reload() {
    var url = roster.api.shifts + '?week=' + roster.week + '&page_size=500';
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (page) {
        if (page) {
          roster.shifts = page.results;
          draw();
        }
      });
  }

  function drawHead() {
    roster.days.forEach(function (day, index) {
      head.appendChild(el('th', { 'data-day': day }, DAY_NAMES[index] + ' ' + day.slice(8)));
    });
  }

  function shiftButton(shift) {
    var label = hhmm(shift.start_time) + '–' + hhmm(shift.end_time) + (shift.location ? ' ' + shift.location : '');
    var button = el('button', { type: 'button', class: 'shift', 'data-testid': 'shift', 'data-shift-id': shift.id }, label);
    if (!roster.canEdit) {
      button.disabled = true;
    } else {
      button.addEventListener('click', function () {
        open = { staff: shift.staff_id, day: shift.date, shift: shift.id, error: '' };
        draw();
      });
    }
    return button;
  }

  function field(form, label, input) {
    var wrap = el('label', {}, label + ' ');
    wrap.appendChild(input);
    form.appendChild(wrap);
    return input;
  }

  function select(name, options, value) {
    var node = el('select', { name: name });
    options.forEach(function (option) {
      var item = el('option', { value: option[0] }, option[1]);
      if (String(option[0]) === String(value)) {
        item.selected = true;
      }
      node.appendChild(item);
    });
    return node;
  }

  function shiftForm() {
    var current = roster.shifts.find(function (s) { return s.id === open.shift; }) || {};
    var values = open.values || {
      staff: open.staff, date: open.day,
      start_time: hhmm(current.start_time) || '09:00', end_time: hhmm(current.end_time) || '17:00',
      location: current.location || '',
    };
    var form = el('form', { class: 'shift-form', 'data-testid': 'shift-form' });
    field(form, 'Person', select('staff', roster.people.map(function (p) { return [p.id, p.name]; }), values.staff));
    field(form, 'Day', select('date', roster.days.map(function (d, i) { return [d, DAY_NAMES[i] + ' ' + d.slice(8)]; }), values.date));
    var times = el('div', { class: 'row' });
    field(times, 'From', el('input', { name: 'start_time', type: 'time', required: '', value: values.start_time }));
    field(times, 'To', el('input', { name: 'end_time', type: 'time', required: '', value: values.end_time }));
    form.appendChild(times);
    field(form, 'Where', el('input', { name: 'location', maxlength: '120', value: values.location }));
    var error = el('p', { class: 'error', 'data-testid': 'shift-error', role: 'alert' }, open.error || '');
    error.hidden = !open.error;
    form.appendChild(error);
    var buttons = el('div', { class: 'row' });
    buttons.appendChild(el('button', { type: 'submit', 'data-testid': 'shift-save' }, 'Save'));
    if (open.shift) {
      var remove = el('button', { type: 'button', class: 'danger', 'data-testid': 'shift-delete' }, 'Delete');
      remove.addEventListener('click', function () { submit(form, 'DELETE'); });
      buttons.appendChild(remove);
    }
    var cancel = el('button', { type: 'button', class: 'link' }, 'Cancel');
    cancel.addEventListener('click', function () { open = null; draw(); });
    buttons.appendChild(cancel);
    form.appendChild(buttons);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      submit(form, open.shift ? 'PATCH' : 'POST');
    });
    return form;
  }

  function formValues(form) {
    var data = {};
    ['staff', 'date', 'start_time', 'end_time', 'location'].forEach(function (name) {
      data[name] = form.elements[name].value;
    });
    data.staff = Number(data.staff);
    return data;
  }

  function submit(form, method) {
    var data = formValues(form);
    var url = open.shift ? roster.api.shifts + open.shift + '/' : roster.api.shifts;
    var target = open;
    target.values = data;
    send(method, url, method === 'DELETE' ? undefined : data).then(function (answer) {
      if (answer.ok) {
        open = null;
        return reload();
      }
      target.error = describe(answer.body);
      draw();
    });
  }

  function draw() {
    body.textContent = '';
    if (!roster.people.length) {
      var empty = el('tr');
      empty.appendChild(el('td', { colspan: '8', class: 'muted' }, 'No staff yet.'));
      body.appendChild(empty);
    }
    roster.people.forEach(function (person) {
      var row = el('tr', { 'data-staff-id': person.id, 'data-testid': 'roster-row' });
      row.appendChild(el('th', { scope: 'row' }, person.name));
      roster.days.forEach(function (day) {
        var cell = el('td', { 'data-day': day, 'data-testid': 'roster-cell' });
        roster.shifts.filter(function (s) { return s.staff_id === person.id && s.date === day; })
          .forEach(function (shift) {
            cell.appendChild(shiftButton(shift));
            if (open && open.shift === shift.id) {
              cell.appendChild(shiftForm());
            }
          });
        if (open && !open.shift && open.staff === person.id && open.day === day) {
          cell.appendChild(shiftForm());
        } else if (roster.canEdit) {
          var add = el('button', { type: 'button', class: 'add', 'data-testid': 'add-shift', 'aria-label': 'Add a shift for ' + person.name + ' on ' + day }, '+');
          add.addEventListener('click', function () {
            open = { staff: person.id, day: day, shift: null, error: '' };
            draw();
          });
          cell.appendChild(add);
        }
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    if (open && open.shift && !roster.shifts.some(function (s) { return s.id === open.shift; })) {
      open = null; // deleted by someone else meanwhile
    }
  }

  var copy = document.getElementById('copy-last-week');
  if (copy) {
    copy.addEventListener('click', function () {
      var monday = new Date(roster.week + 'T00:00:00Z');
      var previous = new Date(monday.getTime() - 7 * 86400000).toISOString().slice(0, 10);
      message.textContent = '';
      send('POST', roster.api.copyWeek, { source_week: previous, target_week: roster.week }).then(function (answer) {
        if (!answer.ok) {
          message.textContent = describe(answer.body);
          return;
        }
        message.textContent = answer.body.shifts.length ? '' : 'Last week has no shifts to copy.';
        return reload();
      });
    });
  }

  drawHead();
  draw();
  var realtime = window.SwitchboardRealtime;
  if (realtime) {
    realtime.on('roster-updated', function () { reload(); });
    realtime.onState(function (state) {
      if (state === 'connected') {
        reload(); // catch up on what changed while offline
      }
    });
  }
})();
