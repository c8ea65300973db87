// Shared helpers: launch Debian's chromium and wait for hydration.
import { chromium } from 'playwright-core';

export const BASE = process.env.PLINTH_BASE_URL ?? 'http://127.0.0.1:3000';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser context (its own cookies) with a page, failing the test on page errors. */
export async function newPage(browser) {
  const context = await browser.newContext({ baseURL: BASE });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !/Failed to load resource/.test(m.text()) && page.errors.push(m.text()));
  return page;
}

/** Resolve once the WASM bundle has loaded and hydrated the page. */
export async function hydrated(page) {
  await page.waitForLoadState('networkidle');
  try {
    await page.waitForSelector('html[data-hydrated]', { state: 'attached', timeout: 30_000 });
  } catch (e) {
    // Say why: a panic in the browser shows up among the page's errors.
    throw new Error(`${page.url()} did not hydrate: ${e.message}\npage errors: ${JSON.stringify(page.errors ?? [])}`);
  }
}

export function uniqueEmail(prefix) {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

export async function signUp(page, { name = 'Test User', email, password = 'a long passphrase' }) {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

/** Call a server function as the page's signed-in user; fails the test unless it answers 200. */
export async function serverFn(page, path, form) {
  const res = await page.request.post(`/api/${path}`, { form, headers: { origin: BASE } });
  if (res.status() !== 200) throw new Error(`${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}
