import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import SmartConnect from '../../src/protocols/wslink/SmartConnect.js';
import { FakeWebSocket, ManualClock, nextEvent, quietLogger } from '../support/fakes.js';

beforeEach(() => FakeWebSocket.reset());

test('the launcher is retried on 503 per launcherRetry, then its sessionURL and secret are used', async () => {
  const posts = [];
  const answers = [
    () => Response.json({ error: 'All the resources are currently taken' }, { status: 503 }),
    () => Response.json({ sessionURL: 'ws://fake/ws', secret: 'from-launcher', id: 'x' }),
  ];
  const fetch = async (url, init) => { posts.push([url, JSON.parse(init.body)]); return answers.shift()(); };
  const smart = SmartConnect.newInstance({
    config: { sessionManagerURL: 'http://fake/paraview/', application: 'demo', launcherRetry: [10], env: new ManualClock().env(), logger: quietLogger },
    fetch,
  });
  smart.connect();
  const started = Date.now();
  while (FakeWebSocket.instances.length === 0 && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 5));
  assert.equal(posts.length, 2);
  assert.deepEqual(posts[0], ['http://fake/paraview/', { sessionManagerURL: 'http://fake/paraview/', application: 'demo', launcherRetry: [10] }]);
  const socket = FakeWebSocket.last;
  assert.equal(socket.url, 'ws://fake/ws');
  socket.serverOpen();
  assert.equal(smart.getConfig().secret, 'from-launcher');
});

test('a launcher error fires ConnectionError(xhr, error) and connects nowhere', async () => {
  const fetch = async () => Response.json({ error: 'The request is not complete' }, { status: 400 });
  const smart = SmartConnect.newInstance({ config: { sessionManagerURL: 'http://fake/paraview/', logger: quietLogger }, fetch });
  const failed = nextEvent(smart, 'ConnectionError');
  smart.connect();
  const [xhr, error] = await failed;
  assert.equal(xhr.status, 400);
  assert.equal(error, 'The request is not complete');
  assert.equal(FakeWebSocket.instances.length, 0);
});
