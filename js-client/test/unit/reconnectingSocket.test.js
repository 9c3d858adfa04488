import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ReconnectingSocket } from '../../src/transport/ReconnectingSocket.js';
import { makePolicy } from '../../src/transport/backoff.js';
import { FakeWebSocket, ManualClock } from '../support/fakes.js';

beforeEach(() => FakeWebSocket.reset());

function make(policy, clock = new ManualClock()) {
  const events = [];
  const socket = new ReconnectingSocket({
    url: () => 'ws://fake/',
    policy,
    env: clock.env(),
    handlers: {
      open: () => events.push('open'),
      message: (d) => events.push(['message', typeof d === 'string' ? d : [...d]]),
      error: () => events.push('error'),
      drop: (info) => events.push(['drop', info.code, info.attempt, info.delay]),
      end: (info) => events.push(['end', info.code]),
    },
  });
  socket.start();
  return { socket, events, clock };
}

test('an error without a close event (Node 20 WebSocket) still ends the attempt and retries', () => {
  const { events, clock } = make(makePolicy({ jitter: 0 }));
  FakeWebSocket.last.onerror({ type: 'error' });
  assert.deepEqual(events, ['error', ['drop', 1006, 1, 500]]);
  FakeWebSocket.last.serverClose(1006);
  assert.equal(events.length, 2, 'a late close of the failed socket is ignored');
  clock.advance(500);
  assert.equal(FakeWebSocket.instances.length, 2);
});

test('binary messages arrive as Uint8Array, text as string; binaryType is arraybuffer', () => {
  const { events } = make(makePolicy(false));
  const ws = FakeWebSocket.last;
  assert.equal(ws.binaryType, 'arraybuffer');
  ws.serverOpen();
  ws.serverSend('hi');
  ws.serverSend(Uint8Array.of(1, 2));
  assert.deepEqual(events, ['open', ['message', 'hi'], ['message', [1, 2]]]);
});

test('backoff resets only after a connection that stayed up for maxDelay', () => {
  const { events, clock } = make(makePolicy({ jitter: 0, maxDelay: 4000 }));
  FakeWebSocket.last.fail();
  clock.advance(500);
  FakeWebSocket.last.fail();
  clock.advance(1000);
  FakeWebSocket.last.serverOpen();
  clock.advance(100);
  FakeWebSocket.last.serverClose(1006);
  clock.advance(2000);
  FakeWebSocket.last.serverOpen();
  clock.advance(4000);
  FakeWebSocket.last.serverClose(1001);
  assert.deepEqual(events.filter((e) => e[0] === 'drop').map((e) => e[3]), [500, 1000, 2000, 500]);
});

test('close() during the backoff wait ends at once without another attempt', () => {
  const { socket, events, clock } = make(makePolicy(true));
  FakeWebSocket.last.fail();
  socket.close();
  assert.deepEqual(events.at(-1), ['end', 1000]);
  clock.advance(60000);
  assert.equal(FakeWebSocket.instances.length, 1);
});
