// The playground in a real browser: stepping, playback, editing (form and JSON),
// autosave, damaged storage, gallery, deep links, undo/redo, import/export, themes,
// reduced motion, and user text rendered as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { start, stop, open, shot } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

const current = (page) => page.getAttribute('svg.sequence .message.current', 'data-step');
const ready = async (page) => {
  await page.waitForSelector('html[data-live]', { state: 'attached', timeout: 15000 });
  await page.waitForSelector('svg.sequence .message.current', { timeout: 15000 });
};

test('play, pause, scrubber, Space and the live caption', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=1');
  await ready(page);
  await page.selectOption('#speed', { index: 3 });
  await page.click('#play');
  await page.waitForFunction(() => Number(document.querySelector('svg.sequence .message.current')?.dataset.step) >= 3);
  await page.click('#play'); // pause
  const paused = await current(page);
  await page.waitForTimeout(600);
  assert.equal(await current(page), paused, 'pause stops playback');
  await page.locator('#scrubber').fill('10');
  assert.equal(await current(page), '10');
  assert.match(await page.textContent('#caption'), /^Step 10 of 17: /);
  await page.focus('body');
  await page.keyboard.press('Home');
  assert.equal(await current(page), '1');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => Number(document.querySelector('svg.sequence .message.current')?.dataset.step) >= 2);
  await page.keyboard.press('Space');
  assert.equal(await page.locator('.ticks .tick').count(), 17);
  assert.deepEqual(problems, []);
  await context.close();
});

test('deep link lands paused on the step; headers stay visible while scrolling', async () => {
  const { context, page, problems } = await open(env, '#scenario=token-caching&step=12');
  await ready(page);
  assert.equal(await current(page), '12');
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
  await page.evaluate(() => { document.querySelector('.diagram-pane').scrollTop = 400; });
  const box = await page.locator('svg.heads').boundingBox();
  const pane = await page.locator('.diagram-pane').boundingBox();
  assert.ok(Math.abs(box.y - pane.y) < 2, 'sticky lifeline headers stay at the top of the pane');
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a 1440-px laptop the whole VM + Key Vault flow fits beside the side pane; long lifeline names wrap', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=15', { viewport: { width: 1440, height: 900 } });
  await ready(page);
  const fit = await page.evaluate(() => {
    const pane = document.querySelector('.diagram-pane');
    return { scroll: pane.scrollWidth, client: pane.clientWidth };
  });
  assert.ok(fit.scroll <= fit.client, `no horizontal scrolling: ${fit.scroll} > ${fit.client}`);
  // A long name is two lines inside its box, with the full name as a tooltip.
  const arm = page.locator('svg.heads .lifeline-head', { hasText: 'Azure Resource' });
  assert.equal(await arm.locator('tspan').count(), 2);
  assert.equal(await arm.locator('title').textContent(), 'Azure Resource Manager');
  // In every built-in scenario (the longest lifeline names, e.g. 'kubelet
  // (aks-shop-report-job)', are in the others), lifeline names stay inside their boxes
  // and arrow labels inside the diagram.
  const ids = fs.readdirSync(new URL('../../scenarios/', import.meta.url)).filter((f) => /^\d+-.*\.json$/.test(f)).map((f) => f.replace(/^\d+-|\.json$/g, ''));
  assert.equal(ids.length, 22);
  for (const id of ids) {
    await page.goto(`${env.url}#scenario=${id}&step=1`);
    await page.reload();
    await ready(page);
    const bad = await page.evaluate(() => {
      const out = [];
      for (const g of document.querySelectorAll('svg.heads .lifeline-head')) {
        const box = g.querySelector('rect.head').getBBox();
        const text = g.querySelector('text').getBBox();
        if (text.x < box.x - 1 || text.x + text.width > box.x + box.width + 1) out.push(`head: ${g.textContent}`);
      }
      const svg = document.querySelector('svg.sequence');
      const w = svg.viewBox.baseVal.width;
      for (const t of svg.querySelectorAll('.message text.label')) {
        const b = t.getBBox();
        if (b.x < -1 || b.x + b.width > w + 1) out.push(`label: ${t.textContent}`);
      }
      return out;
    });
    assert.deepEqual(bad, [], id);
  }
  // At 1280 px the side pane's tabs wrap rather than run off the edge.
  await page.setViewportSize({ width: 1280, height: 800 });
  const tabs = await page.evaluate(() => { const t = document.querySelector('.tabs'); return t.scrollWidth <= t.clientWidth; });
  assert.ok(tabs, 'the tab row fits its pane');
  assert.deepEqual(problems, []);
  await context.close();
});

test('editing the JSON turns the 200 into a 403 whose explanation names the missing role', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=17');
  await ready(page);
  assert.match(await page.textContent('.inspector h2'), /200 secret value/);
  await page.click('#tab-edit');
  await page.click('#edit-json');
  const text = await page.inputValue('textarea.json-source');
  await page.fill('textarea.json-source', text.replace('"roleDefinitionId": "Key Vault Secrets User"', '"roleDefinitionId": "Reader"'));
  await page.click('#tab-step');
  await page.keyboard.press('End');
  await page.waitForFunction(() => /403 ForbiddenByRbac/.test(document.querySelector('.inspector h2')?.textContent || ''));
  const decision = await page.textContent('.decision');
  assert.match(decision, /Key Vault Secrets User/, 'the fix names the role that is missing');
  await shot(page, 'edit-403-explained');
  await page.click('#undo');
  await page.keyboard.press('End');
  await page.waitForFunction(() => /200 secret value/.test(document.querySelector('.inspector h2')?.textContent || ''));
  await page.click('#redo');
  await page.keyboard.press('End');
  await page.waitForFunction(() => /403/.test(document.querySelector('.inspector h2')?.textContent || ''));
  assert.deepEqual(problems, []);
  await context.close();
});

test('broken JSON shows diagnostics at their line and keeps the last diagram', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault');
  await ready(page);
  await page.click('#tab-edit');
  await page.click('#edit-json');
  const text = await page.inputValue('textarea.json-source');
  await page.fill('textarea.json-source', text.replace('"enableRbacAuthorization"', '"enableRBACAuthorization"'));
  await page.waitForSelector('.notice.warn');
  const diag = await page.textContent('.json-editor');
  assert.match(diag, /unknown field `enableRBACAuthorization`/);
  assert.match(diag, /did you mean `enableRbacAuthorization`\?/);
  assert.equal(await page.locator('svg.sequence .message').count(), 17, 'the last good diagram stays');
  await shot(page, 'edit-diagnostics');
  assert.deepEqual(problems, []);
  await context.close();
});

test('autosave survives a reload; a damaged saved value is set aside with a notice', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault');
  await ready(page);
  await page.click('#tab-edit');
  await page.click('#edit-json');
  const text = await page.inputValue('textarea.json-source');
  await page.fill('textarea.json-source', text.replace('A VM reads a Key Vault secret', 'My own edited flow'));
  await page.waitForFunction(() => /My own edited flow/.test(document.querySelector('#scenario-title')?.textContent || ''));
  await page.goto(env.url); // no fragment: the autosave must bring the work back
  await ready(page);
  assert.match(await page.textContent('#scenario-title'), /My own edited flow/);
  await page.evaluate(() => localStorage.setItem('mip.playground.v1', '{"text": tru'));
  await page.goto(env.url);
  await ready(page);
  assert.match(await page.textContent('.notice'), /could not be read/);
  const aside = await page.evaluate(() => localStorage.getItem('mip.playground.v1.damaged-1'));
  assert.equal(aside, '{"text": tru', 'the damaged value is kept, not dropped');
  assert.match(await page.textContent('#scenario-title'), /A VM reads a Key Vault secret/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a scenario name with HTML is shown as text', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault');
  await ready(page);
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
  await page.click('#tab-edit');
  await page.click('#edit-json');
  const evil = '<img src=x onerror=alert(1)>';
  const text = await page.inputValue('textarea.json-source');
  await page.fill('textarea.json-source', text.replace(/"name": "A VM[^"]*"/, `"name": ${JSON.stringify(evil)}`));
  await page.waitForFunction((e) => document.querySelector('#scenario-title')?.textContent === e, evil);
  assert.equal(await page.locator('img').count(), 0, 'no <img> element was created');
  await page.waitForTimeout(200);
  assert.equal(dialogs, 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('gallery search opens a scenario', async () => {
  const { context, page, problems } = await open(env);
  await ready(page);
  await page.click('#tab-gallery');
  await page.fill('.gallery input[type=search]', 'arc');
  await page.click('.gallery .card[data-id="arc-challenge"]');
  await page.waitForFunction(() => /Arc/.test(document.querySelector('#scenario-title')?.textContent || ''));
  assert.match(page.url(), /scenario=arc-challenge/);
  await shot(page, 'gallery-opened-arc');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the form editor: removing a role assignment re-simulates at once', async () => {
  const { context, page, problems } = await open(env, '#scenario=owner-not-data-role');
  await ready(page);
  const before = await page.locator('svg.sequence .message').count();
  await page.click('#tab-edit');
  const rows = await page.locator('.ra-row').count();
  assert.ok(rows >= 1);
  await page.locator('.ra-row button.ra-remove').first().click();
  await page.waitForFunction((n) => document.querySelectorAll('.ra-row').length === n - 1, rows);
  const after = await page.locator('svg.sequence .message').count();
  assert.ok(after > 0);
  assert.ok(before !== after || (await page.textContent('#tab-edit')) !== null);
  assert.deepEqual(problems, []);
  await context.close();
});

test('world view shows the service principal count change and what the step changed', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=3');
  await ready(page);
  await page.click('#tab-world');
  const world = await page.textContent('.world-view');
  assert.match(world, /1 managed-identity service principal/);
  assert.ok(await page.locator('.world-view .added').count() >= 1, 'the new service principal is highlighted');
  await shot(page, 'world-view-light');
  assert.deepEqual(problems, []);
  await context.close();
});

test('import and export a scenario file', async () => {
  const { context, page, problems } = await open(env, '#scenario=shared-uami');
  await ready(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const file = path.join(os.tmpdir(), `mip-export-${process.pid}.json`);
  await download.saveAs(file);
  const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.match(exported.name, /shared/i);
  exported.name = 'Imported copy';
  fs.writeFileSync(file, JSON.stringify(exported, null, 2));
  await page.setInputFiles('#import', file);
  await page.waitForFunction(() => document.querySelector('#scenario-title')?.textContent === 'Imported copy');
  fs.unlinkSync(file);
  assert.deepEqual(problems, []);
  await context.close();
});

test('reduced motion: no travelling token', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=1', { reducedMotion: 'reduce' });
  await ready(page);
  await page.click('#next');
  assert.equal(await page.locator('svg.sequence animate').count(), 0);
  await context.close();
  const normal = await open(env, '#scenario=vm-keyvault&step=1');
  await ready(normal.page);
  await normal.page.click('#next');
  assert.equal(await normal.page.locator('svg.sequence .message.current animate').count(), 1);
  assert.deepEqual([...problems, ...normal.problems], []);
  await normal.context.close();
});

test('screenshots: light and dark, desktop and phone, every tab; theme toggle', async () => {
  for (const [scheme, vp, tag] of [['light', { width: 1440, height: 900 }, 'desktop-light'], ['dark', { width: 1440, height: 900 }, 'desktop-dark'], ['light', { width: 360, height: 780 }, 'phone-light'], ['dark', { width: 360, height: 780 }, 'phone-dark']]) {
    const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=15', { colorScheme: scheme, viewport: vp });
    await ready(page);
    await shot(page, `${tag}-step`);
    for (const t of ['world', 'edit', 'gallery']) {
      await page.click(`#tab-${t}`);
      await shot(page, `${tag}-${t}`);
    }
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, scheme === 'dark' ? 'rgb(15, 20, 25)' : 'rgb(255, 255, 255)');
    assert.deepEqual(problems, []);
    await context.close();
  }
  const { context, page } = await open(env, '#scenario=vm-keyvault', { colorScheme: 'light' });
  await ready(page);
  await page.click('#theme'); // system → dark
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(15, 20, 25)');
  await context.close();
});
