// Headless Chromium: the example page served by `switchboard launcher` as its content.
// Each page's SmartConnect posts to the launcher's ./paraview/, gets its own `switchboard serve`
// process, and talks to it through the launcher's /proxy; CrossComm and siyi come from a
// separate `switchboard serve` (the launcher only proxies wslink sessions).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startSwitchboard } from '../support/servers.js';
import { startLauncher } from '../support/launcher.js';
import { launchChromium } from '../support/cdp.js';
import { repoRoot } from '../support/vectors.js';

let server;
let launcher;
let chromium;
let mapping;
const results = {};

before(async () => {
  server = await startSwitchboard();
  launcher = await startLauncher({ application: 'switchboard-example', content: path.join(repoRoot, 'js-client') });
  chromium = await launchChromium();
  const query = `crosscomm=${encodeURIComponent(server.urls.crosscomm)}&siyi=${encodeURIComponent(server.urls.siyi)}`;
  const pages = {};
  for (const role of ['a', 'b']) pages[role] = await chromium.browser.open(`http://127.0.0.1:${launcher.port}/?autotest=${role}&${query}`);
  for (const role of ['a', 'b']) {
    results[role] = JSON.parse(await pages[role].waitFor("document.getElementById('results').textContent", 90000));
  }
  mapping = readFileSync(path.join(launcher.dir, 'proxy-mapping.txt'), 'utf8');
});

after(async () => {
  await chromium?.stop();
  await launcher?.stop();
  await server?.stop();
});

test('each page got its own session process from the launcher, through the proxy', () => {
  const urls = ['a', 'b'].map((role) => results[role].wslink.launcher);
  for (const { id, sessionURL } of urls) {
    assert.equal(id, true);
    assert.match(sessionURL, new RegExp(`^ws://127\\.0\\.0\\.1:${launcher.port}/proxy\\?sessionId=[0-9a-f-]{36}&path=ws$`));
  }
  assert.notEqual(urls[0].sessionURL, urls[1].sessionURL);
  const ports = mapping.trim().split('\n').map((line) => Number(line.split(':').pop()));
  assert.deepEqual(new Set(ports), new Set(launcher.pool));
});

for (const role of ['a', 'b']) {
  test(`page ${role}: every step passed; wslink calls, publishes and binary through the proxy`, () => {
    assert.deepEqual(results[role].errors, []);
    const w = results[role].wslink;
    assert.equal(w.add, 5);
    assert.equal(w.addKwargs, 42);
    assert.deepEqual(w.start, { published: 3 });
    assert.deepEqual(w.ticks, [[0, [0, 1]], [1, [1, 2]], [2, [2, 3]]]);
    assert.deepEqual(w.binaryRoundTrip, { sent: 65536, received: 65536, identical: true, isUint8Array: true });
    assert.equal(w.failCode, -32001);
    assert.deepEqual(w.streamed, { published: 12 });
  });
}
