// The example page: a ParaViewWeb-style live view and RPC controls over wslink, a CrossComm
// chat and a siyi panel, all talking to the `switchboard serve` that serves this page.
// `?autotest=a|b` runs a scripted check and writes JSON results into #results (the headless
// Chromium test reads them); pages a and b exchange CrossComm messages with each other.
import { SmartConnect, CrossComm, Siyi } from '../src/index.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const wsBase = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
const urls = {
  wslink: params.get('wslink') ?? `${wsBase}/ws`,
  crosscomm: params.get('crosscomm') ?? `${wsBase}/crosscomm`,
  siyi: params.get('siyi') ?? `${wsBase}/siyi`,
};

function status(id, text, ok) {
  const badge = $(id);
  badge.textContent = text;
  badge.className = `badge ${ok === undefined ? '' : ok ? 'ok' : 'bad'}`;
}

function log(list, html) {
  const item = document.createElement('li');
  item.innerHTML = html;
  $(list).append(item);
  $(list).scrollTop = 1e9;
}

const escape = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

// ---------------------------------------------------------------- wslink: live view + RPC
const view = $('view');
const chart = $('chart');
let frame = null;
let phase = 0;
const ticks = [];

function colormap(v) {
  const t = v / 255;
  return [Math.round(255 * Math.min(1, Math.max(0, 1.5 * t - 0.2))), Math.round(255 * Math.sin(Math.PI * t) ** 0.8), Math.round(255 * (1 - t) ** 0.7)];
}

function draw() {
  if (!frame) return;
  const context = view.getContext('2d');
  const image = context.createImageData(view.width, view.height);
  for (let y = 0; y < view.height; y += 1) {
    for (let x = 0; x < view.width; x += 1) {
      const i = y * view.width + x;
      const value = (frame[i % frame.length] + y + phase * 17 + Math.round(40 * Math.sin((x + phase * 9) / 23))) & 0xff;
      const [r, g, b] = colormap(value);
      image.data.set([r, g, b, 255], i * 4);
    }
  }
  context.putImageData(image, 0, 0);
}

function drawChart() {
  const context = chart.getContext('2d');
  context.clearRect(0, 0, chart.width, chart.height);
  const width = chart.width / Math.max(ticks.length, 12);
  ticks.forEach(([a, b], i) => {
    context.fillStyle = `hsl(${(a * 29) % 360} 80% 60%)`;
    const h = ((a + b) % 32) / 32 * (chart.height - 8) + 8;
    context.fillRect(i * width + 2, chart.height - h, width - 4, h);
  });
}

// ParaViewWeb style: without ?wslink=, SmartConnect asks the launcher at ./paraview/ for the
// session (sessionURL + secret), falling back to this page's /ws as the original does.
const smart = SmartConnect.newInstance({
  config: params.has('wslink')
    ? { sessionURL: urls.wslink, secret: params.get('secret') ?? 'wslink-secret', retry: true }
    : { application: 'switchboard-example', retry: true },
});
const wslinkReady = new Promise((resolve, reject) => {
  smart.onConnectionReady((connection) => { status('wslink-status', 'wslink: connected', true); resolve(connection.getSession()); });
  smart.onConnectionError((_, error) => { status('wslink-status', `wslink: ${error?.message ?? 'error'}`, false); reject(error); });
  smart.onConnectionClose((_, event) => status('wslink-status', `wslink: closed (${event.code})`, false));
});
smart.connect();

async function renderFrame(session) {
  const { blob } = await session.call('demo.bytes', [view.width * view.height]);
  frame = blob;
  draw();
  return blob.length;
}

async function stream(session, count) {
  return session.call('demo.start', [count]);
}

wslinkReady.then((session) => {
  session.subscribe('demo.tick', ([tick]) => {
    ticks.push([...tick.bin]);
    if (ticks.length > 48) ticks.shift();
    phase = tick.i + 1;
    draw();
    drawChart();
  });
  $('render').onclick = () => renderFrame(session);
  $('stream').onclick = () => stream(session, Number($('tick-count').value));
  $('add').onclick = async () => {
    $('add-result').value = await session.call('demo.add', [Number($('add-a').value), Number($('add-b').value)]);
  };
  $('echo-bytes').onclick = async () => {
    const data = Uint8Array.from({ length: 65536 }, (_, i) => (i * 31) & 0xff);
    const t0 = performance.now();
    const echoed = await session.call('demo.echo', [], { data });
    const same = echoed.kwargs.data.length === data.length && echoed.kwargs.data.every((b, i) => b === data[i]);
    $('echo-result').value = `${same ? 'identical' : 'DIFFERENT'} in ${(performance.now() - t0).toFixed(1)} ms`;
  };
  $('fail').onclick = async () => {
    try { await session.call('demo.fail'); } catch (error) { $('fail-result').value = `${error.code} ${error.message}`; }
  };
  if (!params.has('autotest')) renderFrame(session).then(() => stream(session, 12));
}).catch(() => {});

// ---------------------------------------------------------------- CrossComm chat
let chat = null;
const chatMessages = [];
function crossCommLogin(id) {
  chat?.close();
  chat = CrossComm.newInstance({ url: urls.crosscomm, clientId: id });
  chat.addListener((m) => {
    if (m.msg_type === 'login_response') return;
    chatMessages.push(m);
    log('cc-log', `<span class="from">${escape(m.from_client_id)}</span> → ${escape(m.to_client_id)}: ${escape(typeof m.content === 'string' ? m.content : JSON.stringify(m.content))}`);
  });
  return chat.login().then(() => { status('crosscomm-status', `CrossComm: ${id}`, true); return chat; },
    (error) => { status('crosscomm-status', `CrossComm: ${error.message}`, false); throw error; });
}
$('cc-id').value = params.get('autotest') ? `page-${params.get('autotest')}` : `web_${Math.random().toString(16).slice(2, 6)}`;
$('cc-login').onclick = () => crossCommLogin($('cc-id').value).catch(() => {});
$('cc-list').onclick = async () => {
  const list = await chat.listClients(true);
  log('cc-log', `online: ${list.clients.map((c) => escape(c.client_id)).join(', ')}`);
};
$('cc-form').onsubmit = async (event) => {
  event.preventDefault();
  await chat?.sendMessage($('cc-text').value, 'text', 'all');
  log('cc-log', `<span class="from">me</span>: ${escape($('cc-text').value)}`);
  $('cc-text').value = '';
};

// ---------------------------------------------------------------- siyi
const siyi = Siyi.newInstance({ url: urls.siyi, requestTimeout: 10000 });
siyi.register('get_status', () => ({ status: 'running', page: location.pathname }));
siyi.onEvent('player_updated_notification', (data) => log('siyi-log', `event player_updated_notification ${escape(JSON.stringify(data))}`));
siyi.connect();
siyi.waitConnected(10000).then((ok) => status('siyi-status', ok ? 'siyi: connected' : 'siyi: offline', ok));
$('siyi-echo').onclick = async () => {
  const response = await siyi.request('echo', { message: $('siyi-text').value });
  log('siyi-log', `echo → ${escape(response.status)} ${escape(JSON.stringify(response.data))}`);
};
$('siyi-event').onclick = () => siyi.sendEvent('player_update', { player: 'Steve', health: 95 });
if (!params.has('autotest')) crossCommLogin($('cc-id').value).catch(() => {});

// ---------------------------------------------------------------- autotest
async function within(ms, what, promise) {
  let timer;
  const deadline = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); });
  try { return await Promise.race([promise, deadline]); } finally { clearTimeout(timer); }
}

async function until(ms, what, predicate) {
  const start = Date.now();
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function autotest(role) {
  const peer = role === 'a' ? 'b' : 'a';
  const results = { role, wslink: {}, crosscomm: {}, siyi: {}, errors: [] };
  const step = async (name, body) => {
    try { await body(); } catch (error) { results.errors.push(`${name}: ${error?.message ?? JSON.stringify(error)}`); }
  };
  await step('wslink', async () => {
    const session = await within(10000, 'wslink ready', wslinkReady);
    const r = results.wslink;
    r.launcher = { id: typeof smart.getConfig().id === 'string', sessionURL: smart.getConfig().sessionURL };
    r.add = await session.call('demo.add', [2, 3]);
    r.addKwargs = await session.call('demo.add', [40], { b: 2 });
    $('add-result').value = r.addKwargs;
    const seen = [];
    const sub = session.subscribe('demo.tick', ([t]) => seen.push([t.i, [...t.bin]]));
    await sub.promise;
    r.start = await session.call('demo.start', [3]);
    // Publishes reach every client, so the other page's demo.start ticks arrive here too:
    // keep one of each index this call produced.
    r.ticks = [0, 1, 2].map((i) => seen.find(([j]) => j === i) ?? null);
    r.tickCount = seen.length;
    await sub.unsubscribe();
    const data = Uint8Array.from({ length: 65536 }, (_, i) => (i * 31) & 0xff);
    const echoed = await session.call('demo.echo', [], { data });
    r.binaryRoundTrip = { sent: data.length, received: echoed.kwargs.data.length, identical: echoed.kwargs.data.every((b, i) => b === data[i]), isUint8Array: echoed.kwargs.data instanceof Uint8Array };
    $('echo-result').value = r.binaryRoundTrip.identical ? 'identical (64 KiB)' : 'DIFFERENT';
    r.frameBytes = await renderFrame(session);
    try { await session.call('demo.fail'); } catch (error) { r.failCode = error.code; $('fail-result').value = `${error.code} ${error.message}`; }
    r.streamed = await stream(session, 12);
  });
  await step('crosscomm', async () => {
    const c = results.crosscomm;
    const client = await crossCommLogin(`page-${role}`);
    c.login = 'success';
    await until(15000, `page-${peer} online`, async () => (await client.listClients(true)).clients.some((x) => x.client_id === `page-${peer}`));
    if (role === 'a') {
      await client.sendMessage(`ping from page-a`, 'text', 'page-b');
      await until(15000, 'reply from page-b', () => chatMessages.some((m) => m.from_client_id === 'page-b'));
    } else {
      await until(15000, 'message from page-a', () => chatMessages.some((m) => m.from_client_id === 'page-a'));
      await client.sendMessage(`pong from page-b`, 'text', 'page-a');
    }
    c.received = chatMessages.map((m) => ({ from: m.from_client_id, to: m.to_client_id, type: m.msg_type, content: m.content }));
  });
  await step('siyi', async () => {
    const s = results.siyi;
    s.connected = await siyi.waitConnected(10000);
    const response = await siyi.request('echo', { message: `hello from page-${role}` });
    s.echo = { status: response.status, data: response.data };
    log('siyi-log', `echo → ${escape(response.status)} ${escape(JSON.stringify(response.data))}`);
    s.unknown = (await siyi.request('no_such_command')).error;
  });
  results.done = true;
  $('results').textContent = JSON.stringify(results);
  document.title = `done ${role}`;
}

if (params.has('autotest')) autotest(params.get('autotest'));
