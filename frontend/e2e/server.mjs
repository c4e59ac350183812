// Starts `flowdesk serve` on a temp database and a free port, and stops it by PID.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const frontend = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const READY_RE = /^flowdesk (\S+) listening on (http:\/\/\S+) \(database (.+)\)$/;

/**
 * Starts the server; resolves with { url, pid, dir, version, log(), stop() } once the readiness
 * line is printed (rejects after timeoutMs).
 */
export async function startServer({ demo = false, timeoutMs = 20000, args: extra = [] } = {}) {
  const bin = resolve(frontend, process.env.FLOWDESK_BIN ?? '../build/bin/flowdesk');
  const dist = resolve(frontend, 'dist');
  if (!existsSync(bin)) throw new Error(`no flowdesk binary at ${bin}: build it (go build -o build/bin/flowdesk ./backend/cmd/flowdesk) or set FLOWDESK_BIN`);
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`no built UI at ${dist}: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'flowdesk-e2e-'));
  const args = ['serve', '--db', join(dir, 'e2e.db'), '--addr', '127.0.0.1:0', '--ui', dist];
  if (demo) args.push('--demo');
  args.push(...extra);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const ready = new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`flowdesk did not print its readiness line within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    let buf = '';
    child.stdout.on('data', (b) => {
      output += b;
      buf += b;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        const m = READY_RE.exec(line);
        if (m) {
          clearTimeout(timer);
          res({ version: m[1], url: m[2], db: m[3] });
        }
      }
    });
    child.stderr.on('data', (b) => (output += b));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      rej(new Error(`flowdesk exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  let info;
  try {
    info = await ready;
  } catch (e) {
    if (!exited) process.kill(child.pid, 'SIGKILL');
    throw e;
  }
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM'); // this child only, by its PID
      const gone = await Promise.race([
        new Promise((r) => child.once('exit', () => r(true))),
        new Promise((r) => setTimeout(() => r(false), 5000)),
      ]);
      if (!gone && !exited) process.kill(child.pid, 'SIGKILL');
    }
    if (!process.env.E2E_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  return { ...info, pid: child.pid, dir, log: () => output, stop };
}
