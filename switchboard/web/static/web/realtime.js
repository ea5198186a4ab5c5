/*
 * Switchboard real-time: a small layer over pusher-js.
 *
 * - subscribes to the page's channels (from the JSON in #realtime-config);
 * - remembers the last event_id applied per channel and skips duplicates; only server
 *   events count (not `pusher:*`, not `client-*`: another member can send a client event
 *   carrying any event_id it likes, which must not hide the real one);
 * - whenever a channel is (re)subscribed, first asks /api/realtime/events/ for what came
 *   after that id, applies it in order, then the live events that arrived meanwhile;
 * - drives the connection indicator (#realtime-status) and calls state hooks.
 *
 * Pages use it as:
 *   SwitchboardRealtime.on('staff-profile-updated', (data, meta) => { ... });
 *   SwitchboardRealtime.onState((state) => { ... });
 * `meta` is {channel, eventId, replayed, fromClient}. A page that was away longer than the replay
 * window reloads (override with SwitchboardRealtime.onStale(fn)).
 */
(function () {
  'use strict';

  var configElement = document.getElementById('realtime-config');
  if (!configElement || typeof Pusher === 'undefined') {
    return;
  }
  var config = JSON.parse(configElement.textContent);
  var SEEN_LIMIT = 2000;
  var LABELS = {
    initialized: 'Connecting…',
    connecting: 'Connecting…',
    connected: 'Live',
    unavailable: 'Offline, retrying',
    failed: 'Not supported',
    disconnected: 'Offline',
  };

  var handlers = {}; // event name -> [fn]
  var stateHooks = [];
  var staleHooks = [];
  var channels = {}; // name -> {lastId, seen: Set, order: [], buffer: [] | null}
  var disconnectedAt = null;

  function track(name) {
    if (!channels[name]) {
      channels[name] = { lastId: config.after || 0, seen: new Set(), order: [], buffer: null };
    }
    return channels[name];
  }

  function remember(state, id) {
    state.seen.add(id);
    state.order.push(id);
    if (state.order.length > SEEN_LIMIT) {
      state.seen.delete(state.order.shift());
    }
    if (id > state.lastId) {
      state.lastId = id;
    }
  }

  function isServerEvent(eventName) {
    return !/^(pusher:|pusher_internal:|client-)/.test(eventName);
  }

  function apply(name, eventName, data, replayed) {
    var state = track(name);
    var server = isServerEvent(eventName);
    var id = server && data && typeof data.event_id === 'number' ? data.event_id : null;
    if (id !== null) {
      // Duplicates come from replay overlapping live delivery, or a relay that retried.
      if (state.seen.has(id)) {
        return;
      }
      remember(state, id);
    }
    var list = handlers[eventName] || [];
    var meta = { channel: name, eventId: id, replayed: replayed, fromClient: !server };
    for (var i = 0; i < list.length; i++) {
      try {
        list[i](data, meta);
      } catch (error) {
        console.error('realtime handler for ' + eventName + ' failed', error);
      }
    }
    document.dispatchEvent(new CustomEvent('realtime:event', { detail: { event: eventName, data: data, meta: meta } }));
  }

  function receive(name, eventName, data) {
    if (eventName.indexOf('pusher:') === 0 || eventName.indexOf('pusher_internal:') === 0) {
      return;
    }
    var state = track(name);
    if (state.buffer && isServerEvent(eventName)) {
      state.buffer.push([eventName, data]);
      return;
    }
    apply(name, eventName, data, false);
  }

  function fetchPage(name, after) {
    var url = config.eventsEndpoint + '?channel=' + encodeURIComponent(name) + '&after=' + after;
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (response) {
      if (!response.ok) {
        throw new Error('replay answered ' + response.status);
      }
      return response.json();
    });
  }

  function replay(name) {
    var state = track(name);
    if (state.buffer) {
      return; // a fill is already running for this channel
    }
    state.buffer = [];
    function next(after) {
      return fetchPage(name, after).then(function (page) {
        page.events.forEach(function (event) {
          if (isServerEvent(event.event)) {
            apply(name, event.event, event.data, true);
          }
        });
        if (page.has_more && page.events.length) {
          return next(page.events[page.events.length - 1].event_id);
        }
        return null;
      });
    }
    next(state.lastId)
      .catch(function (error) {
        console.warn('realtime replay of ' + name + ' failed', error);
      })
      .then(function () {
        var buffered = state.buffer || [];
        state.buffer = null;
        buffered.forEach(function (item) {
          apply(name, item[0], item[1], false);
        });
      });
  }

  function showState(current) {
    var indicator = document.getElementById('realtime-status');
    if (indicator) {
      indicator.dataset.state = current;
      indicator.textContent = LABELS[current] || current;
      indicator.title = 'Real-time connection: ' + current;
    }
    stateHooks.forEach(function (hook) {
      try {
        hook(current);
      } catch (error) {
        console.error('realtime state hook failed', error);
      }
    });
  }

  var pusher = new Pusher(config.key, {
    cluster: 'self-hosted',
    wsHost: config.host,
    wsPort: config.port,
    wssPort: config.port,
    forceTLS: config.tls,
    enabledTransports: ['ws', 'wss'],
    disableStats: true,
    channelAuthorization: {
      transport: 'ajax',
      endpoint: config.authEndpoint,
      headers: { 'X-CSRFToken': config.csrfToken },
    },
    userAuthentication: {
      transport: 'ajax',
      endpoint: config.userAuthEndpoint,
      headers: { 'X-CSRFToken': config.csrfToken },
    },
  });

  pusher.connection.bind('state_change', function (states) {
    if (states.current === 'connected') {
      var awayHours = disconnectedAt ? (Date.now() - disconnectedAt) / 3600000 : 0;
      disconnectedAt = null;
      if (awayHours > config.retentionHours) {
        // Too long away: the replay window no longer covers the gap.
        (staleHooks.length ? staleHooks : [function () { window.location.reload(); }]).forEach(function (hook) {
          hook();
        });
      }
    } else if (states.previous === 'connected') {
      disconnectedAt = Date.now();
    }
    showState(states.current);
  });
  showState(pusher.connection.state);

  config.channels.forEach(function (name) {
    track(name);
    var channel = pusher.subscribe(name);
    channel.bind_global(function (eventName, data) {
      receive(name, eventName, data);
    });
    // After every (re)subscription: fill the gap since the last applied event.
    channel.bind('pusher:subscription_succeeded', function () {
      replay(name);
    });
    channel.bind('pusher:subscription_error', function (error) {
      console.warn('realtime subscription to ' + name + ' refused', error);
    });
  });

  window.SwitchboardRealtime = {
    pusher: pusher,
    on: function (eventName, fn) {
      (handlers[eventName] = handlers[eventName] || []).push(fn);
    },
    onState: function (fn) {
      stateHooks.push(fn);
      fn(pusher.connection.state);
    },
    onStale: function (fn) {
      staleHooks.push(fn);
    },
    // True while a channel's gap is being fetched (live events wait meanwhile).
    isFilling: function (name) {
      return !!(channels[name] && channels[name].buffer);
    },
    lastEventId: function (name) {
      return channels[name] ? channels[name].lastId : null;
    },
    channels: config.channels.slice(),
  };
})();
