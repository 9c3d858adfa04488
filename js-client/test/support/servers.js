// Starts real servers for the integration and browser tests: the `switchboard serve` binary
// on free ports (URLs parsed from the lines it prints once bound) and the Python wslink demo
// server. Every wait has a deadline; stop() always reaps the process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './vectors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const LINE = /^(wslink listening on|content served on|crosscomm listening on|siyi listening on) (\S+)$/;

function binary() {
  const raw = process.env.SWITCHBOARD_BIN ?? '.build/debug/switchboard';
  const bin = path.isAbsolute(raw) ? raw : path.join(repoRoot, raw);
  if (!existsSync(bin)) throw new Error(`switchboard binary not found at ${bin} (build it with swift build, or set SWITCHBOARD_BIN)`);
  return bin;
}

function stopper(child, label) {
  return () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    const kill = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
    void label;
  });
}

/**
 * Runs `switchboard serve` on 127.0.0.1 with every port 0, or on the given `ports` (a restart
 * on the same ports; the CrossComm file store then takes a free port).
 * `kill()` ends it with SIGKILL, like a crash.
 * @param {string[]} [extraArgs]
 * @param {{ports?: {main: number, crosscomm: number, siyi: number}}} [options]
 * @returns {Promise<{urls: {wslink?: string, content?: string, crosscomm?: string, siyi?: string}, stderr: () => string, stop: () => Promise<void>, kill: () => Promise<void>}>}
 */
export function startSwitchboard(extraArgs = [], { ports } = {}) {
  const portArgs = ports
    ? ['--port', String(ports.main), '--crosscomm-port', String(ports.crosscomm), '--crosscomm-files-port', '0', '--siyi-port', String(ports.siyi)]
    : ['--port', '0', '--crosscomm-port', '0', '--siyi-port', '0'];
  const child = spawn(binary(), ['serve', '--host', '127.0.0.1', ...portArgs, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kill = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-20000); });
  const stop = stopper(child, 'switchboard');
  return new Promise((resolve, reject) => {
    const urls = {};
    let buffer = '';
    const timer = setTimeout(() => { stop(); reject(new Error(`switchboard did not print its listeners within 20 s\n${stderr}`)); }, 20000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`switchboard exited with ${code}\n${stderr}`)); });
    child.stdout.on('data', (data) => {
      buffer += data;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        const match = LINE.exec(line);
        if (match) urls[match[1].split(' ')[0]] = match[2];
      }
      if (urls.crosscomm && urls.siyi && (urls.wslink || urls.content)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ urls, stderr: () => stderr, stop, kill });
      }
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

/**
 * The Python interpreter of a real wslink venv: env SWITCHBOARD_WSLINK<generation>_PYTHON, else
 * .venv-wslink<generation> in the repository, else null.
 * @param {1|2} generation
 */
export function wslinkPython(generation) {
  const fromEnv = process.env[`SWITCHBOARD_WSLINK${generation}_PYTHON`];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const venv of [`.venv-wslink${generation}`, `.venv-node-peers-wslink${generation}`]) {
    const candidate = path.join(repoRoot, venv, 'bin', 'python');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Runs the wslink demo server (Protocols.md §4) with a real Python wslink.
 * @param {1|2} generation
 * @param {number} [fixedPort]  default: a free port
 * @returns {Promise<{url: string, stop: () => Promise<void>}>}
 */
export async function startPythonWslink(generation, fixedPort = undefined) {
  const python = wslinkPython(generation);
  if (!python) throw new Error(`no Python wslink ${generation}.x venv: set SWITCHBOARD_WSLINK${generation}_PYTHON (scripts/test creates one)`);
  const port = fixedPort ?? (await freePort());
  const child = spawn(python, [path.join(here, 'wslink_demo_server.py'), '--host', '127.0.0.1', '--port', String(port), '--timeout', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = stopper(child, 'wslink');
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { stop(); reject(new Error(`wslink server not ready within 20 s\n${output}`)); }, 20000);
    const onData = (d) => {
      output = (output + d).slice(-20000);
      if (output.includes('Starting factory')) { clearTimeout(timer); resolve(); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`wslink server exited with ${code}\n${output}`)); });
  });
  child.removeAllListeners('exit');
  return { url: `ws://127.0.0.1:${port}/ws`, stop };
}
