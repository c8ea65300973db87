// The Content-Security-Policy is on, and every page still hydrates under it;
// weak passwords are refused in the form with zxcvbn's feedback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, hydrated, uniqueEmail, signUp } from './browser.mjs';

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

/** Collect CSP violations the page reports. */
async function watchCsp(page) {
  page.violations = [];
  await page.exposeFunction('__cspViolation', (v) => page.violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

test('every console page hydrates under the CSP, with no violation', async () => {
  const page = await newPage(browser);
  await watchCsp(page);
  for (const path of ['/login', '/signup']) {
    const res = await page.goto(path);
    assert.match(res.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval' 'nonce-/);
    await hydrated(page);
  }
  await signUp(page, { name: 'Csp Owner', email: uniqueEmail('csp') });
  await page.getByRole('link', { name: 'Create organization' }).click();
  await page.waitForURL((u) => u.pathname === '/orgs/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('Csp Org');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('heading', { name: 'Csp Org' }).waitFor();
  for (const path of ['/', '/team', '/settings', '/audit', '/profile', '/projects/new']) {
    const res = await page.goto(path);
    assert.equal(res.status(), 200, path);
    assert.ok(res.headers()['content-security-policy'], path);
    assert.equal(res.headers()['x-content-type-options'], 'nosniff');
    await hydrated(page);
  }
  assert.deepEqual(page.violations, []);
  assert.deepEqual(page.errors, []);
});

test('the audit page says the log is intact', async () => {
  const page = await newPage(browser);
  await signUp(page, { name: 'Audit Owner', email: uniqueEmail('audit') });
  await page.goto('/orgs/new');
  await hydrated(page);
  await page.getByLabel('Name').fill('Audited Org');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('heading', { name: 'Audited Org' }).waitFor();
  await page.goto('/audit');
  await hydrated(page);
  await page.getByTestId('audit-chain').filter({ hasText: 'Tamper check passed: all 1 entries are intact' }).waitFor();
  assert.deepEqual(page.errors, []);
});

test('a guessable password is refused in the form, with advice', async () => {
  const page = await newPage(browser);
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Name').fill('Weak Password');
  await page.getByLabel('Email').fill(uniqueEmail('weak'));
  await page.getByLabel('Password').fill('password1');
  await page.getByRole('button', { name: 'Create account' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'This password is too easy to guess.' });
  await alert.waitFor();
  assert.equal(new URL(page.url()).pathname, '/signup', 'still on the form');
  assert.ok((await alert.textContent()).length > 'This password is too easy to guess.'.length + 10, 'with feedback');
});
