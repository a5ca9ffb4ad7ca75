// A real EventSource (Node 20's built-in one: node --experimental-eventsource)
// against grpcgw's SSE transport. Run by tests/e2e/sse_eventsource_test.cc:
//
//   node --experimental-eventsource sse_eventsource.js <eos-base-url> <no-eos-base-url>
//
// <eos-base-url>: a gateway with the default End-of-stream event.
// <no-eos-base-url>: a gateway without one (and retry: 100), which also
// serves GET /drop, a user route on SseWriter that drops the connection.
// Prints one line per scenario; exits 0 when every scenario passed.
'use strict';

const [eosBase, dropBase] = process.argv.slice(2);
if (!eosBase || !dropBase || typeof EventSource !== 'function') {
  console.error('usage: node --experimental-eventsource sse_eventsource.js <eos-base-url> <no-eos-base-url>');
  process.exit(2);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function same(actual, expected, what) {
  check(JSON.stringify(actual) === JSON.stringify(expected),
        `${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
}

// Runs `body(resolve, reject, es)` on a new EventSource with a time limit;
// the source is closed at the end either way.
function withSource(url, timeoutMs, body) {
  return new Promise((resolve, reject) => {
    const es = new EventSource(url);
    const timer = setTimeout(() => reject(new Error(`timed out on ${url}`)), timeoutMs);
    const finish = (fn) => (value) => {
      clearTimeout(timer);
      es.close();
      fn(value);
    };
    try {
      body(finish(resolve), finish(reject), es);
    } catch (e) {
      finish(reject)(e);
    }
  });
}

// Named events with ids, then EOS: the page closes the source and no
// reconnection happens.
function eventsThenEos() {
  return withSource(`${eosBase}/v1/events/js?count=3&text=hi`, 10000, (resolve, reject, es) => {
    const seen = [];
    let opens = 0;
    es.onopen = () => { opens += 1; };
    const record = (e) => seen.push({ type: e.type, id: e.lastEventId, data: JSON.parse(e.data) });
    es.addEventListener('tick', record);
    es.addEventListener('last', record);
    es.onmessage = (e) => reject(new Error(`unnamed event: ${e.data}`));
    es.onerror = () => reject(new Error(`error before EOS, after ${seen.length} events`));
    es.addEventListener('EOS', (e) => {
      try {
        same(seen.map((s) => s.type), ['tick', 'tick', 'last'], 'event names');
        same(seen.map((s) => s.id), ['0', '1', '2'], 'lastEventId');
        same(seen.map((s) => s.data.seq), ['0', '1', '2'], 'data.seq');
        same(seen.map((s) => s.data.text), ['hi', 'hi', 'hi'], 'data.text');
        same(e.lastEventId, 'EOS', 'EOS id');
        same(e.data, '', 'EOS data');
        same(opens, 1, 'connections');
        resolve('named events with ids, then EOS; closed');
      } catch (err) {
        reject(err);
      }
    });
  });
}

// The gateway ends the response without EOS: the source reconnects with
// Last-Event-ID, which reaches the service (it echoes it in lastEventId).
function reconnectThroughGateway() {
  return withSource(`${dropBase}/v1/events/rc?count=2`, 10000, (resolve, reject, es) => {
    const first = [];
    let opens = 0;
    es.onopen = () => { opens += 1; };
    const onEvent = (e) => {
      const data = JSON.parse(e.data);
      if (opens === 1) {
        first.push([e.lastEventId, data.lastEventId]);
        return;
      }
      try {
        same(opens, 2, 'connections');
        same(first, [['0', ''], ['1', '']], 'ids of the first connection, and what the service saw');
        same(data.lastEventId, '1', 'Last-Event-ID seen by the service after reconnecting');
        same(data.seq, '0', 'first event of the second connection');
        resolve('reconnected with Last-Event-ID 1, and the service saw it');
      } catch (err) {
        reject(err);
      }
    };
    es.addEventListener('tick', onEvent);
    es.addEventListener('last', onEvent);
  });
}

// A user route on SseWriter drops the connection mid-stream: the source
// reconnects with the last id it saw.
function reconnectThroughUserRoute() {
  return withSource(`${dropBase}/drop`, 10000, (resolve, reject, es) => {
    const seen = [];
    es.onmessage = (e) => {
      seen.push([e.data, e.lastEventId]);
      if (seen.length < 2) return;
      try {
        same(seen, [['first', 'a1'], ['resumed after a1', 'a2']], 'events across the drop');
        resolve('user route dropped; reconnected with Last-Event-ID a1');
      } catch (err) {
        reject(err);
      }
    };
  });
}

(async () => {
  let failed = false;
  for (const scenario of [eventsThenEos, reconnectThroughGateway, reconnectThroughUserRoute]) {
    try {
      console.log(`ok ${scenario.name}: ${await scenario()}`);
    } catch (err) {
      failed = true;
      console.log(`FAILED ${scenario.name}: ${err.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
})();
