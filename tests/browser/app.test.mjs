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
