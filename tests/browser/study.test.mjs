// Exports, the transcript, and offline use (service worker) in a real browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, stop, open, shot } from './helpers.mjs';
import { serve } from './server.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });
const ready = async (page) => {
  await page.waitForSelector('html[data-live]', { state: 'attached', timeout: 15000 });
  await page.waitForSelector('svg.sequence .message.current', { timeout: 15000 });
};

test('exports: SVG, Mermaid, Markdown and the HTML page', async () => {
  const { context, page, problems } = await open(env, '#scenario=wrong-audience&step=1');
  await ready(page);
  const steps = await page.locator('svg.sequence .message').count();
  const grab = async (id) => {
    await page.evaluate(() => { document.querySelector('.more-exports').open = true; });
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
    return fs.readFileSync(await d.path(), 'utf8');
  };
  const svg = await grab('export-svg');
  const parsed = await page.evaluate((s) => {
    const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
    return { error: doc.querySelector('parsererror') !== null, root: doc.documentElement.nodeName };
  }, svg);
  assert.deepEqual(parsed, { error: false, root: 'svg' }, 'the exported SVG parses');
  const mermaid = await grab('export-mermaid');
  assert.ok(mermaid.startsWith('sequenceDiagram\n'));
  assert.equal(mermaid.split('\n').filter((l) => /->>|-->>|-x|Note over/.test(l)).length, steps, 'one Mermaid message per step');
  // Parse it with Mermaid itself, in a blank page (no CSP) so the library can be injected.
  const blank = await context.newPage();
  await blank.goto('about:blank');
  await blank.addScriptTag({ path: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/mermaid/dist/mermaid.min.js') });
  const verdict = await blank.evaluate(async (src) => {
    try { await window.mermaid.parse(src); return 'ok'; } catch (e) { return String(e && e.message || e); }
  }, mermaid);
  assert.equal(verdict, 'ok', 'Mermaid parses the exported source');
  await blank.close();
  const md = await grab('export-markdown');
  assert.match(md, /^# Wrong audience/);
  const html = await grab('export-html');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(!html.includes('<script'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the transcript follows the diagram and seeks on click', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=4');
  await ready(page);
  await page.click('#tab-transcript');
  assert.equal(await page.locator('.transcript li').count(), 17);
  assert.match(await page.textContent('.transcript li.current'), /^4\./);
  await page.click('#next');
  assert.match(await page.textContent('.transcript li.current'), /^5\./);
  await page.locator('.transcript li').nth(11).locator('button.goto').click();
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '12');
  assert.match(await page.textContent('#caption'), /^Step 12 of 17/);
  await shot(page, 'transcript');
  assert.deepEqual(problems, []);
  await context.close();
});

test('offline: after one visit the app reloads with the server stopped', async () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist');
  const own = await serve(root);
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(own.url + '#scenario=arc-challenge&step=3');
  await ready(page);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null || true);
  await page.reload();
  await ready(page);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  own.server.closeAllConnections();
  await new Promise((r) => own.server.close(r));
  await page.reload();
  await ready(page);
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '3');
  assert.match(await page.textContent('#scenario-title'), /Arc/);
  await shot(page, 'offline-reload');
  // The question bank is fetched on demand; the service worker cached it at install.
  await page.click('#tab-quiz');
  await page.waitForSelector('.quiz .question');
  assert.match(await page.textContent('.quiz-position'), /^Question 1 of \d+$/);
  await context.close();
});

test('presenter mode: panels hidden, Space advances exactly one step, speaker notes in their own window', async () => {
  const { context, page, problems } = await open(env, '?present#scenario=vm-keyvault&step=1', { viewport: { width: 1600, height: 900 } });
  await ready(page);
  assert.equal(await page.locator('.side-pane').count(), 0);
  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '2');
  await page.waitForTimeout(1300);
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '2', 'Space does not start playback');
  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '3');
  const [notes] = await Promise.all([context.waitForEvent('page'), page.click('#notes-toggle')]);
  await notes.waitForSelector('html[data-live]', { state: 'attached' });
  assert.match(await notes.textContent('#speaker-notes'), /service principal/);
  assert.equal(await page.locator('#speaker-notes').count(), 0, 'the projected screen shows no notes');
  await shot(page, 'presenter');
  assert.deepEqual(problems, []);
  await context.close();
});

test('embed mode at 400 px: lands on the linked step, fits the width with readable text; the dialog gives the snippet', async () => {
  const { context, page, problems } = await open(env, '?embed#scenario=wrong-audience&step=5', { viewport: { width: 400, height: 600 } });
  await ready(page);
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '5');
  assert.equal(await page.locator('.side-pane').isVisible(), false);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`);
  const px = await page.evaluate(() => { const svg = document.querySelector('svg.sequence'); return parseFloat(getComputedStyle(svg).fontSize) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width; });
  assert.ok(px >= 9.5, `arrow labels stay readable (${px.toFixed(1)} px); the diagram scrolls inside its pane instead`);
  await shot(page, 'embed-400');
  await context.close();
  const main = await open(env, '#scenario=wrong-audience&step=5');
  await ready(main.page);
  await main.page.click('#embed-button');
  const snippet = await main.page.inputValue('#dialog-text');
  assert.match(snippet, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed#scenario=wrong-audience&step=5"/);
  assert.deepEqual([...problems, ...main.problems], []);
  await main.context.close();
});

test('a link to an edited scenario opens at its step on a fresh browser profile', async () => {
  const a = await open(env, '#scenario=vm-keyvault&step=1');
  await ready(a.page);
  await a.page.click('#tab-edit');
  await a.page.click('#edit-json');
  const text = await a.page.inputValue('textarea.json-source');
  await a.page.fill('textarea.json-source', text.replace('A VM reads a Key Vault secret', 'Shared edited flow'));
  await a.page.waitForFunction(() => /Shared edited flow/.test(document.querySelector('#scenario-title')?.textContent || ''));
  await a.page.click('#tab-step');
  await a.page.locator('#scrubber').fill('9');
  await a.page.click('#copy-link');
  const link = await a.page.inputValue('#dialog-text');
  assert.match(link, /#s=1\.[A-Za-z0-9_-]+&step=9$/);
  await a.context.close();
  const b = await open(env, link.slice(link.indexOf('#')));
  await ready(b.page);
  assert.match(await b.page.textContent('#scenario-title'), /Shared edited flow/);
  assert.equal(await b.page.getAttribute('svg.sequence .message.current', 'data-step'), '9');
  assert.equal(await b.page.getAttribute('#play', 'aria-pressed'), 'false', 'lands paused');
  assert.deepEqual([...a.problems, ...b.problems], []);
  await b.context.close();
});

test('predict mode: stops before decisive steps, scores a wrong and a right answer', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=10');
  await ready(page);
  await page.click('#predict');
  await page.click('#next');
  await page.waitForSelector('#predict-card');
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '10', 'the answer stays hidden');
  const choices = await page.locator('#predict-card .choice').allTextContents();
  assert.ok(choices.some((c) => c.startsWith('200')) && choices.some((c) => c.startsWith('401')) && choices.some((c) => c.startsWith('403')), choices.join(' | '));
  await page.click('#predict-card .choice[data-answer="Ok"]');
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '11');
  assert.match(await page.textContent('#predict-result'), /✗ You said 200 OK[^;]*; it was 401 Unauthorized/);
  for (let i = 0; i < 3; i++) await page.click('#next'); // 12, 13, 14 are not decisive
  await page.click('#next');
  await page.waitForSelector('#predict-card');
  await page.click('#predict-card .choice[data-answer="Ok"]');
  assert.match(await page.textContent('#predict-result'), /✓ Right/);
  assert.equal(await page.textContent('#score'), '1 / 2 right');
  await shot(page, 'predict');
  assert.deepEqual(problems, []);
  await context.close();
});

// The question bank has its own file: quiz.test.mjs.

test('code samples per step use the scenario\'s names and say which are illustrative', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=1');
  await ready(page);
  await page.click('.samples summary');
  assert.match(await page.textContent('.sample[data-lang="az CLI"] pre'), /az vm identity assign --resource-group rg-app --name vm-web/);
  assert.match(await page.textContent('.sample[data-lang="Bicep"]'), /illustrative/);
  await page.locator('#scrubber').fill('16');
  await page.click('.samples summary');
  assert.match(await page.textContent('.sample[data-lang="C#"] pre'), /GetSecretAsync\("db-password"\)/);
  assert.match(await page.textContent('.sample[data-lang="curl"]'), /exact request/);
  await shot(page, 'code-samples');
  assert.deepEqual(problems, []);
  await context.close();
});
