// The Billing page in chromium: an Owner sees the plan and its limits and
// upgrades through the confirmation; an Admin finds no Billing at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, hydrated, uniqueEmail, signUp, serverFn } from './browser.mjs';

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

test('an Owner upgrades the plan and adds a card; an Admin sees no Billing', async () => {
  const owner = await newPage(browser);
  await signUp(owner, { name: 'Bea Biller', email: uniqueEmail('billing') });
  const org = await serverFn(owner, 'orgs/create', { name: `Billing Co ${Date.now()}`, kind: 'company' });

  await owner.goto(`/o/${org.slug}`);
  await hydrated(owner);
  await owner.getByRole('link', { name: 'Billing' }).click();
  await owner.waitForURL(`**/o/${org.slug}/billing`);
  await hydrated(owner);
  await owner.getByRole('heading', { name: 'Free plan' }).waitFor();
  // One member of Free's three, as a bar that says so.
  const members = owner.getByRole('progressbar', { name: 'Members' });
  assert.equal(await members.getAttribute('aria-valuetext'), '1 of 3');

  await owner.getByRole('button', { name: 'Switch to Pro' }).click();
  const dialog = owner.getByRole('dialog', { name: 'Change plan' });
  await dialog.getByText(/Pro starts now\. You pay \$\d+\.\d\d for the \d+ days left of this period/).waitFor();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await owner.getByRole('heading', { name: 'Pro plan' }).waitFor();
  await owner.getByText('You are on Pro now.').waitFor();
  assert.equal(await owner.getByRole('progressbar', { name: 'Members' }).getAttribute('aria-valuetext'), '1 of 25');

  // A downgrade waits for the period's end, and can be taken back.
  await owner.getByRole('button', { name: 'Switch to Free' }).click();
  await dialog.getByText(/Free starts on .*, when this period ends/).waitFor();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await owner.getByText('Free starts when this period ends.').waitFor();
  await owner.getByText(/Free starts on .*, when this period ends\./).waitFor();
  await owner.getByRole('button', { name: 'Keep Pro' }).click();
  await owner.getByText(/Free starts on/).waitFor({ state: 'detached' });

  // A card: checked, and kept as its brand and last four digits only.
  await owner.getByLabel('Card number').fill('4242 4242 4242 4241');
  await owner.getByLabel('Expiry (MM/YY)').fill('04/30');
  await owner.getByLabel('Name on card').fill('Bea Biller');
  await owner.getByRole('button', { name: 'Save card' }).click();
  await owner.getByText('That card number is not valid').waitFor();
  await owner.getByLabel('Card number').fill('4242 4242 4242 4242');
  await owner.getByRole('button', { name: 'Save card' }).click();
  await owner.getByText('Visa •••• 4242').waitFor();
  await owner.getByText('Card saved.').waitFor();
  assert.equal(await owner.getByLabel('Card number').count(), 0, 'the form closes once a card is saved');

  // An Admin: no Billing in the navigation, and the page itself refuses.
  const adminEmail = uniqueEmail('admin');
  const [invited] = await serverFn(owner, 'team/invite', { org_id: String(org.id), emails: adminEmail, role: 'admin', projects: '' });
  const admin = await newPage(browser);
  await signUp(admin, { name: 'Ada Admin', email: adminEmail });
  await serverFn(admin, 'invitations/accept', { token: invited.link.split('/').pop() });
  await admin.goto(`/o/${org.slug}`);
  await hydrated(admin);
  await admin.getByRole('link', { name: 'Team' }).waitFor();
  assert.equal(await admin.getByRole('link', { name: 'Billing' }).count(), 0);
  const res = await admin.goto(`/o/${org.slug}/billing`);
  assert.equal(res.status(), 403);
  await admin.getByRole('heading', { name: 'No access' }).waitFor();
});
