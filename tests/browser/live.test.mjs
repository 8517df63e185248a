// `mip serve --open`: the same process serves the playground (the release build in dist/)
// and the page follows the live trace from the same origin. A real SDK call
// (@azure/identity's ManagedIdentityCredential) makes a step appear on the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../sdk/serve_helpers.mjs';
import { shot, ready } from './helpers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let server;
let browser;
before(async () => {
  server = await serve('vm-app', '--open', path.join(ROOT, 'dist'));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  assert.equal(await server.stop(), 0);
});

test('the served playground follows the live session: an SDK call appears as steps', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith(server.base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) problems.push(`other origin: ${r.url()}`); });
  const resp = await page.goto(`${server.base}/?live`);
  assert.match(resp.headers()['content-security-policy'] || '', /connect-src 'self'/, 'served under a strict CSP');
  await ready(page);
  // The first poll loads the session: the scenario of the served world, at its last step.
  await page.waitForFunction(() => /mip serve SDK suite/.test(document.querySelector('#scenario-title')?.textContent || ''), null, { timeout: 15000 });
  const before = await page.locator('svg.sequence .message').count();
  const { ManagedIdentityCredential } = await import('@azure/identity');
  const token = await new ManagedIdentityCredential().getToken('https://vault.azure.net/.default');
  assert.ok(token.token.split('.').length === 3);
  // Within a poll or two the page re-simulates the recorded session: the request, Entra's
  // round trip and the 200 appear, and the last one is the current step.
  await page.waitForFunction((n) => document.querySelectorAll('svg.sequence .message').length >= n + 4, before, { timeout: 15000 });
  await page.waitForFunction(() => /200 access_token/.test(document.querySelector('svg.sequence .message.current')?.textContent || ''), null, { timeout: 15000 });
  assert.match(await page.textContent('.inspector h2'), /200 access_token/);
  await shot(page, 'serve-live-step');
  assert.deepEqual(problems, []);
  await context.close();
});
