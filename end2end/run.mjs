// Starts a real Plinth server on a free port with a fresh SQLite database,
// runs every end2end test against it in Debian's chromium, then stops it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const bin = process.env.PLINTH_BIN ?? join(root, 'target/debug/plinth');

const freePort = () =>
  new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'plinth-e2e-'));
const serverEnv = {
  PATH: process.env.PATH,
  DATABASE_URL: `sqlite://${join(dataDir, 'plinth.db')}?mode=rwc`,
  PLINTH_BIND: `127.0.0.1:${port}`,
  PLINTH_LOG: process.env.PLINTH_LOG ?? 'warn',
  // Every browser signs up from 127.0.0.1; the suite needs more than the default 20 an hour.
  PLINTH_SIGNUPS_PER_HOUR: '1000',
};
const server = spawn(bin, ['serve'], { env: serverEnv, stdio: ['ignore', 'ignore', 'inherit'] });
let serverExit = null;
server.on('exit', (code) => (serverExit = code));

async function waitReady() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (serverExit !== null) throw new Error(`plinth exited early with code ${serverExit}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('plinth did not become ready within 60 s');
}

let code = 1;
try {
  await waitReady();
  const tests = process.argv.slice(2).length ? process.argv.slice(2) : [join(here, 'tests')];
  code = await new Promise((ok) => {
    const runner = spawn(process.execPath, ['--test', '--test-concurrency=1', ...tests], {
      env: { ...process.env, PLINTH_BASE_URL: base, PLINTH_BIN: bin, PLINTH_E2E_DB: serverEnv.DATABASE_URL },
      stdio: 'inherit',
    });
    runner.on('exit', (c) => ok(c ?? 1));
  });
} catch (e) {
  console.error(`end2end: ${e.message}`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => (serverExit !== null ? r() : server.once('exit', r)));
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);
