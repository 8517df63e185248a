// A/B interaction timings of two builds (e.g. main's dist/ and yours), sample by sample
// alternating so both see the same machine load: stepping a 33-step diagram and toggling an
// identity in a 1,000-resource world, as tests/perf/interact.mjs measures one build.
// Usage: node tests/perf/ab.mjs <dist A> <dist B> <large scenario json> [rounds]
import { chromium } from 'playwright-core';
import { serve } from '../browser/server.mjs';
import path from 'node:path';
const [a, b, large, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg || 6);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const pct = (arr, p) => { const s = [...arr].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
async function setup(dist) {
  const { server, url } = await serve(path.resolve(dist));
  const step = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' })).newPage();
  await step.goto(url + '#scenario=token-caching&step=1');
  await step.waitForSelector('svg.sequence .message.current');
  const edit = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' })).newPage();
  await edit.goto(url + '#scenario=token-caching&step=1');
  await edit.waitForSelector('html[data-live]', { state: 'attached' });
  await edit.waitForSelector('svg.sequence .message.current');
  await edit.setInputFiles('#import', large);
  await edit.waitForFunction(() => /generated world/.test(document.querySelector('#scenario-title')?.textContent || ''), null, { timeout: 120000 });
  await edit.click('#tab-edit');
  await edit.waitForSelector('input.sami-toggle');
  return { server, step, edit };
}
async function sample(page, sel, alt, n) {
  return page.evaluate(async ({ sel, alt, n }) => {
    const work = [], frame = [];
    for (let i = 0; i < n; i++) {
      const s = alt && i % 2 ? alt : sel;
      await new Promise((r) => requestAnimationFrame(r));
      const t0 = performance.now();
      let done = 0;
      const mo = new MutationObserver(() => { if (!done) done = performance.now(); });
      mo.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      document.querySelector(s).click();
      await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => requestAnimationFrame(r));
      const t1 = performance.now();
      mo.disconnect();
      work.push((done || t1) - t0);
      frame.push(t1 - t0);
      await new Promise((r) => setTimeout(r, 30));
    }
    return { work, frame };
  }, { sel, alt, n });
}
const A = await setup(a), B = await setup(b);
const res = { A: { step: [], stepF: [], edit: [], editF: [] }, B: { step: [], stepF: [], edit: [], editF: [] } };
for (let r = 0; r < rounds; r++) {
  for (const [k, e] of r % 2 ? [['B', B], ['A', A]] : [['A', A], ['B', B]]) {
    const s = await sample(e.step, '#next', '#prev', 20);
    res[k].step.push(...s.work); res[k].stepF.push(...s.frame);
    const d = await sample(e.edit, 'input.sami-toggle', null, 10);
    res[k].edit.push(...d.work); res[k].editF.push(...d.frame);
  }
}
for (const k of ['A', 'B']) {
  const f = (x) => `median ${pct(x, 0.5).toFixed(1)}, p95 ${pct(x, 0.95).toFixed(1)} (n=${x.length})`;
  console.log(`${k} ${k === 'A' ? a : b}\n  step → DOM: ${f(res[k].step)}\n  step → frame: ${f(res[k].stepF)}\n  edit → DOM: ${f(res[k].edit)}\n  edit → frame: ${f(res[k].editF)}`);
}
await browser.close(); A.server.close(); B.server.close();
