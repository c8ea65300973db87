import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, hydrated, uniqueEmail, signUp, serverFn } from './browser.mjs';

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

async function signIn(page, email, password = 'a long passphrase') {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // `/`, which leads on to the last organization worked in.
  await page.waitForURL((url) => url.pathname === '/' || url.pathname.startsWith('/o/'));
}

test('an Owner runs an organization from creation to deletion', async () => {
  const owner = await newPage(browser);
  const orgName = `Acme ${Date.now()}`;
  await signUp(owner, { name: 'Olga Owner', email: uniqueEmail('owner') });

  // Create the organization from the empty state.
  await owner.getByRole('link', { name: 'Create organization' }).click();
  await owner.waitForURL('**/orgs/new');
  await hydrated(owner);
  await owner.getByLabel('Name').fill(orgName);
  await owner.getByLabel('Type').selectOption('team');
  await owner.getByRole('button', { name: 'Create organization' }).click();
  await owner.getByRole('heading', { name: orgName }).waitFor();
  const home = new URL(owner.url()).pathname;
  assert.match(home, /^\/o\/acme-\d+$/, 'the organization is in the URL');

  // Create a project.
  await owner.getByRole('link', { name: 'New project' }).first().click();
  await owner.waitForURL('**/projects/new');
  await hydrated(owner);
  await owner.getByLabel('Name').fill('Checkout Bot');
  await owner.getByLabel('Environment').selectOption('production');
  await owner.getByRole('button', { name: 'Create project' }).click();
  await owner.waitForURL((url) => url.pathname === `${home}/projects/checkout-bot`);
  await owner.getByRole('heading', { name: /Checkout Bot/ }).waitFor();

  // Invite a member; without SMTP the dialog shows the link to pass on.
  const memberEmail = uniqueEmail('member');
  await owner.goto('/team');
  await hydrated(owner);
  await owner.getByRole('button', { name: 'Invite members' }).click();
  await owner.getByLabel('Email addresses').fill(memberEmail);
  await owner.getByLabel('Role', { exact: true }).selectOption('member');
  await owner.getByRole('button', { name: 'Send invitations' }).click();
  const linkBox = owner.getByRole('textbox', { name: `Invite link for ${memberEmail}` });
  await linkBox.waitFor();
  const link = await linkBox.inputValue();
  assert.match(link, /\/invite\/[0-9a-f]{64}$/);
  await owner.getByRole('button', { name: 'Close' }).click();

  // The invited person signs up from the link (email pre-filled) and accepts.
  const member = await newPage(browser);
  await member.goto(link);
  await hydrated(member);
  await member.getByRole('heading', { name: `Join ${orgName}` }).waitFor();
  await member.getByRole('link', { name: 'Create account' }).click();
  await member.waitForURL('**/signup?**');
  await hydrated(member);
  assert.equal(await member.getByLabel('Email').inputValue(), memberEmail);
  await member.getByLabel('Name').fill('Mo Member');
  await member.getByLabel('Password').fill('a long passphrase');
  await member.getByRole('button', { name: 'Create account' }).click();
  await member.waitForURL((url) => url.pathname.startsWith('/invite/'));
  await hydrated(member);
  await member.getByRole('button', { name: 'Accept invitation' }).click();
  await member.waitForURL((url) => url.pathname === home);
  await member.getByRole('heading', { name: orgName }).waitFor();

  // Change the member's role inline; it survives a reload.
  await owner.reload();
  await hydrated(owner);
  const roleSelect = owner.getByLabel('Role of Mo Member');
  await roleSelect.selectOption('viewer');
  await owner.waitForResponse((r) => r.url().endsWith('/api/team/role') && r.status() === 200);
  await owner.reload();
  await hydrated(owner);
  assert.equal(await owner.getByLabel('Role of Mo Member').inputValue(), 'viewer');

  // A Viewer sees no invite button and no role selects.
  await member.goto('/team');
  await hydrated(member);
  await member.getByRole('cell', { name: 'Olga Owner' }).first().waitFor();
  assert.equal(await member.getByRole('button', { name: 'Invite members' }).count(), 0);
  assert.equal(await member.locator('select.role-select').count(), 0);

  // Remove the member, with confirmation.
  await owner.getByRole('button', { name: 'Remove Mo Member' }).click();
  await owner.getByRole('button', { name: 'Remove member' }).click();
  await owner.getByRole('cell', { name: 'Mo Member', exact: true }).waitFor({ state: 'detached' });
  await member.reload();
  await member.getByText('Organization not found').first().waitFor();

  // Delete the organization through the danger zone.
  await owner.goto('/settings');
  await hydrated(owner);
  await owner.getByRole('button', { name: 'Delete organization' }).click();
  const dialog = owner.getByRole('dialog');
  await dialog.getByText('1 projects').waitFor();
  const confirm = dialog.getByRole('button', { name: 'Delete organization' });
  assert.equal(await confirm.isDisabled(), true, 'disabled until the name is typed');
  await dialog.getByLabel(/to confirm/).fill(orgName);
  await confirm.click();
  await owner.waitForURL((url) => url.pathname === '/');
  await owner.getByRole('heading', { name: 'Create your first organization' }).waitFor();
  assert.deepEqual(owner.errors, []);
});

test('the switcher changes organization and everything on screen', async () => {
  const page = await newPage(browser);
  await signUp(page, { email: uniqueEmail('switch') });
  for (const name of ['First Co', 'Second Co']) {
    await page.goto('/orgs/new');
    await hydrated(page);
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('heading', { name }).waitFor();
  }
  await page.getByRole('button', { name: 'Switch organization' }).click();
  await page.getByRole('link', { name: /First Co/ }).click();
  await page.getByRole('heading', { name: 'First Co' }).waitFor();
  const first = new URL(page.url()).pathname;
  assert.match(first, /^\/o\/first-co(-\d+)?$/);
  await page.reload();
  await page.getByRole('heading', { name: 'First Co' }).waitFor();

  // Another tab switches to Second Co: this tab's links still mean First Co.
  const other = await page.context().newPage();
  await other.goto('/');
  await other.waitForURL((url) => url.pathname.startsWith('/o/'));
  await other.getByRole('button', { name: 'Switch organization' }).click();
  await other.getByRole('link', { name: /Second Co/ }).click();
  await other.getByRole('heading', { name: 'Second Co' }).waitFor();
  await page.getByRole('link', { name: 'Team', exact: true }).click();
  await page.waitForURL((url) => url.pathname === `${first}/team`);
  await page.getByText('Everyone in First Co').waitFor();
  // `/` leads to the organization opened last, in whichever tab…
  await page.goto('/');
  await page.waitForURL((url) => url.pathname.startsWith('/o/second-co'));
  // …while a link keeps meaning its own organization.
  await page.goto(`${first}/team`);
  await page.getByText('Everyone in First Co').waitFor();
  assert.deepEqual(page.errors, []);
});

/** Call a server function as the page's signed-in user (for setting up, not for what is under test). */
test('a member leaves an organization from the account menu', async () => {
  const owner = await newPage(browser);
  await signUp(owner, { name: 'Lena Lead', email: uniqueEmail('lead') });
  const { id: orgId } = await serverFn(owner, 'orgs/create', { name: 'Leave Co', kind: 'team' });
  const memberEmail = uniqueEmail('leaver');
  const [invited] = await serverFn(owner, 'team/invite', { org_id: String(orgId), emails: memberEmail, role: 'member', projects: '' });

  const member = await newPage(browser);
  await signUp(member, { name: 'Lee Leaver', email: memberEmail });
  await serverFn(member, 'invitations/accept', { token: invited.link.split('/invite/')[1] });
  await member.goto('/');
  await hydrated(member);
  await member.getByRole('heading', { name: 'Leave Co' }).waitFor();

  await member.getByRole('button', { name: 'Account menu' }).click();
  await member.getByRole('button', { name: 'Leave organization' }).click();
  const dialog = member.getByRole('dialog', { name: 'Leave Leave Co?' });
  await dialog.waitFor();
  assert.equal(await dialog.isVisible(), true, 'the confirmation is on screen');
  await dialog.getByRole('button', { name: 'Leave', exact: true }).click();
  await member.getByRole('heading', { name: 'Create your first organization' }).waitFor();
  await member.reload();
  await member.getByRole('heading', { name: 'Create your first organization' }).waitFor();
  assert.deepEqual(member.errors, []);
});
