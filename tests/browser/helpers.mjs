// Shared set-up for the browser tests: the release build in dist/ served on loopback,
// Debian's Chromium driven by playwright-core, console errors collected, screenshots
// saved under target/screenshots/.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHOTS = path.join(ROOT, 'target', 'screenshots');

export async function start() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const { server, url } = await serve(path.join(ROOT, 'dist'));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { server, url, browser };
}

export async function stop(env) {
  await env.browser.close();
  env.server.close();
}

/** Opens a page in a fresh context, collecting console errors, page errors and off-loopback requests. */
export async function open(env, suffix = '', opts = {}) {
  const context = await env.browser.newContext({ viewport: opts.viewport || { width: 1280, height: 800 }, colorScheme: opts.colorScheme || 'light', reducedMotion: opts.reducedMotion || 'no-preference' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => { const u = new URL(r.url()); if (!['127.0.0.1', 'localhost'].includes(u.hostname) && u.protocol !== 'data:' && u.protocol !== 'blob:') problems.push(`off-loopback request: ${r.url()}`); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(env.url + suffix);
  await live(page);
  return { context, page, problems };
}

/** Waits until the app has started: index.html carries a build-time rendering of the
 *  first screen, whose buttons do nothing until the wasm has replaced it. */
export async function live(page) {
  await page.waitForSelector('html[data-live]', { state: 'attached' });
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

/** Edits the scenario's JSON in the Edit tab (`change` maps the text), then waits until the
 *  scenario's title matches `title`. */
export async function editJson(page, change, title) {
  await page.click('#tab-edit');
  await page.click('#edit-json');
  const text = await page.inputValue('textarea.json-source');
  await page.fill('textarea.json-source', change(text));
  await page.waitForFunction((t) => new RegExp(t).test(document.querySelector('#scenario-title')?.textContent || ''), title.source);
}

/** Waits until the app is live and the diagram shows its current step. */
export async function ready(page) {
  await page.waitForSelector('html[data-live]', { state: 'attached', timeout: 15000 });
  await page.waitForSelector('svg.sequence .message.current', { timeout: 15000 });
}
