// Interaction timings in headless Chromium (printed, not asserted):
//  - step: click "next" → DOM updated, and → the next animation frame (painted);
//  - edit: in a 1,000-resource scenario, a form edit → re-simulated and repainted.
// Usage: node tests/perf/interact.mjs <dist dir> <large scenario json>
import { chromium } from 'playwright-core';
import { serve } from '../browser/server.mjs';
import path from 'node:path';

const [dist, large] = process.argv.slice(2);
const { server, url } = await serve(path.resolve(dist));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' })).newPage();
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const fmt = (a) => `median ${pct(a, 0.5).toFixed(2)} ms, p95 ${pct(a, 0.95).toFixed(2)} ms, max ${Math.max(...a).toFixed(2)} ms (n=${a.length})`;

async function timeClicks(selector, n, alt) {
  return page.evaluate(async ({ selector, n, alt }) => {
    const dom = [], frame = [];
    for (let i = 0; i < n; i++) {
      const sel = alt && i % 2 ? alt : selector;
      const t0 = performance.now();
      document.querySelector(sel).click();
      dom.push(performance.now() - t0);
      await new Promise((r) => requestAnimationFrame(() => r()));
      frame.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 30));
    }
    return { dom, frame };
  }, { selector, n, alt });
}

await page.goto(url + '#scenario=token-caching&step=1');
await page.waitForSelector('svg.sequence .message.current');
const step = await timeClicks('#next', 60, '#prev');
console.log(`step (33-step diagram), click → DOM updated: ${fmt(step.dom)}`);
console.log(`step, click → next frame: ${fmt(step.frame)}  [budget: < 16 ms p95]`);

await page.setInputFiles('#import', large);
await page.waitForFunction(() => /generated world/.test(document.querySelector('#scenario-title')?.textContent || ''), null, { timeout: 60000 });
await page.click('#tab-edit');
await page.waitForSelector('input.sami-toggle');
const edit = await timeClicks('input.sami-toggle', 20);
console.log(`edit in a 1,000-resource scenario (toggle a system-assigned identity), → DOM updated: ${fmt(edit.dom)}`);
console.log(`edit, → next frame: ${fmt(edit.frame)}  [budget: < 50 ms p95]`);
await browser.close();
server.close();
