// A minimal Chrome DevTools Protocol client over Node's WebSocket: launch headless Chromium,
// open pages, evaluate expressions, take screenshots. Every wait has a deadline.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The Chromium binary: env CHROMIUM_BIN, else `chromium` on PATH. */
export const chromiumBinary = () => process.env.CHROMIUM_BIN ?? 'chromium';

/**
 * Starts headless Chromium with a DevTools port of its choosing.
 * @returns {Promise<{browser: Browser, stop: () => Promise<void>}>}
 */
export async function launchChromium({ width = 1400, height = 1000 } = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), 'switchboard-chromium-'));
  const child = spawn(chromiumBinary(), [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--no-default-browser-check', '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows', `--window-size=${width},${height}`,
    `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const stop = () => new Promise((resolve) => {
    const done = () => { rmSync(profile, { recursive: true, force: true }); resolve(); };
    if (child.exitCode !== null || child.signalCode !== null) { done(); return; }
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(kill); done(); });
    child.kill('SIGTERM');
  });
  const endpoint = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chromium printed no DevTools endpoint within 30 s\n${stderr}`)), 30000);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`chromium exited with ${code}\n${stderr}`)); });
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-20000);
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
  }).catch(async (error) => { await stop(); throw error; });
  child.removeAllListeners('exit');
  const browser = await Browser.connect(endpoint);
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
