// Every console page, audited by axe-core (WCAG 2.0/2.1 A and AA, plus best
// practice) in chromium: new pages must keep 0 violations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { launch, hydrated, uniqueEmail, signUp, BASE, serverFn } from './browser.mjs';

const axeSource = createRequire(import.meta.url)('axe-core').source;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

/** axe's violations on the page, in a form that names each rule and where it failed. */
async function violations(page) {
  // Colours are measured once the page has settled: a dialog still fading in
  // (or a button mid-transition) has a contrast no user reads it at.
  await page.evaluate(() => Promise.all(document.getAnimations()
    .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity)
    .map((a) => a.finished.catch(() => {}))));
  await page.evaluate(axeSource);
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), TAGS);
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

// Every page is audited before the test fails, so one run lists every problem.
const found = [];
async function audit(page, path, check = () => {}) {
  await page.goto(path);
  await hydrated(page);
  await check(page);
  for (const v of await violations(page)) found.push(`${path}: ${v}`);
}

test('every page has 0 axe violations, in light and dark themes', async () => {
  // axe is injected as a script, which the pages' CSP would rightly refuse.
  const context = await browser.newContext({ baseURL: BASE, bypassCSP: true });
  const page = await context.newPage();
  for (const path of ['/login', '/signup']) await audit(page, path);

  await signUp(page, { name: 'Ada Auditor', email: uniqueEmail('a11y') });
  await audit(page, '/', (p) => p.getByRole('heading', { name: 'Create your first organization' }).waitFor());
  const { id: orgId, slug: orgSlug } = await serverFn(page, 'orgs/create', { name: 'Axe Co', kind: 'team' });
  const project = await serverFn(page, 'projects/create', { org_id: String(orgId), name: 'Support Bot', slug: 'support-bot', description: '', environment: 'production', group: 'Bots' });
  const key = await serverFn(page, 'keys/create', { project_id: String(project.id), name: 'support ingest', scope: 'ingest', expires: '90' });
  const events = [{ id: 'a1', timestamp: new Date(Date.now() - 3600e3).toISOString(), model: 'gpt-4o', status: 'success', cost_usd: 0.5, user: 'ann' }];
  const sent = await page.request.post('/api/v1/events', { headers: { authorization: `Bearer ${key.secret}` }, data: { events } });
  assert.equal(sent.status(), 200, await sent.text());
  await serverFn(page, 'team/invite', { org_id: String(orgId), emails: uniqueEmail('pending'), role: 'viewer', projects: '' });

  const pages = ['/', '/team', '/audit', '/prices', '/settings', `/o/${orgSlug}/billing`, '/profile', '/orgs/new', '/projects/new',
    '/projects/support-bot', '/projects/support-bot/members', '/projects/support-bot/settings', '/projects/support-bot/keys', '/projects/support-bot/dashboard', '/projects/support-bot/requests',
    '/projects/support-bot/users', '/projects/support-bot/tokens'];
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => localStorage.setItem('plinth-theme', t), theme);
    for (const path of pages) await audit(page, path);
  }
  await audit(page, '/team', (p) => p.getByRole('button', { name: 'Invite members' }).click());
  await audit(page, `/o/${orgSlug}/billing`, async (p) => {
    await p.getByRole('button', { name: 'Switch to Pro' }).click();
    await p.getByText(/Pro starts now/).waitFor();
  });
  // A chart's numbers, opened.
  await audit(page, '/projects/support-bot/tokens', (p) => p.getByText('Show the numbers').first().click());
  await audit(page, '/projects/support-bot/requests', async (p) => {
    await p.getByRole('region', { name: 'Requests' }).getByRole('link').first().click();
    await p.getByRole('heading', { name: 'Request', exact: true }).waitFor();
  });
  await context.close();
  assert.deepEqual(found, [], 'axe violations');
});
