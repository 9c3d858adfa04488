// Headless Chromium against `switchboard serve` and its default content (the example page):
// two pages run wslink calls, a publish subscription, a binary round trip, a CrossComm exchange
// with each other and siyi requests, and report JSON results the test asserts on. A screenshot
// of page a is saved to reports/ and must show live data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSwitchboard } from '../support/servers.js';
import { launchChromium } from '../support/cdp.js';
import { decodePNG, regionStats } from '../support/png.js';
import { repoRoot } from '../support/vectors.js';

let server;
let chromium;
const results = {};
let screenshot;
let viewBox;

before(async () => {
  server = await startSwitchboard();
  assert.ok(server.urls.content, 'serve printed a content line: the default content was found');
  chromium = await launchChromium();
  const pages = {};
  for (const role of ['a', 'b']) pages[role] = await chromium.browser.open(`${server.urls.content}?autotest=${role}`);
  for (const role of ['a', 'b']) {
    const text = await pages[role].waitFor("document.getElementById('results').textContent", 90000);
    results[role] = JSON.parse(text);
  }
  viewBox = await pages.a.evaluate("(() => { const r = document.getElementById('view').getBoundingClientRect(); return {x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.width), h: Math.round(r.height)}; })()");
  screenshot = await pages.a.screenshot();
  const reports = path.join(repoRoot, 'reports');
  mkdirSync(reports, { recursive: true });
  writeFileSync(path.join(reports, 'js-client-example.png'), screenshot);
  writeFileSync(path.join(reports, 'js-client-example.json'), JSON.stringify(results, null, 2));
});

after(async () => {
  await chromium?.stop();
  await server?.stop();
});

for (const role of ['a', 'b']) {
  test(`page ${role}: no step failed`, () => {
    assert.deepEqual(results[role].errors, []);
    assert.equal(results[role].done, true);
  });

  test(`page ${role}: wslink calls, publish subscription and binary round trip`, () => {
    const w = results[role].wslink;
    assert.deepEqual(w.launcher, { id: true, sessionURL: server.urls.wslink }, 'SmartConnect got its session from POST /paraview/');
    assert.equal(w.add, 5);
    assert.equal(w.addKwargs, 42);
    assert.deepEqual(w.start, { published: 3 });
    assert.deepEqual(w.ticks, [[0, [0, 1]], [1, [1, 2]], [2, [2, 3]]]);
    assert.ok(w.tickCount >= 3, `${w.tickCount} ticks`);
    assert.deepEqual(w.binaryRoundTrip, { sent: 65536, received: 65536, identical: true, isUint8Array: true });
    assert.equal(w.frameBytes, 384 * 256);
    assert.equal(w.failCode, -32001);
    assert.deepEqual(w.streamed, { published: 12 });
  });

  test(`page ${role}: siyi echo and unknown command`, () => {
    const s = results[role].siyi;
    assert.equal(s.connected, true);
    assert.deepEqual(s.echo, { status: 'ok', data: { message: `hello from page-${role}` } });
    assert.equal(s.unknown, 'unknown command no_such_command');
  });
}

test('CrossComm: page a and page b exchanged messages through the hub', () => {
  assert.deepEqual(results.a.crosscomm.received, [{ from: 'page-b', to: 'page-a', type: 'text', content: 'pong from page-b' }]);
  assert.deepEqual(results.b.crosscomm.received, [{ from: 'page-a', to: 'page-b', type: 'text', content: 'ping from page-a' }]);
});

test('the screenshot shows live data in the view, not an empty page', () => {
  const image = decodePNG(screenshot);
  assert.ok(image.width >= 800 && image.height >= 600, `${image.width}x${image.height}`);
  const view = regionStats(image, viewBox);
  assert.ok(view.nonBackgroundShare > 0.5, `live view mostly one colour: ${JSON.stringify(view)}`);
  assert.ok(view.distinctColours > 100, `live view has too few colours: ${JSON.stringify(view)}`);
  assert.ok(view.lumaVariance > 200, `live view is flat: ${JSON.stringify(view)}`);
});
