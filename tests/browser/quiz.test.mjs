// The quiz in a real browser: one question at a time, a wrong pick struck out and retried,
// the right choice at full contrast once answered, the score, navigation, progress kept
// across "show me", and the end-of-bank summary with "retry the ones I missed".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, stop, open, shot, ready } from './helpers.mjs';

// The bank the app is built from (the test knows the answers; the page must not tell).
const BANK = JSON.parse(fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scenarios/questions.json'), 'utf8'));

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

test('one question at a time: retry a wrong pick, the right choice keeps full contrast, score', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault');
  await ready(page);
  await page.click('#tab-quiz');
  await page.waitForSelector('.quiz .question'); // the bank is fetched on first open
  assert.equal(await page.locator('.quiz .question').count(), 1, 'one question on screen');
  assert.match(await page.textContent('.quiz-position'), /^Question 1 of (\d+)$/);
  const total = Number((await page.textContent('.quiz-position')).match(/of (\d+)/)[1]);
  assert.ok(total >= 40, `at least 40 questions (found ${total})`);
  const q = page.locator('.quiz .question');
  const n = await q.locator('.choice').count();
  assert.equal(await q.getAttribute('data-id'), BANK[0].id);
  const wrong = (BANK[0].answer + 1) % n;
  await q.locator(`.choice[data-index="${wrong}"]`).click();
  assert.equal(await q.locator(`.choice[data-index="${wrong}"].wrong`).count(), 1, 'a wrong pick is marked');
  assert.equal(await q.locator(`.choice[data-index="${wrong}"]`).isDisabled(), true, 'the wrong pick cannot be picked again');
  assert.match(await q.locator('.feedback').textContent(), /Not quite\. Try another choice/);
  assert.equal(await q.locator('.choice.right').count(), 0, 'the answer is not given away after a wrong pick');
  await shot(page, 'quiz-wrong-pick');
  // Retry: the right one now.
  await q.locator(`.choice[data-index="${BANK[0].answer}"]`).click();
  const rightBtn = q.locator('.choice.right');
  assert.equal(await rightBtn.count(), 1);
  assert.match(await q.locator('.feedback').textContent(), /Right on a retry/);
  // Full contrast: the right choice is not faded like the others, and its text reads at
  // WCAG AA against its background (the theme's panel colour under a transparent button).
  const look = await rightBtn.evaluate((el) => {
    const rgb = (s) => s.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
    let bgEl = el; let bg = getComputedStyle(bgEl).backgroundColor;
    while (/rgba\(.*, 0\)|transparent/.test(bg) && bgEl.parentElement) { bgEl = bgEl.parentElement; bg = getComputedStyle(bgEl).backgroundColor; }
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(bg))];
    return { opacity: getComputedStyle(el).opacity, contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
  });
  assert.equal(look.opacity, '1', 'the right choice keeps full opacity');
  assert.ok(look.contrast >= 4.5, `the right choice's text contrast is ${look.contrast.toFixed(2)}:1`);
  assert.equal(await q.locator('.choice.dim').count(), n - 2, 'the choices neither picked nor right step back');
  const dim = await q.locator('.choice.dim').first().evaluate((el) => Number(getComputedStyle(el).opacity));
  assert.ok(dim < 1, 'the other choices step back');
  assert.match(await page.textContent('.quiz-score'), /Score: 0 right first time · 1 of \d+ answered/);
  await shot(page, 'quiz-answered');
  // Next question: right at the first pick raises the score.
  await page.click('.quiz .next');
  assert.match(await page.textContent('.quiz-position'), /^Question 2 of/);
  const q2 = page.locator('.quiz .question');
  await q2.locator(`.choice[data-index="${BANK[1].answer}"]`).click();
  assert.match(await q2.locator('.feedback').textContent(), /✓ Right\./);
  assert.match(await page.textContent('.quiz-score'), /Score: 1 right first time · 2 of/);
  await page.click('.quiz .prev');
  assert.match(await page.textContent('.quiz-position'), /^Question 1 of/);
  assert.equal(await page.locator('.quiz .choice.right').count(), 1, 'going back shows the answered question as answered');
  assert.deepEqual(problems, []);
  await context.close();
});

test('"show me" opens the step that answers the question, and the quiz keeps its place', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault');
  const bankRequests = [];
  page.on('request', (r) => { if (r.url().endsWith('/questions.json')) bankRequests.push(r.url()); });
  await ready(page);
  await page.click('#tab-quiz');
  await page.waitForSelector('.quiz .question'); // the bank is fetched on first open
  await page.click('.quiz .next');
  await page.click('.quiz .next');
  const q = page.locator('.quiz .question');
  assert.equal(await q.locator('.show-me').count(), 0, 'no "show me" before the question is over: it would give the answer away');
  await q.locator(`.choice[data-index="${BANK[2].answer}"]`).click();
  const label = await q.locator('.show-me').textContent();
  const [, step, id] = label.match(/step (\d+) of ([a-z0-9-]+)/);
  await q.locator('.show-me').click();
  await page.waitForFunction((s) => document.querySelector('svg.sequence .message.current')?.dataset.step === s, step);
  assert.match(page.url(), new RegExp(`scenario=${id}&step=${step}`));
  await page.click('#tab-quiz');
  assert.equal(await page.locator('.quiz .question').count(), 1, 'reopened at once: the bank is kept, not fetched again');
  assert.equal(bankRequests.length, 1, 'one request for the bank in the page\'s life');
  assert.match(await page.textContent('.quiz-position'), /^Question 3 of/, 'back at the same question');
  assert.match(await page.textContent('.quiz-score'), /Score: 1 right first time · 1 of \d+ answered/);
  assert.equal(await page.locator('.quiz .choice.right').count(), 1, 'the answered question is still answered');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the end of the bank: a summary, retry the missed ones, start over', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault', { viewport: { width: 1280, height: 720 } });
  await ready(page);
  await page.click('#tab-quiz');
  await page.waitForSelector('.quiz .question'); // the bank is fetched on first open
  const total = Number((await page.textContent('.quiz-position')).match(/of (\d+)/)[1]);
  let firstTime = 0;
  for (let i = 0; i < total; i++) {
    const q = page.locator('.quiz .question');
    // Pick the first choice; if wrong, reveal the answer.
    await q.locator('.choice').first().click();
    if (await q.locator('.choice.right').count()) firstTime++;
    else await q.locator('.reveal').click();
    assert.equal(await q.locator('.choice.right').count(), 1, `question ${i + 1} shows its answer`);
    if (i + 1 < total) await page.click('.quiz .next');
  }
  assert.equal(firstTime, BANK.filter((q) => q.answer === 0).length);
  assert.ok(firstTime * 3 < total, `picking the first choice every time does not pass (${firstTime}/${total})`);
  assert.match(await page.textContent('.quiz-summary'), new RegExp(`Done: ${firstTime} of ${total} right first time`));
  await shot(page, 'quiz-summary');
  await page.click('.quiz .retry-missed');
  assert.match(await page.textContent('.quiz-score'), new RegExp(`Score: ${firstTime} right first time · ${firstTime} of ${total} answered`));
  assert.equal(await page.locator('.quiz .choice.right').count(), 0, 'a missed question is open again');
  await page.click('.quiz .start-over');
  assert.match(await page.textContent('.quiz-score'), /Score: 0 right first time · 0 of/);
  assert.deepEqual(problems, []);
  await context.close();
});
