import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, hydrated, uniqueEmail, signUp, serverFn } from './browser.mjs';

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

/** Report calls over the public API with a new ingest key of `projectId`. */
export async function report(page, projectId, events) {
  const key = await serverFn(page, 'keys/create', { project_id: String(projectId), name: 'e2e ingest', scope: 'ingest', expires: 'never' });
  const res = await page.request.post('/api/v1/events', { headers: { authorization: `Bearer ${key.secret}` }, data: { events } });
  assert.equal(res.status(), 200, await res.text());
}

test('a project dashboard shows usage reported over the API, with a chart drawn locally', async () => {
  const page = await newPage(browser);
  const offsite = [];
  page.on('request', (r) => { if (new URL(r.url()).origin !== new URL(BASE).origin && !r.url().startsWith('data:')) offsite.push(r.url()); });
  await signUp(page, { name: 'Dana Dash', email: uniqueEmail('dash') });
  const orgId = await serverFn(page, 'orgs/create', { name: 'Dash Co', kind: 'team' });
  const project = await serverFn(page, 'projects/create', { org_id: String(orgId), name: 'Chat Bot', slug: 'chat-bot', description: '', environment: 'production', group: '' });

  await page.goto('/projects/chat-bot/dashboard');
  await hydrated(page);
  await page.getByRole('heading', { name: 'No usage in the last 30 days' }).waitFor();

  const now = Date.now();
  const at = (hoursAgo) => new Date(now - hoursAgo * 3600e3).toISOString();
  await report(page, project.id, [
    { id: 'c1', timestamp: at(1), model: 'gpt-4o-mini', provider: 'openai', status: 'success', input_tokens: 1000, output_tokens: 500, user: 'ann' },
    { id: 'c2', timestamp: at(30), model: 'gpt-4o', status: 'error', cost_usd: '1.25', user: 'bob', latency_ms: 900 },
    { id: 'c3', timestamp: at(24 * 20), model: 'gpt-4o', status: 'success', cost_usd: 2 },
  ]);
  await page.reload();
  await hydrated(page);
  const stat = (label) => page.locator('.stat', { has: page.getByText(label, { exact: true }) }).locator('dd');
  assert.equal(await stat('Requests').textContent(), '3');
  assert.equal(await stat('Total cost').textContent(), '$3.25');
  assert.equal(await stat('Errors').textContent(), '1 (33.3%)');
  await page.getByRole('row', { name: /gpt-4o\s/ }).getByText('$3.25').waitFor();
  // The chart is drawn by ECharts, served by Plinth itself.
  await page.locator('.chart[data-drawn="true"] canvas').first().waitFor();
  assert.match(await page.getByRole('img', { name: /Cost per day over the last 30 days/ }).getAttribute('aria-label'), /\$3\.25 in all/);

  // The range lives in the URL; the 20-day-old call drops out of 7 days.
  await page.getByRole('link', { name: 'Last 7 days' }).click();
  await page.waitForURL(/\/dashboard\?range=7d$/);
  await page.waitForFunction(() => document.querySelector('.stat dd')?.textContent === '$1.25');
  assert.equal(await stat('Requests').textContent(), '2');
  assert.equal(await page.getByRole('link', { name: 'Last 7 days' }).getAttribute('aria-current'), 'page');
  await page.locator('.chart[data-drawn="true"] canvas').first().waitFor();
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('.stat dd')?.textContent === '$3.25');
  assert.deepEqual(offsite, [], 'nothing loads from another host');

  // The request log: filter by status with the form, then open the call.
  await page.goto('/projects/chat-bot/requests');
  await hydrated(page);
  const log = page.getByRole('region', { name: 'Requests' });
  await log.getByRole('row').nth(3).waitFor();
  assert.equal(await log.getByRole('row').count(), 4, 'a header and three calls');
  await page.getByLabel('Status').selectOption('error');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/status=error/);
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Requests"] tbody tr').length === 1);
  await page.reload();
  assert.equal(await log.locator('tbody tr').count(), 1, 'the filter survives a reload');
  await log.getByRole('link').first().click();
  await page.getByRole('heading', { name: 'Request', exact: true }).waitFor();
  assert.equal(await page.locator('.facts dd', { hasText: 'c2' }).textContent(), 'c2', 'the failed call');
  assert.equal(await page.locator('.facts dd', { hasText: 'bob' }).textContent(), 'bob');
});
