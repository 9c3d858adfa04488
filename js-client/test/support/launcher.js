// Runs `switchboard launcher` for the integration and browser tests: writes a launcher.config in
// wslink's documented format (comments included) whose sessions are `switchboard serve`
// processes from a two-port pool, reached through the launcher's /proxy. Every wait has a
// deadline; stop() ends the launcher (and with it every session's process group).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './vectors.js';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

/**
 * @param {{application?: string, content?: string}} [options]  the app name sessions run under
 *   (default 'demo'); a directory the launcher serves as its content (default none)
 * @returns {Promise<{port: number, pool: number[], dir: string, managerURL: string, stop: () => Promise<void>}>}
 */
export async function startLauncher({ application = 'demo', content = '' } = {}) {
  const bin = path.resolve(repoRoot, process.env.SWITCHBOARD_BIN ?? '.build/debug/switchboard');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-launcher-'));
  mkdirSync(path.join(dir, 'logs'));
  const port = await freePort();
  const pool = [await freePort(), await freePort()];
  writeFileSync(path.join(dir, 'launcher.config'), `{
  // General launcher configuration (wslink's documented format)
  "configuration": {
    "host": "127.0.0.1", "port": ${port}, "endpoint": "paraview",
    "content": ${JSON.stringify(content)},
    "proxy_file": "${dir}/proxy-mapping.txt",
    "sessionURL": "ws://127.0.0.1:${port}/proxy?sessionId=\${id}&path=ws", // through the proxy
    "timeout": 20, "log_dir": "${dir}/logs", "fields": ["port"]
  },
  "resources": [ { "host": "127.0.0.1", "port_range": [${pool[0]}, ${pool[0]}] },
                 { "host": "127.0.0.1", "port_range": [${pool[1]}, ${pool[1]}] } ],
  "properties": { "switchboard": "${bin}" },
  "apps": {
    ${JSON.stringify(application)}: {
      "cmd": [ "\${switchboard}", "serve", "--host", "\${host}", "--port", "\${port}", "--authKey", "\${secret}",
               "--crosscomm-port", "off", "--siyi-port", "off", "--timeout", "300" ],
      "ready_line": "wslink: Starting factory"
    }
  }
}
`);
  const child = spawn(bin, ['launcher', path.join(dir, 'launcher.config')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d) => { output = (output + d).slice(-20000); });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    const kill = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { stop(); reject(new Error(`launcher not listening within 20 s\n${output}`)); }, 20000);
    child.stdout.on('data', (d) => {
      output += d;
      if (output.includes('launcher listening on')) { clearTimeout(timer); resolve(); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`launcher exited with ${code}\n${output}`)); });
  });
  child.removeAllListeners('exit');
  return { port, pool, dir, managerURL: `http://127.0.0.1:${port}/paraview/`, stop };
}
