// Drives pusher-js (the npm package, its Node build) for the conformance tests.
//
// Reads commands as JSON lines on stdin, e.g.
//   {"cmd": "connect", "id": "a", "key": "...", "host": "127.0.0.1", "port": 8000,
//    "auth": {"endpoint": "http://.../api/realtime/auth/", "headers": {...}}}
//   {"cmd": "subscribe", "id": "a", "channel": "presence-org-acme"}
//   {"cmd": "trigger", "id": "a", "channel": "...", "event": "client-x", "data": {...}}
// and prints what each client sees as JSON lines on stdout:
//   {"id": "a", "type": "state", "current": "connected", "socket_id": "1.2"}
//   {"id": "a", "type": "event", "channel": "...", "event": "...", "data": ..., "user_id": ...}
const path = require('path');
const readline = require('readline');

const Pusher = require(path.resolve(__dirname, '../../../node_modules/pusher-js'));

const clients = {};

function emit(record) {
  process.stdout.write(JSON.stringify(record) + '\n');
}

function describe(channel, eventName, data) {
  // Presence payloads arrive as a Members object; report the parts a test can compare.
  if (eventName === 'pusher:subscription_succeeded' && channel.members) {
    return {
      count: channel.members.count,
      ids: Object.keys(channel.members.members).sort(),
      me: channel.members.me,
    };
  }
  return data;
}

function connect(command) {
  const options = {
    cluster: 'local',
    wsHost: command.host,
    wsPort: command.port,
    wssPort: command.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
  };
  if (command.auth) {
    options.channelAuthorization = { transport: 'ajax', endpoint: command.auth.endpoint, headers: command.auth.headers || {} };
  }
  if (command.userAuth) {
    options.userAuthentication = { transport: 'ajax', endpoint: command.userAuth.endpoint, headers: command.userAuth.headers || {} };
  }
  if (command.badAuth) {
    // Sign with the wrong secret: the server must refuse and name the expected string.
    options.channelAuthorization = {
      customHandler: (params, callback) => callback(null, { auth: `${command.key}:${'0'.repeat(64)}` }),
    };
  }
  const pusher = new Pusher(command.key, options);
  const id = command.id;
  clients[id] = pusher;
  pusher.connection.bind('state_change', (states) => {
    emit({ id, type: 'state', previous: states.previous, current: states.current, socket_id: pusher.connection.socket_id || null });
  });
  pusher.connection.bind('error', (error) => {
    const data = error && error.error && error.error.data;
    emit({ id, type: 'connection_error', code: data ? data.code : null, message: data ? data.message : String(error && error.type) });
  });
  pusher.connection.bind('message', (message) => {
    // Protocol frames pusher-js handles itself (sign-in, its user channel).
    if (message.event === 'pusher:signin_success' || (message.channel || '').startsWith('#')) {
      emit({ id, type: 'message', event: message.event, channel: message.channel || null });
    }
  });
  pusher.user.bind_global((eventName, data) => {
    emit({ id, type: 'user_event', event: eventName, data });
  });
  pusher.user.watchlist.bind('online', (data) => emit({ id, type: 'watchlist', name: 'online', user_ids: data.user_ids }));
  pusher.user.watchlist.bind('offline', (data) => emit({ id, type: 'watchlist', name: 'offline', user_ids: data.user_ids }));
}

function subscribe(command) {
  const channel = clients[command.id].subscribe(command.channel);
  channel.bind_global((eventName, data) => {
    emit({ id: command.id, type: 'event', channel: command.channel, event: eventName, data: describe(channel, eventName, data) });
  });
  // Handlers bound by name also get the metadata (user_id of client events on presence).
  (command.bind || []).forEach((eventName) => {
    channel.bind(eventName, (data, metadata) => {
      emit({
        id: command.id,
        type: 'bound',
        channel: command.channel,
        event: eventName,
        data,
        user_id: metadata && metadata.user_id !== undefined ? metadata.user_id : null,
      });
    });
  });
}

function run(command) {
  const pusher = clients[command.id];
  switch (command.cmd) {
    case 'connect':
      return connect(command);
    case 'subscribe':
      return subscribe(command);
    case 'unsubscribe':
      return pusher.unsubscribe(command.channel);
    case 'trigger': {
      const ok = pusher.channel(command.channel).trigger(command.event, command.data);
      return emit({ id: command.id, type: 'triggered', ok });
    }
    case 'signin':
      return pusher.signin();
    case 'members': {
      const members = pusher.channel(command.channel).members;
      return emit({ id: command.id, type: 'members', count: members.count, ids: Object.keys(members.members).sort() });
    }
    case 'disconnect':
      return pusher.disconnect();
    case 'exit':
      Object.values(clients).forEach((client) => client.disconnect());
      return setTimeout(() => process.exit(0), 50);
    default:
      return emit({ type: 'bad_command', command });
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  try {
    run(JSON.parse(line));
  } catch (error) {
    emit({ type: 'script_error', message: String(error && error.stack) });
  }
});
emit({ type: 'ready' });
