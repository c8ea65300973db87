import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, hydrated, uniqueEmail, signUp, serverFn } from './browser.mjs';

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

test('an API key is created with its secret shown once, then rotated and revoked', async () => {
  const page = await newPage(browser);
  await signUp(page, { name: 'Kim Keys', email: uniqueEmail('keys') });
  const { id: orgId } = await serverFn(page, 'orgs/create', { name: 'Key Co', kind: 'team' });
  await serverFn(page, 'projects/create', { org_id: String(orgId), name: 'Chat Bot', slug: 'chat-bot', description: '', environment: 'production', group: '' });

  await page.goto('/projects/chat-bot/keys');
  await hydrated(page);
  await page.getByText('No API keys yet.').waitFor();
  await page.getByLabel('Name', { exact: true }).fill('chat backend');
  await page.getByLabel('Scope').selectOption('all');
  await page.getByLabel('Expires').selectOption('custom');
  await page.getByLabel('Expiry date').fill('2099-01-01');
  await page.getByRole('button', { name: 'Create key' }).click();
  // A date beyond five years is refused with a message, and nothing is made.
  await page.getByText(/within five years/).waitFor();
  const soon = new Date(Date.now() + 40 * 86400e3).toISOString().slice(0, 10);
  await page.getByLabel('Expiry date').fill(soon);
  await page.getByRole('button', { name: 'Create key' }).click();

  const secretBox = page.getByRole('textbox', { name: 'New API key' });
  await secretBox.waitFor();
  const secret = await secretBox.inputValue();
  assert.match(secret, /^plk_[0-9A-Za-z]{49}$/);
  const row = page.getByRole('row', { name: /chat backend/ });
  await row.getByText('Active').waitFor();
  await row.getByText(`${secret.slice(0, 8)}…${secret.slice(-4)}`).waitFor();

  // Gone after a reload: only the hint remains.
  await page.reload();
  await hydrated(page);
  await page.getByRole('row', { name: /chat backend/ }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'New API key' }).count(), 0);
  assert.equal((await page.content()).includes(secret.slice(4)), false);

  // Rotate with no grace: a new secret, the old key revoked.
  await page.getByRole('combobox', { name: 'When chat backend stops after rotation' }).selectOption('none');
  await page.getByRole('button', { name: 'Rotate chat backend' }).click();
  await page.getByRole('dialog', { name: 'Rotate chat backend?' }).getByRole('button', { name: 'Rotate' }).click();
  await page.waitForFunction((old) => {
    const box = document.getElementById('new-key-secret');
    return box && box.value !== old;
  }, secret);
  const rotated = await page.getByRole('textbox', { name: 'New API key' }).inputValue();
  assert.notEqual(rotated, secret);
  await page.getByRole('row', { name: /Revoked/ }).waitFor();

  // Revoke the replacement from the keyboard.
  await page.getByRole('button', { name: 'Revoke chat backend' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('dialog', { name: 'Revoke chat backend?' }).getByRole('button', { name: 'Revoke' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('tbody tr')].every((r) => r.textContent.includes('Revoked')));
  assert.equal(await page.getByRole('button', { name: 'Revoke chat backend' }).count(), 0);
});
