import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
  const { id: orgId } = await serverFn(page, 'orgs/create', { name: 'Dash Co', kind: 'team' });
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
  assert.equal(await stat('Errors').textContent(), '1\u00a0(33.3%)');
  await page.getByRole('row', { name: /gpt-4o\s/ }).getByText('$3.25').waitFor();
  // The chart is drawn by ECharts, served by Plinth itself.
  await page.locator('.chart[data-drawn="true"] canvas').first().waitFor();
  assert.match(await page.getByRole('img', { name: /Cost per day over the last 30 days/ }).getAttribute('aria-label'), /\$3\.25 in all/);
  // Beside the tables, each model's share of the cost and of the calls:
  // gpt-4o made $3.25 of $3.25 and a fraction of a cent (gpt-4o-mini's
  // catalog price), from 2 of 3 calls; shares are rounded down.
  const share = page.getByRole('img', { name: /Share of cost and of requests by model/ });
  assert.match(await share.getAttribute('aria-label'), /gpt-4o made 99\.9% of the cost from 66\.6% of the requests/);
  await page.locator('section', { has: page.getByRole('heading', { name: 'Contribution of models' }) }).locator('.chart[data-drawn="true"] canvas').waitFor();
  await page.setViewportSize({ width: 1280, height: 900 });
  const beside = await page.evaluate(() => {
    const box = (name) => [...document.querySelectorAll('.dashboard-tables h2')].find((h) => h.textContent === name).closest('section').getBoundingClientRect();
    const [table, chart] = [box('Cost by model'), box('Contribution of models')];
    return Math.abs(table.top - chart.top) < 2 && chart.left > table.right - 1;
  });
  assert.ok(beside, 'at 1280 px the chart stands beside its table');

  // Figures fit: a KPI wraps only after a "/", never inside a figure, in a
  // narrow window too; from 1280 px no dashboard table scrolls sideways.
  for (const width of [1920, 1440, 1280, 900]) {
    await page.setViewportSize({ width, height: 900 });
    const layout = await page.evaluate(() => {
      const breaks = [];
      for (const dd of document.querySelectorAll('.stat-value')) {
        const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT);
        let lastTop = null, before = '';
        for (let text = walker.nextNode(); text; text = walker.nextNode()) {
          for (let i = 0; i < text.length; i++) {
            const r = document.createRange();
            r.setStart(text, i);
            r.setEnd(text, i + 1);
            const rect = r.getBoundingClientRect();
            if (rect.width > 0 && lastTop !== null && rect.top > lastTop + 2) breaks.push(`${before.trimEnd()}|${dd.textContent}`);
            if (rect.width > 0) lastTop = rect.top;
            before += text.data[i];
          }
        }
      }
      const wide = [...document.querySelectorAll('.dashboard-tables .table-wrap')]
        .filter((w) => w.scrollWidth > w.clientWidth + 1)
        .map((w) => `${w.getAttribute('aria-label')}: ${w.scrollWidth} > ${w.clientWidth}`);
      // A figure stays inside its card (a <dd> is indented by default).
      const spill = [...document.querySelectorAll('.stat')]
        .filter((s) => s.scrollWidth > s.clientWidth + 1 || s.querySelector('dd').getBoundingClientRect().right > s.getBoundingClientRect().right)
        .map((s) => s.textContent);
      return { breaks, wide, spill };
    });
    assert.deepEqual(layout.spill, [], `${width} px: every KPI fits its card`);
    assert.ok(layout.breaks.every((b) => b.split('|')[0].endsWith('/')), `${width} px: KPIs break only after a "/": ${layout.breaks}`);
    if (width >= 1280) assert.deepEqual(layout.wide, [], `no table scrolls sideways at ${width} px`);
    if (width === 900) assert.ok(layout.breaks.length > 0, 'at 900 px the latency KPI wraps (so the check above means something)');
  }
  await page.setViewportSize({ width: 1280, height: 720 });

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

test('users and tokens pages, a chart\'s numbers as a table, and a CSV export of the filtered log', async () => {
  const page = await newPage(browser);
  await signUp(page, { name: 'Uma Users', email: uniqueEmail('users') });
  const { id: orgId } = await serverFn(page, 'orgs/create', { name: 'Users Co', kind: 'team' });
  const project = await serverFn(page, 'projects/create', { org_id: String(orgId), name: 'Help Desk', slug: 'help-desk', description: '', environment: 'production', group: '' });
  const at = (minutes) => new Date(Date.now() - minutes * 60e3).toISOString();
  await report(page, project.id, [
    { id: 'u1', timestamp: at(5), model: 'gpt-4o', assistant: 'helper', user: 'ann', status: 'success', input_tokens: 1000, output_tokens: 200, cost_usd: '0.30' },
    { id: 'u2', timestamp: at(6), model: 'gpt-4o-mini', assistant: 'helper', user: 'ann', status: 'success', input_tokens: 500, output_tokens: 100, cost_usd: '0.10' },
    { id: 'u3', timestamp: at(7), model: 'gpt-4o', assistant: 'triage', user: 'bob', status: 'success', input_tokens: 300, output_tokens: 100, cost_usd: '0.20' },
  ]);
  const stat = (label) => page.locator('.stat', { has: page.getByText(label, { exact: true }) }).locator('dd');

  await page.goto('/projects/help-desk/users');
  await hydrated(page);
  assert.equal(await stat('Active end users').textContent(), '2');
  assert.equal(await stat('Cost per user').textContent(), '$0.30');
  assert.equal(await stat('Requests per user').textContent(), '1.5');
  const byCost = page.getByRole('region', { name: 'Top users by cost' });
  assert.equal(await byCost.locator('tbody tr').first().locator('td').first().textContent(), 'ann');
  await page.locator('.chart[data-drawn="true"] canvas').first().waitFor();
  // The chart's numbers, one click away.
  await page.getByText('Show the numbers').first().click();
  await page.getByRole('region', { name: 'Average per active user (UTC): the numbers' }).getByRole('cell', { name: '$0.30' }).waitFor();

  // To Tokens through the project's navigation, the range kept in the URL.
  await page.getByRole('link', { name: 'Tokens', exact: true }).click();
  await page.waitForURL(/\/tokens$/);
  await page.waitForFunction(() => [...document.querySelectorAll('.stat-label')].some((l) => l.textContent === 'Total tokens'));
  assert.equal(await stat('Total tokens').textContent(), '2,200');
  assert.equal(await stat('Input tokens per request').textContent(), '600.0');
  assert.equal(await stat('Output tokens per response').textContent(), '133.3');
  await page.locator('.chart[data-drawn="true"] canvas').nth(1).waitFor();

  // The log's filters go into its CSV export.
  await page.goto('/projects/help-desk/requests?model=gpt-4o');
  await hydrated(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'these requests' }).click()]);
  assert.match(download.suggestedFilename(), /^help-desk-requests-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = readFileSync(await download.path(), 'utf8').trim().split('\r\n');
  assert.equal(lines.length, 3, 'a header and the two gpt-4o calls');
  assert.ok(lines.slice(1).every((l) => l.includes(',gpt-4o,')));
});
