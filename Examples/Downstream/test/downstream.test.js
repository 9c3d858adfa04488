// The downstream example against the real JS client (js-client/, no npm): starts the
// downstream server on free ports (URLs from the lines it prints once bound), then checks
// the two @Exposed RPCs, the topic published every second, the static page, the CrossComm
// hub and the siyi endpoint from JavaScript, and runs the Swift client against it.
// DOWNSTREAM_BIN and DOWNSTREAM_CLIENT_BIN name the two executables.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebsocketConnection from '../../../js-client/src/protocols/wslink/WebsocketConnection.js';
import CrossComm from '../../../js-client/src/protocols/crosscomm/CrossCommClient.js';
import Siyi from '../../../js-client/src/protocols/siyi/SiyiClient.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {} };
const LINE = /^(wslink listening on|content served on|crosscomm listening on|siyi listening on) (\S+)$/;

function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); }),
  ]);
}

let server;
let urls = {};
let stderr = '';

before(async () => {
  const bin = process.env.DOWNSTREAM_BIN;
  assert.ok(bin, 'DOWNSTREAM_BIN must name the downstream-server executable');
  server = spawn(bin, [], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DOWNSTREAM_PORT: '0', DOWNSTREAM_CROSSCOMM_PORT: '0', DOWNSTREAM_SIYI_PORT: '0', DOWNSTREAM_PUBLIC: path.join(here, '..', 'Public') },
  });
  server.stderr.on('data', (d) => { stderr = (stderr + d).slice(-20000); });
  await withDeadline(new Promise((resolve, reject) => {
    let buffer = '';
    server.on('exit', (code) => reject(new Error(`downstream-server exited with ${code}\n${stderr}`)));
    server.stdout.on('data', (data) => {
      buffer += data;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        const match = LINE.exec(line);
        if (match) urls[match[1].split(' ')[0]] = match[2];
        if (line === 'wslink: Starting factory') resolve();
      }
    });
  }), 30000, 'downstream-server listener lines');
  server.removeAllListeners('exit');
});

after(async () => {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const kill = setTimeout(() => server.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(kill);
});

test('wslink: both @Exposed RPCs and a tick every second, from the JS client', async () => {
  const connection = WebsocketConnection.newInstance({ urls: urls.wslink, secret: 'downstream-secret', logger: quiet });
  const ready = new Promise((resolve, reject) => {
    connection.onConnectionReady(() => resolve());
    connection.onConnectionError((_, e) => reject(new Error(`connection error ${e?.code} ${e?.message}`)));
  });
  const session = connection.connect();
  await withDeadline(ready, 10000, 'wslink ready');
  assert.equal(await session.call('greeter.hello', ['JS']), 'Hello, JS!');
  assert.equal(await session.call('greeter.add', [40], { b: 2 }), 42);
  const tick = await withDeadline(new Promise((resolve) => {
    session.subscribe('greeter.tick', ([value]) => resolve(value));
  }), 5000, 'greeter.tick');
  assert.ok(Number.isInteger(tick.n) && tick.n >= 1, JSON.stringify(tick));
  await session.close();
});

test('the static page is served', async () => {
  const response = await withDeadline(fetch(urls.content), 10000, 'GET /');
  assert.equal(response.status, 200);
  assert.match(await response.text(), /<h1>Downstream<\/h1>/);
});

test('crosscomm: two JS clients log in and exchange a message through the hub', async () => {
  const alice = CrossComm.newInstance({ url: urls.crosscomm, clientId: 'alice', retry: false, logger: quiet });
  const bob = CrossComm.newInstance({ url: urls.crosscomm, clientId: 'bob', retry: false, logger: quiet });
  const received = new Promise((resolve) => bob.addListener((m) => { if (m.msg_type === 'text') resolve(m); }));
  await withDeadline(alice.login(), 10000, 'alice login');
  await withDeadline(bob.login(), 10000, 'bob login');
  await alice.sendMessage('hello bob', 'text', 'bob');
  const message = await withDeadline(received, 10000, 'message to bob');
  assert.equal(message.content, 'hello bob');
  assert.equal(message.from_client_id, 'alice');
  await alice.logout();
  await bob.logout();
});

test('siyi: the JS client gets the upper handler\'s answer', async () => {
  const client = Siyi.newInstance({ url: urls.siyi, logger: quiet });
  client.connect();
  assert.ok(await client.waitConnected(10000));
  const response = await client.request('upper', { text: 'switchboard' });
  assert.equal(response.status, 'ok');
  assert.deepEqual(response.data, { text: 'SWITCHBOARD' });
  await client.disconnect();
});

test('the Swift client passes every check against the same server', async () => {
  const bin = process.env.DOWNSTREAM_CLIENT_BIN;
  assert.ok(bin, 'DOWNSTREAM_CLIENT_BIN must name the downstream-client executable');
  const { stdout } = await new Promise((resolve, reject) => {
    execFile(bin, [urls.wslink, urls.crosscomm, urls.siyi], { timeout: 60000 }, (error, out, err) => {
      if (error) reject(new Error(`downstream-client failed: ${error.message}\n${out}\n${err}`));
      else resolve({ stdout: out });
    });
  });
  assert.match(stdout, /all checks passed/);
});
