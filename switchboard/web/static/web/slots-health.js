/*
 * Slot health: draws free against booked slots per day (Chart.js) from the JSON the panel
 * carries, redraws when the panel reloads, and reloads it when slots change
 * (`slots-maintained`, `slot-updated`), at most every half second.
 */
(function () {
  'use strict';

  var chart = null;

  function draw() {
    var canvas = document.getElementById('slots-chart');
    var dataElement = document.getElementById('slots-chart-data');
    if (!canvas || !dataElement || typeof Chart === 'undefined') {
      return;
    }
    var data = JSON.parse(dataElement.textContent);
    if (chart) {
      chart.destroy();
    }
    chart = new Chart(canvas, {
      type: 'bar',
      data: {
        labels: data.labels,
        datasets: [
          { label: 'Booked', data: data.booked, backgroundColor: '#2563eb' },
          { label: 'Free', data: data.free, backgroundColor: '#86efac' },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    canvas.dataset.drawn = String(data.labels.length);
  }

  document.addEventListener('htmx:beforeSwap', function (event) {
    var status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.target.id === 'slots-run') {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener('htmx:afterSwap', function (event) {
    if (event.detail.target && event.detail.target.id === 'slots-panel') {
      draw();
    }
  });
  // An outerHTML swap replaces the target: look for the new panel after settling.
  document.addEventListener('htmx:afterSettle', function () {
    var canvas = document.getElementById('slots-chart');
    if (canvas && !canvas.dataset.drawn) {
      draw();
    }
  });

  document.addEventListener('DOMContentLoaded', function () {
    draw();
    var realtime = window.SwitchboardRealtime;
    if (!realtime) {
      return;
    }
    var pending = null;
    function changed() {
      clearTimeout(pending);
      pending = setTimeout(function () {
        document.body.dispatchEvent(new Event('slots-changed'));
      }, 500);
    }
    realtime.on('slots-maintained', changed);
    realtime.on('slot-updated', changed);
  });
})();
