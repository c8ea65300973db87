// The team table's search, filter and sort live in the URL: a reload, Back
// and a shared link keep them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, hydrated, uniqueEmail, signUp, BASE } from './browser.mjs';

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

test('team filters survive a reload, Back and a shared link', async () => {
  const page = await newPage(browser);
  await signUp(page, { name: 'Fran Filter', email: uniqueEmail('filters') });
  const res = await page.request.post('/api/orgs/create', { form: { name: 'Filter Co', kind: 'team' }, headers: { origin: BASE } });
  assert.equal(res.status(), 200);
  await page.goto('/team');
  await hydrated(page);
  await page.getByRole('cell', { name: 'Fran Filter' }).waitFor();

  await page.getByLabel('Search members').fill('nobody-here');
  await page.waitForURL((url) => url.searchParams.get('q') === 'nobody-here');
  await page.getByText('No members match your search.').waitFor();
  await page.reload();
  await hydrated(page);
  assert.equal(await page.getByLabel('Search members').inputValue(), 'nobody-here');
  await page.getByText('No members match your search.').waitFor();

  await page.getByLabel('Search members').fill('');
  await page.getByRole('cell', { name: 'Fran Filter' }).waitFor();
  await page.getByLabel('Filter by role').selectOption('viewer');
  await page.waitForURL((url) => url.searchParams.get('role') === 'viewer');
  await page.getByText('No members match your search.').waitFor();
  await page.goBack();
  await page.waitForURL((url) => !url.searchParams.has('role'));
  await page.getByRole('cell', { name: 'Fran Filter' }).waitFor();
  assert.equal(await page.getByLabel('Filter by role').inputValue(), '');

  // A shared link opens with its sort and role already chosen, before and after hydration.
  const shared = await newPage(browser);
  await shared.context().addCookies(await page.context().cookies());
  await shared.goto('/team?role=owner&sort=email&desc=true');
  assert.equal(await shared.getByLabel('Filter by role').inputValue(), 'owner');
  await hydrated(shared);
  assert.equal(await shared.getByLabel('Sort by').inputValue(), 'email');
  await shared.getByRole('button', { name: 'Sort order: Descending' }).waitFor();
  await shared.getByRole('cell', { name: 'Fran Filter' }).waitFor();
  assert.deepEqual([...page.errors, ...shared.errors], []);
});

test('the audit log filters by action, kept in the URL', async () => {
  const page = await newPage(browser);
  await signUp(page, { name: 'Ada Audit', email: uniqueEmail('audit-filter') });
  const res = await page.request.post('/api/orgs/create', { form: { name: 'Audit Filter Co', kind: 'team' }, headers: { origin: BASE } });
  assert.equal(res.status(), 200);
  await page.goto('/audit');
  await hydrated(page);
  await page.getByRole('cell', { name: 'Organization created' }).waitFor();

  await page.getByLabel('Action').selectOption('member.removed');
  await page.waitForURL((url) => url.searchParams.get('action') === 'member.removed');
  await page.getByText('No entries for this action.').waitFor();
  await page.reload();
  await hydrated(page);
  assert.equal(await page.getByLabel('Action').inputValue(), 'member.removed');
  await page.getByText('No entries for this action.').waitFor();

  await page.getByLabel('Action').selectOption('organization.created');
  await page.getByRole('cell', { name: 'Organization created' }).waitFor();
  await page.goBack();
  await page.waitForURL((url) => url.searchParams.get('action') === 'member.removed');
  await page.getByText('No entries for this action.').waitFor();
  assert.equal(await page.getByLabel('Action').inputValue(), 'member.removed');
  assert.deepEqual(page.errors, []);
});
