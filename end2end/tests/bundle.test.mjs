// The hydrate bundle is split at the lazy routes (src/app.rs): a page in the
// main bundle loads no chunk, and a lazy page's chunks load with it, either
// named in its server-rendered HTML or fetched when the browser navigates to
// it, never before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, hydrated, uniqueEmail, signUp, BASE } from './browser.mjs';

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

const CHUNK = /^\/pkg\/(chunk|split)_[A-Za-z0-9_]+\.[0-9a-f]{16}\.wasm$/;

test('lazy pages load their own chunks, and only when opened', async () => {
  const page = await newPage(browser);
  const chunks = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (CHUNK.test(path)) chunks.push(path);
  });
  await signUp(page, { name: 'Lazy Owner', email: uniqueEmail('lazy') });
  const res = await page.request.post('/api/orgs/create', { form: { name: 'Lazy Co', kind: 'team' }, headers: { origin: BASE } });
  assert.equal(res.status(), 200);

  // The team page is in the main bundle: its first visit fetches no chunk.
  chunks.length = 0;
  await page.goto('/team');
  await hydrated(page);
  await page.getByRole('heading', { name: 'Team', level: 1 }).waitFor();
  assert.deepEqual(chunks, [], 'the team page loads no chunk');

  // Following a link to a lazy page fetches its chunks, then shows it, working.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.waitForURL((url) => url.pathname === '/audit');
  await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
  await page.getByRole('cell', { name: 'Organization created' }).waitFor();
  assert.ok(chunks.some((c) => c.startsWith('/pkg/split___lazy_audit_view')), `the audit page's own chunk loads: ${chunks}`);

  // Opened directly, the page names its chunks for the browser to preload
  // with the main bundle, and hydrates.
  const direct = await page.goto('/audit');
  const html = await direct.text();
  assert.match(html, /<link [^>]*href="\/pkg\/split___lazy_audit_view_\d+\.[0-9a-f]{16}\.wasm"[^>]*rel="preload"/);
  assert.doesNotMatch(html, /split___lazy_project_dashboard_view/, 'only the page\'s own chunks are named');
  await hydrated(page);
  await page.getByLabel('Action').selectOption('organization.created');
  await page.waitForURL((url) => url.searchParams.get('action') === 'organization.created');
  await page.getByRole('cell', { name: 'Organization created' }).waitFor();

  // Every chunk is served compressed, and cached for good under its hashed name.
  const chunk = await page.request.get(chunks[0], { headers: { 'accept-encoding': 'br' } });
  assert.equal(chunk.status(), 200);
  assert.equal(chunk.headers()['cache-control'], 'public, max-age=31536000, immutable');
  assert.deepEqual(page.errors, []);
});
