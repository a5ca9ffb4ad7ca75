// Node's built-in WebSocket client (node --experimental-websocket, Node 20)
// against the gateway's WebSocket transport. Spawned by
// tests/e2e/websocket_interop_test.cc with the server's port; prints one
// line per case, "ok <case>" or "FAIL <case>: <why>", and exits non-zero if
// any case failed.
//
//   node --experimental-websocket websocket_client.js 8080
'use strict';

const port = process.argv[2];
if (!port) {
  console.error('usage: websocket_client.js <port>');
  process.exit(2);
}
// GRPCGW_TEST_TLS=1: the server speaks TLS (run with
// NODE_TLS_REJECT_UNAUTHORIZED=0 for its self-signed certificate).
const tls = !!process.env.GRPCGW_TEST_TLS && process.env.GRPCGW_TEST_TLS !== '0';
const base = `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}`;

// Opens `path`, sends `messages` (after `open`), and collects the text
// messages until the close; resolves with {messages, code, reason}.
// `onMessage(ws, data, index)` may send more.
function session(path, messages, { onMessage, protocols } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base + path, protocols);
    const received = [];
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`timeout on ${path} after ${received.length} messages`));
    }, 15000);
    ws.addEventListener('open', () => {
      for (const m of messages) ws.send(m);
    });
    ws.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') {
        reject(new Error('a non-text message'));
        return;
      }
      received.push(event.data);
      if (onMessage) onMessage(ws, event.data, received.length - 1);
    });
    ws.addEventListener('error', () => {});  // the close event follows and tells
    ws.addEventListener('close', (event) => {
      clearTimeout(timer);
      resolve({ messages: received, code: event.code, reason: event.reason, protocol: ws.protocol });
    });
  });
}

function expect(condition, what) {
  if (!condition) throw new Error(what);
}

const cases = {
  async 'bidi echo'() {
    // Each message is sent once the previous answer arrived; then half-close.
    const texts = ['one', 'two', 'three'];
    const r = await session('/v1/rooms/node:echo', [JSON.stringify({ text: texts[0] })], {
      onMessage(ws, data, i) {
        ws.send(i + 1 < texts.length ? JSON.stringify({ text: texts[i + 1] }) : '');
      },
    });
    expect(r.messages.length === 3, `3 messages, got ${r.messages.length}`);
    r.messages.forEach((m, i) => {
      const msg = JSON.parse(m);
      expect(msg.text === texts[i], `message ${i}: ${m}`);
      expect(msg.seq === String(i), `seq of message ${i}: ${m}`);
      // Only the first message is merged over the path.
      expect(msg.room === (i === 0 ? 'node' : ''), `room: ${m}`);
    });
    expect(r.code === 1000, `close code ${r.code}`);
  },

  async 'half-close, then every response'() {
    const sent = [];
    for (let i = 0; i < 50; i++) sent.push(JSON.stringify({ text: `m${i}` }));
    sent.push('');
    const r = await session('/v1/rooms/half:echo', sent);
    expect(r.messages.length === 50, `50 messages, got ${r.messages.length}`);
    expect(JSON.parse(r.messages[49]).text === 'm49', 'the last message');
    expect(r.code === 1000, `close code ${r.code}`);
  },

  async 'server-streaming from the path and query'() {
    const r = await session('/v1/watch/node?text=q&count=4', []);
    expect(r.messages.length === 4, `4 messages, got ${r.messages.length}`);
    expect(JSON.parse(r.messages[3]).kind === 'last', `last: ${r.messages[3]}`);
    expect(JSON.parse(r.messages[0]).text === 'q', `query field: ${r.messages[0]}`);
    expect(r.code === 1000, `close code ${r.code}`);
  },

  async 'server-streaming refuses client messages'() {
    const r = await session('/v1/watch/node2?count=3&wait_for_signal=true', ['{}']);
    expect(r.code === 1008, `close code ${r.code}`);
  },

  async 'client-streaming'() {
    const r = await session('/v1/collect', [
      JSON.stringify({ text: 'x', value: 40 }),
      JSON.stringify({ text: 'y', value: '2' }),
      '',
    ]);
    expect(r.messages.length === 1, `1 message, got ${r.messages.length}`);
    const msg = JSON.parse(r.messages[0]);
    expect(msg.text === 'xy' && msg.sum === '42' && msg.count === 2, `response: ${r.messages[0]}`);
    expect(r.code === 1000, `close code ${r.code}`);
  },

  async 'error close codes'() {
    const r = await session('/v1/rooms/err:echo', [JSON.stringify({ text: 'no such room', failCode: 5 })]);
    expect(r.code === 4005, `close code ${r.code}`);
    expect(r.reason === 'no such room', `reason "${r.reason}"`);
    const bad = await session('/v1/rooms/err:echo', ['{"text":']);
    expect(bad.code === 4003, `invalid JSON: close code ${bad.code}`);
    const watch = await session('/v1/watch/err?count=3&fail_after=2&fail_code=14&fail_message=later', []);
    // The two events, then the whole status as one last message.
    expect(watch.messages.length === 3, `2 messages and the error before the failure, got ${watch.messages.length}`);
    const error = JSON.parse(watch.messages[2]).error;
    expect(error && error.code === 14 && error.message === 'later', `error message: ${watch.messages[2]}`);
    expect(watch.code === 4014 && watch.reason === 'later', `close ${watch.code} "${watch.reason}"`);
  },

  async 'large message'() {
    const big = 'x'.repeat(1 << 20);
    const r = await session('/v1/rooms/big:echo', [JSON.stringify({ text: big }), '']);
    expect(r.messages.length === 1, `1 message, got ${r.messages.length}`);
    expect(JSON.parse(r.messages[0]).text === big, 'the 1 MiB text came back whole');
    expect(r.code === 1000, `close code ${r.code}`);
  },

  async 'client close'() {
    const r = await session('/v1/rooms/bye:echo', ['{}'], {
      onMessage(ws) {
        ws.close(3001, 'bye');
      },
    });
    expect(r.code === 3001, `close code ${r.code}`);
  },
};

(async () => {
  let failed = 0;
  for (const [name, run] of Object.entries(cases)) {
    try {
      await run();
      console.log(`ok ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${e.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
})();
