// The wslink client with `wireVersion: 1` (JSON + binary attachments) against the real Python
// wslink 1.12.4 demo server and against `switchboard serve`, which picks the generation from
// the first message's frame type.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebsocketConnection from '../../src/protocols/wslink/WebsocketConnection.js';
import { startSwitchboard, startPythonWslink } from '../support/servers.js';
import { nextEvent, quietLogger } from '../support/fakes.js';

async function open(url) {
  const connection = WebsocketConnection.newInstance({ urls: url, wireVersion: 1, logger: quietLogger });
  const ready = nextEvent(connection, 'ConnectionReady', 10000);
  const session = connection.connect();
  await ready;
  return session;
}

const targets = [
  ['Python wslink 1.12.4', () => startPythonWslink(1)],
  ['switchboard serve', async () => { const s = await startSwitchboard(); return { url: s.urls.wslink, stop: s.stop }; }],
];

for (const [name, start] of targets) {
  describe(`wslink 1.x client against ${name}`, () => {
    let server;
    let session;
    before(async () => {
      server = await start();
      session = await open(server.url);
    });
    after(async () => {
      await session?.close();
      await server?.stop();
    });

    test('calls and errors', async () => {
      assert.equal(await session.call('demo.add', [2, 3]), 5);
      assert.deepEqual(await session.call('demo.echo', [1, 'x'], { k: 'v' }), { args: [1, 'x'], kwargs: { k: 'v' } });
      await assert.rejects(session.call('no.such.method'), { code: -32601, message: 'Unregistered method called', data: 'no.such.method' });
    });

    test('binary results arrive as attachments, resolved to Uint8Array', async () => {
      const result = await session.call('demo.bytes', [4]);
      assert.ok(result.blob instanceof Uint8Array);
      assert.deepEqual([...result.blob], [0, 1, 2, 3]);
    });

    test('publishes with attachments reach the subscription as [result]', async () => {
      const ticks = [];
      await session.subscribe('demo.tick', ([r]) => ticks.push([r.i, [...r.bin]])).promise;
      assert.deepEqual(await session.call('demo.start', [2]), { published: 2 });
      assert.deepEqual(ticks, [[0, [0, 1]], [1, [1, 2]]]);
    });

    test('an attachment sent by the client reaches the server as bytes', async () => {
      const key = session.addAttachment(Uint8Array.of(1, 2, 3, 4, 5));
      assert.match(key, /^wslink_bin\d+$/);
      if (name.startsWith('Python')) {
        assert.deepEqual(await session.call('demo.len', [key]), { type: 'bytes', len: 5 });
      } else {
        const echoed = await session.call('demo.echo', [key]);
        assert.deepEqual([...echoed.args[0]], [1, 2, 3, 4, 5]);
      }
    });
  });
}
