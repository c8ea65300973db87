// The hydrate bundle is split at the lazy routes (src/app.rs): a page in the
// main bundle loads no chunk, and a lazy page's chunks load with it, either
// named in its server-rendered HTML or fetched when the browser navigates to
// it, never before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, hydrated, uniqueEmail, signUp, serverFn } from './browser.mjs';

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
  await serverFn(page, 'orgs/create', { name: 'Lazy Co', kind: 'team' });

  // The team page is in the main bundle: its first visit fetches no chunk.
  chunks.length = 0;
  await page.goto('/team');
  await hydrated(page);
  await page.getByRole('heading', { name: 'Team', level: 1 }).waitFor();
  assert.deepEqual(chunks, [], 'the team page loads no chunk');

  // Following a link to a lazy page fetches its chunks, then shows it, working.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.waitForURL((url) => url.pathname.endsWith('/audit'));
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

const AUDIT_CHUNK = (url) => /^\/pkg\/split___lazy_audit_view_/.test(url.pathname);

/** A signed-in page on /team, hydrated, in an organization of its own. */
async function onTeamPage(prefix) {
  const page = await newPage(browser);
  await signUp(page, { name: 'Chunk Owner', email: uniqueEmail(prefix) });
  await serverFn(page, 'orgs/create', { name: 'Chunk Co', kind: 'team' });
  await page.goto('/team');
  await hydrated(page);
  return page;
}

test('a chunk that fails to load once is fetched again, and the page opens', async () => {
  const page = await onTeamPage('chunk-retry');
  let attempts = 0;
  await page.route(AUDIT_CHUNK, (route) => (++attempts === 1 ? route.abort('failed') : route.continue()));
  // Marks this document: a reload would lose it.
  await page.evaluate(() => (window.sameDocument = true));
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
  await page.getByRole('cell', { name: 'Organization created' }).waitFor();
  assert.ok(attempts >= 2, `the failed chunk was fetched again (${attempts} requests)`);
  assert.equal(await page.evaluate(() => window.sameDocument), true, 'no reload was needed');
  // The page works: its filter still drives the URL.
  await page.getByLabel('Action').selectOption('organization.created');
  await page.waitForURL((url) => url.searchParams.get('action') === 'organization.created');
  assert.equal(await page.getByRole('alert').filter({ hasText: 'could not be loaded' }).count(), 0);
  assert.deepEqual(page.errors, []);
});

test('a chunk that is gone reloads the page once, then says so and offers a reload', async () => {
  const page = await onTeamPage('chunk-gone');
  let attempts = 0;
  // As after a deploy that removed the build this tab was opened with. A
  // 404 is not fetched again: the chunk will not come back.
  await page.route(AUDIT_CHUNK, (route) => {
    attempts++;
    return route.fulfill({ status: 404, body: 'gone' });
  });
  // The first failure reloads the page, whichever URL it was on by then.
  const reloaded = page.waitForEvent('load');
  await page.getByRole('link', { name: 'Audit log' }).click();
  await reloaded;
  if (!new URL(page.url()).pathname.endsWith('/audit')) {
    await page.waitForLoadState('networkidle');
    await page.getByRole('link', { name: 'Audit log' }).click();
  }
  // Failing again right after that reload, the page says so instead of reloading again.
  const alert = page.getByRole('alert').filter({ hasText: 'could not be loaded' });
  await alert.waitFor();
  const reload = alert.getByRole('button', { name: 'Reload' });
  assert.ok(await reload.evaluate((b) => b === document.activeElement), 'the Reload button has the focus');
  assert.ok(attempts >= 2, `${attempts} requests for the missing chunk`);
  // Reload reloads the page.
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
});

test('without sessionStorage, a missing chunk shows the message and never reloads', async () => {
  const page = await onTeamPage('chunk-nostore');
  // Storage switched off (a privacy setting): a reload could not be told from a loop.
  await page.addInitScript(() => Object.defineProperty(window, 'sessionStorage', { get() { throw new Error('denied'); } }));
  await page.reload();
  await hydrated(page);
  await page.route(AUDIT_CHUNK, (route) => route.fulfill({ status: 404, body: 'gone' }));
  let loads = 0;
  page.on('load', () => loads++);
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('alert').filter({ hasText: 'could not be loaded' }).waitFor();
  await page.waitForTimeout(500);
  assert.equal(loads, 0, 'the page did not reload');
});

