import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, hydrated, uniqueEmail, signUp, BASE } from './browser.mjs';

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

test('sign up lands on the create-your-organization empty state', async () => {
  const page = await newPage(browser);
  const email = uniqueEmail('signup');
  await signUp(page, { name: 'Ada Lovelace', email });
  await page.getByRole('heading', { name: 'Create your first organization' }).waitFor();
  assert.ok(await page.getByRole('link', { name: 'Create organization' }).isVisible());
  assert.deepEqual(page.errors, []);
});

test('the account menu opens and closes (needs hydration), and signs out', async () => {
  const page = await newPage(browser);
  await signUp(page, { name: 'Menu Tester', email: uniqueEmail('menu') });
  await hydrated(page);
  const trigger = page.getByRole('button', { name: 'Account menu' });
  assert.equal(await trigger.getAttribute('aria-expanded'), 'false');
  await trigger.click();
  assert.equal(await trigger.getAttribute('aria-expanded'), 'true');
  const signOut = page.getByRole('button', { name: 'Sign out' });
  await signOut.waitFor({ state: 'visible' });
  assert.ok(await page.getByText('Menu Tester').first().isVisible());
  await page.keyboard.press('Escape');
  await signOut.waitFor({ state: 'hidden' });
  await trigger.click();
  await signOut.click();
  await page.waitForURL((url) => url.pathname === '/login');
  await page.goto('/');
  await page.waitForURL((url) => url.pathname === '/login', { timeout: 10_000 });
});

test('the theme toggle switches to dark and is remembered', async () => {
  const page = await newPage(browser);
  await signUp(page, { email: uniqueEmail('theme') });
  await hydrated(page);
  const toggle = page.getByRole('button', { name: 'Switch to dark theme' });
  await toggle.click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.reload();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
});

test('a signed-out visit goes to sign-in and comes back afterwards', async () => {
  const email = uniqueEmail('return');
  await signUp(await newPage(browser), { email });
  // A fresh browser context: signed out, with no requests in flight.
  const page = await newPage(browser);
  await page.goto('/profile');
  await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/profile');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
  await page.getByLabel('Password').fill('a long passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/profile');
  await page.getByRole('heading', { name: 'Profile' }).waitFor();
});

test('profile: a bad current password is refused with a clear message', async () => {
  const page = await newPage(browser);
  await signUp(page, { email: uniqueEmail('pw') });
  await page.goto('/profile');
  await hydrated(page);
  await page.getByLabel('Current password').fill('not my password');
  await page.getByLabel('New password', { exact: true }).fill('another passphrase');
  await page.getByLabel('Confirm new password').fill('another passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('alert').filter({ hasText: 'current password is not correct' }).waitFor();
});

test('unknown pages answer 404 with a friendly page', async () => {
  const page = await newPage(browser);
  await signUp(page, { email: uniqueEmail('404') });
  const res = await page.goto(`${BASE}/nowhere`);
  assert.equal(res.status(), 404);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
});
