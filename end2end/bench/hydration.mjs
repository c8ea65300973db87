// From navigation to hydrated, per console page, in chromium (`make bench`).
// Starts `plinth serve` (PLINTH_BIN, the release build by default) on a
// fresh SQLite database with the demo data, signs in as the demo owner, and
// opens each page 7 times in a tab whose cache already holds the bundle (a
// person moving around the console), then once in a fresh context (a first
// visit). Prints medians, and where the time goes: the server's answer, the
// page's scripts, hydration, and charts drawn. Goal: hydrated under 300 ms.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const bin = process.env.PLINTH_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'release/plinth');
const RUNS = 7;
const GOAL_MS = 300;

const port = await new Promise((ok, fail) => {
  const s = createServer();
  s.once('error', fail);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => ok(port));
  });
});
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'plinth-hydration-'));
const env = { PATH: process.env.PATH, DATABASE_URL: `sqlite://${join(dataDir, 'plinth.db')}?mode=rwc`, PLINTH_BIND: `127.0.0.1:${port}`, PLINTH_LOG: 'warn' };
execFileSync(bin, ['migrate'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
// The demo project with usage: seed-demo names it with its key.
const seed = spawnSync(bin, ['seed-demo'], { env, encoding: 'utf8' });
const seeded = `${seed.stdout}${seed.stderr}`;
const demoSlug = /\(project ([a-z0-9-]+), scope/.exec(seeded)?.[1];
if (!demoSlug) throw new Error(`seed-demo did not name its project:\n${seeded}`);
const server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });

// Set before any page script: when `data-hydrated` appears, and when every
// chart has been drawn (`data-drawn`, set by charts.js).
const MARKS = () => {
  const mark = () => {
    const html = document.documentElement;
    if (!window.__hydrated && html.hasAttribute('data-hydrated')) window.__hydrated = performance.now();
    const charts = document.querySelectorAll('[data-chart]');
    if (!window.__drawn && charts.length && [...charts].every((c) => c.dataset.drawn)) window.__drawn = performance.now();
  };
  new MutationObserver(mark).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated', 'data-drawn'] });
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function visit(page, path) {
  await page.goto(path, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__hydrated, null, { timeout: 30_000 });
  // Charts, when the page has any, draw after ECharts has loaded.
  await page.waitForFunction(() => window.__drawn || !document.querySelector('[data-chart]'), null, { timeout: 30_000 });
  const title = await page.title();
  if (/not found|error/i.test(title)) throw new Error(`${path}: ${title}`);
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const scripts = performance.getEntriesByType('resource').filter((r) => /\.(js|wasm)(\?|$)/.test(r.name));
    const echarts = scripts.find((r) => /echarts/.test(r.name));
    return {
      answer: nav.responseEnd,
      scripts: Math.max(nav.responseEnd, ...scripts.filter((r) => r !== echarts).map((r) => r.responseEnd)),
      bytes: scripts.reduce((n, r) => n + r.transferSize, 0),
      hydrated: window.__hydrated,
      echarts: echarts ? echarts.responseEnd : null,
      drawn: window.__drawn ?? null,
    };
  });
}

let code = 0;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run'],
});
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {}
    if (i > 300) throw new Error('plinth did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  const signIn = async (context) => {
    const page = await context.newPage();
    await page.addInitScript(MARKS);
    await page.goto('/login');
    await page.waitForFunction(() => document.documentElement.hasAttribute('data-hydrated'));
    await page.getByLabel('Email').fill('owner@demo.plinth.dev');
    await page.getByLabel('Password').fill('plinth-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname !== '/login');
    return page;
  };
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1440, height: 900 } });
  const page = await signIn(context);
  await page.goto('/');
  const links = await page.locator('a[href*="/projects/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const project = links.find((h) => h.endsWith(`/projects/${demoSlug}`));
  if (!project) throw new Error(`no project link on the home page: ${links}`);
  const org = project.split('/projects/')[0];
  const pages = [
    ['home', '/'],
    ['team', `${org}/team`],
    ['audit', `${org}/audit`],
    ['prices', `${org}/prices`],
    ['project', project],
    ['keys', `${project}/keys`],
    ['dashboard', `${project}/dashboard`],
    ['tokens', `${project}/tokens`],
    ['users', `${project}/users`],
    ['requests', `${project}/requests`],
  ];
  console.log(`hydration: ${base}${project}, ${bin}; medians of ${RUNS} visits with the bundle cached, then a first visit (ms from navigation)`);
  console.log('page        answer  scripts  hydrated  charts drawn | first visit: hydrated  charts   script bytes');
  const over = [];
  for (const [name, path] of pages) {
    await visit(page, path); // warms the cache with this page's chunks
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await visit(page, path));
    const first = await (async () => {
      const fresh = await browser.newContext({ baseURL: base, viewport: { width: 1440, height: 900 }, storageState: await context.storageState() });
      const p = await fresh.newPage();
      await p.addInitScript(MARKS);
      const v = await visit(p, path);
      await fresh.close();
      return v;
    })();
    const m = (k) => (runs[0][k] === null ? null : median(runs.map((r) => r[k])));
    const f = (v) => (v === null ? '—' : v.toFixed(0)).padStart(7);
    console.log(
      `${name.padEnd(10)} ${f(m('answer'))} ${f(m('scripts'))}  ${f(m('hydrated'))}  ${f(m('drawn'))}      |            ${f(first.hydrated)} ${f(first.drawn)}   ${(first.bytes / 1024).toFixed(0).padStart(6)} KB`,
    );
    if (m('hydrated') > GOAL_MS) over.push(name);
  }
  console.log(over.length ? `hydration: over ${GOAL_MS} ms (cached): ${over.join(', ')}` : `hydration: every page under ${GOAL_MS} ms (cached)`);
} catch (e) {
  console.error(`hydration: ${e.stack}`);
  code = 1;
} finally {
  await browser.close();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);
