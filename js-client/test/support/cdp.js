// A minimal Chrome DevTools Protocol client over Node's WebSocket: launch headless Chromium,
// open pages, evaluate expressions, take screenshots. Every wait has a deadline.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The Chromium binary: env CHROMIUM_BIN, else `chromium` on PATH. */
export const chromiumBinary = () => process.env.CHROMIUM_BIN ?? 'chromium';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

/** Pids of processes whose command line mentions `marker` (Chromium helpers of one profile). */
function pidsMentioning(marker) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch { /* exited meanwhile */ }
  }
  return pids;
}

/**
 * Starts headless Chromium in its own process group with a DevTools port, with no pipes to
 * this process (Chromium's helpers would keep them open after it exits).
 * @returns {Promise<{browser: Browser, stop: () => Promise<void>}>}
 */
export async function launchChromium({ width = 1400, height = 1000 } = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), 'switchboard-chromium-'));
  const port = await freePort();
  const logPath = path.join(profile, 'chromium.log');
  const log = openSync(logPath, 'w');
  const child = spawn(chromiumBinary(), [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--no-default-browser-check', '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows', '--disable-breakpad', '--disable-crash-reporter',
    `--window-size=${width},${height}`, `--user-data-dir=${profile}`, `--remote-debugging-port=${port}`, 'about:blank',
  ], { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  let exited = false;
  child.once('exit', () => { exited = true; });
  const stop = async () => {
    const group = (signal) => { try { process.kill(-child.pid, signal); } catch { /* gone */ } };
    if (!exited) {
      group('SIGTERM');
      const deadline = Date.now() + 5000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (!exited) group('SIGKILL');
    }
    // Helpers that left the group (crashpad) still name the profile directory.
    for (const pid of pidsMentioning(profile)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    rmSync(profile, { recursive: true, force: true });
  };
  let endpoint;
  const deadline = Date.now() + 30000;
  while (!endpoint) {
    if (exited || Date.now() > deadline) {
      const output = readFileSync(logPath, 'utf8').slice(-4000);
      await stop();
      throw new Error(`chromium ${exited ? 'exited' : 'opened no DevTools port within 30 s'}\n${output}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/json/version`);
      endpoint = (await response.json()).webSocketDebuggerUrl;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const browser = await Browser.connect(endpoint).catch(async (error) => { await stop(); throw error; });
  return { browser, stop: async () => { browser.close(); await stop(); } };
}

export class Browser {
  static connect(url) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const timer = setTimeout(() => reject(new Error('DevTools socket did not open within 10 s')), 10000);
      socket.onopen = () => { clearTimeout(timer); resolve(new Browser(socket)); };
      socket.onerror = () => { clearTimeout(timer); reject(new Error(`cannot open DevTools socket ${url}`)); };
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.nextId = 1;
    this.pending = new Map();
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
      else waiter.resolve(message.result);
    };
  }

  send(method, params = {}, sessionId = undefined, timeout = 30000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`${method}: no answer within ${timeout} ms`)); }, timeout);
      this.pending.set(id, { method, resolve: (v) => { clearTimeout(timer); resolve(v); }, reject: (e) => { clearTimeout(timer); reject(e); } });
      this.socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  /** Opens a page and returns a handle bound to its session. */
  async open(url) {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    await page.send('Page.navigate', { url });
    return page;
  }

  close() {
    try { this.socket.close(); } catch { /* already closed */ }
  }
}

export class Page {
  constructor(browser, sessionId) {
    this.browser = browser;
    this.sessionId = sessionId;
  }

  send(method, params = {}, timeout) {
    return this.browser.send(method, params, this.sessionId, timeout);
  }

  /** Evaluates an expression in the page and returns its JSON value. */
  async evaluate(expression) {
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (exceptionDetails) throw new Error(`evaluate ${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  }

  /** Polls `expression` until it is truthy. */
  async waitFor(expression, timeout = 60000) {
    const started = Date.now();
    for (;;) {
      const value = await this.evaluate(expression).catch(() => null);
      if (value) return value;
      if (Date.now() - started > timeout) throw new Error(`page: ${expression} not truthy within ${timeout} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A PNG screenshot of the viewport. */
  async screenshot() {
    await this.send('Page.bringToFront');
    const { data } = await this.send('Page.captureScreenshot', { format: 'png' });
    return Buffer.from(data, 'base64');
  }
}
