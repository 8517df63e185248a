// Browser tests of the foundation: the diagram renders from the model, stepping works,
// no console errors, under a strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, open, shot } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

test('the diagram renders every step of the classic flow', async () => {
  const { context, page, problems } = await open(env);
  await page.waitForSelector('svg.sequence .message', { timeout: 15000 });
  const arrows = await page.locator('svg.sequence .message').count();
  assert.equal(arrows, 17, 'vm-keyvault has 17 steps');
  const lifelines = await page.locator('svg.sequence .lifeline').count();
  assert.equal(lifelines, 7);
  await shot(page, 'foundation-first-step');
  assert.deepEqual(problems, []);
  await context.close();
});

test('next / previous move the highlight and the inspector', async () => {
  const { context, page, problems } = await open(env);
  await page.waitForSelector('svg.sequence .message.current');
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '1');
  await page.click('#next');
  await page.click('#next');
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '3');
  assert.equal(await page.locator('svg.sequence .message.past').count(), 2);
  assert.match(await page.textContent('.inspector h2'), /^3\. create service principal/);
  await page.click('#prev');
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '2');
  await page.keyboard.press('End');
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '17');
  assert.match(await page.textContent('.inspector'), /correct-horse-battery-staple/);
  await shot(page, 'foundation-last-step');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.getAttribute('svg.sequence .message.current', 'data-step'), '16');
  assert.deepEqual(problems, []);
  await context.close();
});

test('dark theme and phone width render', async () => {
  const { context, page, problems } = await open(env, '', { colorScheme: 'dark', viewport: { width: 360, height: 740 } });
  await page.waitForSelector('svg.sequence .message');
  await page.click('#next');
  await shot(page, 'foundation-dark-phone');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the first screen is drawn before the wasm arrives, and only when it is the right one', async () => {
  // The wasm never arrives: what shows is index.html's build-time rendering.
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route(/\.wasm$/, (r) => r.abort());
  const page = await context.newPage();
  await page.goto(env.url);
  await page.waitForSelector('#prerender svg.sequence .message.current', { state: 'visible' });
  assert.equal(await page.locator('#prerender svg.sequence .message').count(), 17);
  assert.match(await page.textContent('#prerender .inspector h2'), /^1\. PATCH vm-web/);
  await shot(page, 'prerendered-first-screen');
  // A link to another scenario (or step), saved work and the special modes do not show it.
  const shown = async (suffix) => {
    await page.goto('about:blank'); // a new document each time, not a same-page fragment change
    await page.goto(env.url + suffix);
    await page.waitForLoadState('load');
    return (await page.locator('#prerender').count()) === 1;
  };
  for (const suffix of ['#scenario=arc-challenge&step=1', '#scenario=vm-keyvault&step=4', '?embed#scenario=vm-keyvault&step=1']) {
    assert.equal(await shown(suffix), false, suffix);
  }
  assert.equal(await shown('#scenario=vm-keyvault&step=1'), true);
  await page.evaluate(() => localStorage.setItem('mip.playground.v1', JSON.stringify({ text: '{}', builtin: null, step: 0 })));
  assert.equal(await shown(''), false, 'edited work is saved');
  await context.close();

  // With the wasm, the live app replaces it: one diagram, no leftovers.
  const { context: c2, page: p2, problems } = await open(env);
  assert.equal(await p2.locator('#prerender').count(), 0);
  assert.equal(await p2.locator('svg.sequence').count(), 1);
  assert.deepEqual(problems, []);
  await c2.close();
});
