// Outputs that work when pasted: the Mermaid export of every built-in, rendered by Mermaid
// itself, numbers its steps exactly as the transcript does; code samples read live values
// from the environment and quote $TOKEN so the shell expands it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, stop, open, shot, ready } from './helpers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILT_INS = fs.readdirSync(path.join(ROOT, 'scenarios')).filter((f) => /^\d\d-.*\.json$/.test(f)).map((f) => f.replace(/^\d\d-|\.json$/g, ''));

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

test('Mermaid numbers every built-in exactly as the transcript does (rendered by Mermaid)', async () => {
  assert.equal(BUILT_INS.length, 22);
  const host = await open(env, '#scenario=vm-keyvault&step=1');
  await ready(host.page);
  const blank = await host.context.newPage();
  await blank.goto('about:blank');
  await blank.addScriptTag({ path: path.join(ROOT, 'node_modules/mermaid/dist/mermaid.min.js') });
  await blank.evaluate(() => window.mermaid.initialize({ startOnLoad: false }));
  const problems = [...host.problems];
  for (const id of BUILT_INS) {
    // A fresh browser profile per scenario: nothing saved, the link is all there is.
    const { context, page, problems: p } = await open(env, `#scenario=${id}&step=1`);
    await ready(page);
    await page.click('#tab-transcript');
    const transcript = await page.locator('.transcript li').allTextContents();
    await page.evaluate(() => { document.querySelector('.more-exports').open = true; });
    const [d] = await Promise.all([page.waitForEvent('download'), page.click('#export-mermaid')]);
    const src = fs.readFileSync(await d.path(), 'utf8');
    const drawn = await blank.evaluate(async ([src, n]) => {
      const { svg } = await window.mermaid.render(`d${n}`, src);
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      return {
        numbers: [...doc.querySelectorAll('.sequenceNumber')].map((t) => Number(t.textContent)),
        notes: [...doc.querySelectorAll('.noteText')].map((t) => t.textContent),
      };
    }, [src, BUILT_INS.indexOf(id)]);
    const noteNumbers = drawn.notes.map((t) => Number(t.match(/^(\d+)\. /)?.[1]));
    const all = [...drawn.numbers, ...noteNumbers].sort((a, b) => a - b);
    assert.deepEqual(all, transcript.map((_, i) => i + 1), `${id}: Mermaid's numbers and the notes' cover steps 1…${transcript.length} once each`);
    for (const [i, line] of transcript.entries()) assert.match(line, new RegExp(`^${i + 1}\\.`), `${id}: transcript item ${i + 1}`);
    // Messages in order: the n-th sequence number Mermaid drew is the n-th non-note step.
    const noteSet = new Set(noteNumbers);
    const messageSteps = transcript.map((_, i) => i + 1).filter((n) => !noteSet.has(n));
    assert.deepEqual(drawn.numbers, messageSteps, `${id}: messages numbered in transcript order`);
    if (id === 'imds-throttling') await shot(page, 'exports-transcript');
    problems.push(...p);
    await context.close();
  }
  await blank.close();
  assert.deepEqual(problems, []);
  await host.context.close();
});

test('code samples: live values from the environment, $TOKEN expanded, the step\'s SDK first', async () => {
  const { context, page, problems } = await open(env, '#scenario=appservice-storage&step=10');
  await ready(page);
  await page.click('.samples summary');
  const curl = await page.textContent('.sample[data-lang="curl"] pre');
  assert.match(curl, /"\$IDENTITY_ENDPOINT\?/);
  assert.match(curl, /"X-IDENTITY-HEADER: \$IDENTITY_HEADER"/);
  assert.doesNotMatch(curl, /localhost:4141/);
  const langs = await page.locator('.sample').evaluateAll((els) => els.map((e) => e.dataset.lang));
  assert.equal(langs[1], 'Python', `func-reports runs Python: ${langs.join(', ')}`);
  await page.locator('#scrubber').fill('17');
  const blob = await page.textContent('.sample[data-lang="curl"] pre');
  assert.match(blob, /TOKEN=\$\(curl -s -H "X-IDENTITY-HEADER: \$IDENTITY_HEADER"/);
  assert.match(blob, /-H "Authorization: Bearer \$TOKEN"/);
  assert.doesNotMatch(blob, /'Authorization: Bearer \$TOKEN'/);
  await shot(page, 'code-samples-appservice');
  assert.deepEqual(problems, []);
  await context.close();
});
