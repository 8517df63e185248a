// The learner's experience (issue 14), on the release build in Chromium under the strict
// CSP: predict mode reveals nothing ahead; work is never lost (skipped steps, links that
// open, recent work, hashchange); every script step can be removed; every promised screen
// (1280×720, 1440×900, a 1920×1080 projector, a 390×844 phone, 400×500 and 700×450 embeds,
// light and dark) fits; the goal, a legend and the expected-challenge style orient; exports
// are named after the scenario; the build runs from a sub-path, offline too.
// Screenshots: target/screenshots/learner-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, stop, open, shot, editJson } from './helpers.mjs';
import { serve } from './server.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const current = (page) => page.getAttribute('svg.sequence .message.current', 'data-step');
/** Two frames: sizes and scroll positions are settled in the frame after an update. */
const frames = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const ready = async (page) => {
  await page.waitForSelector('html[data-live]', { state: 'attached', timeout: 15000 });
  await page.waitForSelector('svg.sequence .message.current', { timeout: 15000 });
  await frames(page);
};
/** The rendered size (CSS px) of the diagram's 12.5-px labels. */
const labelPx = (page) => page.evaluate(() => { const svg = document.querySelector('svg.sequence'); return parseFloat(getComputedStyle(svg).fontSize) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width; });
/** Where the current arrow sits in the diagram pane: its centre as a fraction of the visible height below the lifeline headers, and whether its ends are in sight sideways. */
const placeOfCurrent = async (page) => (await frames(page), page.evaluate(() => {
  const pane = document.querySelector('.diagram-pane').getBoundingClientRect();
  const heads = document.querySelector('svg.heads').getBoundingClientRect();
  const cur = document.querySelector('svg.sequence .message.current');
  const row = cur.getBoundingClientRect();
  const a = cur.querySelector('.arrow');
  const arrow = a ? a.getBoundingClientRect() : pane; // a note spans the whole width
  const top = pane.top + heads.height;
  return { y: ((row.top + row.bottom) / 2 - top) / (pane.bottom - top), left: arrow.left >= pane.left - 1, right: arrow.right <= pane.right + 1 };
}));
const scenarioIds = () => fs.readdirSync(path.join(ROOT, 'scenarios')).filter((f) => /^\d+-.*\.json$/.test(f)).map((f) => f.replace(/^\d+-|\.json$/g, ''));

// ---- 1. Predict mode: nothing after the learner's place is readable.

test('predict mode: labels ahead are "?", ticks and the transcript are neutral until revealed', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=10');
  await ready(page);
  await page.click('#predict');
  await page.click('#next');
  await page.waitForSelector('#predict-card');
  const leaks = await page.evaluate(() => {
    const out = [];
    for (const g of document.querySelectorAll('svg.sequence .message')) {
      const n = Number(g.dataset.step);
      if (n <= 10) continue;
      const text = [...g.querySelectorAll('text.label, title')].map((t) => t.textContent).join(' ');
      if (text.trim() !== '?') out.push(`step ${n} reads "${text}"`);
      if (/failure|expected|skipped|conceptual/.test(g.getAttribute('class'))) out.push(`step ${n} is styled ${g.getAttribute('class')}`);
      if (!/^Step \d+: \?$/.test(g.getAttribute('aria-label'))) out.push(`step ${n} aria-label ${g.getAttribute('aria-label')}`);
    }
    [...document.querySelectorAll('.ticks .tick')].slice(10).forEach((t, i) => { if (/failure|expected|skipped/.test(t.className)) out.push(`tick ${i + 11} is ${t.className}`); });
    return out;
  });
  assert.deepEqual(leaks, [], 'nothing after step 10 gives the answer away');
  assert.ok(!/401|WWW-Authenticate/.test(await page.textContent('svg.sequence')), 'the 401 is not written anywhere in the diagram');
  await page.click('#tab-transcript');
  assert.equal(await page.locator('.transcript li.hidden').count(), 7);
  assert.ok(!/401/.test(await page.textContent('.transcript')));
  await shot(page, 'learner-predict-hidden');
  // The right answer stays on screen after the wrong choice; the step is revealed.
  await page.click('#predict-card .choice[data-answer="Forbidden"]');
  assert.match(await page.textContent('#predict-result'), /✗ You said 403 Forbidden[^;]*; it was 401 Unauthorized/);
  assert.match(await page.textContent('svg.sequence .message[data-step="11"]'), /401/);
  assert.equal(await page.locator('svg.sequence .message[data-step="12"].hidden').count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

// ---- 2. Never lose work.

test('a step the edit makes impossible is shown as skipped, and the link to it opens', async () => {
  const a = await open(env, '#scenario=vm-keyvault&step=1');
  await ready(a.page);
  await a.page.click('#tab-edit');
  await a.page.locator('.ra-row', { hasText: 'Owner' }).locator('button.ra-remove').click();
  await a.page.waitForSelector('svg.sequence .message.skipped');
  assert.match(await a.page.textContent('svg.sequence .message.skipped'), /skipped: assign Key Vault Secrets User to vm-web/);
  await a.page.click('svg.sequence .message.skipped');
  await a.page.click('#tab-step');
  assert.match(await a.page.textContent('.inspector .explanation'), /vm-web has no managed identity at this point/);
  assert.match(await a.page.textContent('.inspector .badges'), /skipped/);
  await shot(a.page, 'learner-skipped-step');
  const link = a.page.url();
  assert.match(link, /#s=1\./);
  await a.context.close();
  const b = await open(env, link.slice(link.indexOf('#')));
  await ready(b.page);
  assert.equal(await b.page.locator('.notice').count(), 0, 'the link is not refused');
  assert.equal(await b.page.locator('svg.sequence .message.skipped').count(), 1);
  assert.equal(await b.page.locator('#tab-edit').textContent(), 'Edit');
  await b.page.click('#tab-edit');
  await b.page.click('#edit-json');
  assert.match(await b.page.textContent('#edit-json'), /^JSON$/, 'no diagnostics');
  assert.deepEqual([...a.problems, ...b.problems], []);
  await b.context.close();
});

test('a link opened over unsaved work keeps that work in Recent work, one click away', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=1');
  await ready(page);
  await editJson(page, (t) => t.replace('A VM reads a Key Vault secret', 'My unsaved flow'), /My unsaved flow/);
  // Another tab of the same browser opens a link.
  const other = await context.newPage();
  await other.goto(env.url + '#scenario=arc-challenge&step=2');
  await ready(other);
  assert.match(await other.textContent('#scenario-title'), /Arc/);
  assert.match(await other.textContent('#notice'), /My unsaved flow[^]*kept under Recent work/);
  await other.click('#tab-gallery');
  assert.match(await other.textContent('.recent-work'), /My unsaved flow/);
  await shot(other, 'learner-recent-work');
  await other.click('#notice-restore');
  await other.waitForFunction(() => /My unsaved flow/.test(document.querySelector('#scenario-title')?.textContent || ''));
  assert.equal(await other.locator('.recent-work').count(), 0, 'nothing else to keep: the Arc built-in is not own work');
  assert.deepEqual(problems, []);
  await context.close();
});

test('editing the URL fragment by hand navigates', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=1');
  await ready(page);
  await page.evaluate(() => { location.hash = 'scenario=vm-keyvault&step=9'; });
  await page.waitForFunction(() => document.querySelector('svg.sequence .message.current')?.dataset.step === '9');
  await page.evaluate(() => { location.hash = 'scenario=token-caching&step=3'; });
  await page.waitForFunction(() => document.querySelector('svg.sequence .message.current')?.dataset.step === '3' && /cach/i.test(document.querySelector('#scenario-title').textContent));
  await page.goBack();
  await page.waitForFunction(() => /Key Vault/.test(document.querySelector('#scenario-title').textContent));
  assert.equal(await current(page), '9');
  assert.deepEqual(problems, []);
  await context.close();
});

// ---- 3. Every script step can be removed; controls say what state they show.

test('the form: every script step has Remove; the identity checkbox says what the script does', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=17');
  await ready(page);
  await page.click('#tab-edit');
  const steps = await page.locator('.script-step').count();
  assert.ok(steps >= 4);
  assert.equal(await page.locator('.script-step button.step-remove').count(), steps, 'each step can be removed');
  assert.equal(await page.isChecked('input.sami-toggle[data-resource="vm-web"]'), false);
  assert.match(await page.textContent('label:has(input.sami-toggle[data-resource="vm-web"])'), /at the start/);
  assert.equal(await page.textContent('.fe-story[data-resource="vm-web"]'), 'Off at the start; step 1 enables it.');
  // Break the flagship the way a learner tries: drop the Key Vault role assignment.
  await page.locator('.script-step', { hasText: 'Key Vault Secrets User' }).locator('button.step-remove').click();
  await page.waitForFunction(() => document.querySelectorAll('.script-step').length === 3);
  await page.click('#tab-step');
  await page.keyboard.press('End');
  await page.waitForFunction(() => /403 ForbiddenByRbac/.test(document.querySelector('.inspector h2')?.textContent || ''));
  await shot(page, 'learner-form-removed-step');
  await page.click('#undo');
  await page.keyboard.press('End');
  await page.waitForFunction(() => /200 secret value/.test(document.querySelector('.inspector h2')?.textContent || ''));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the form: Cloud Shell, the App Service plan OS and a forged workload assertion are pickers that re-simulate', async () => {
  const { context, page, problems } = await open(env, '#scenario=dac-laptop-vs-vm&step=1');
  await ready(page);
  await page.click('#tab-edit');
  // A laptop becomes Alice's Cloud Shell session: the SDK finds Cloud Shell's endpoint.
  await page.selectOption('select.laptop-kind[data-host="alice-laptop"]', 'alice');
  await page.waitForFunction(() => /Cloud Shell endpoint \(alice-laptop\)/.test(document.querySelector('svg.heads')?.textContent || ''));
  assert.equal(await page.inputValue('select.laptop-kind[data-host="alice-laptop"]'), 'alice');
  await shot(page, 'learner-form-cloud-shell');
  // The AKS pod forges its assertion: Entra ID reads the issuer's keys and refuses it.
  await page.evaluate(() => { location.hash = 'scenario=aks-workload-identity&step=1'; });
  await page.waitForFunction(() => /OIDC issuer/.test(document.querySelector('svg.heads')?.textContent || ''));
  await page.click('#tab-edit');
  await page.selectOption('select.app-assertion[data-host="aks-shop-orders-api"]', 'attacker');
  await page.waitForFunction(() => /AADSTS7000272/.test(document.querySelector('svg.sequence')?.textContent || ''));
  // An App Service plan's OS.
  await page.evaluate(() => { location.hash = 'scenario=appservice-storage&step=1'; });
  await page.waitForFunction(() => /func-reports/.test(document.querySelector('svg.heads')?.textContent || ''));
  await page.click('#tab-edit');
  await page.waitForSelector('select.appsvc-os[data-resource="func-reports"]');
  assert.equal(await page.inputValue('select.appsvc-os[data-resource="func-reports"]'), 'windows');
  await page.selectOption('select.appsvc-os[data-resource="func-reports"]', 'linux');
  await page.waitForFunction(() => document.querySelector('select.appsvc-os[data-resource="func-reports"]')?.value === 'linux');
  assert.deepEqual(problems, []);
  await context.close();
});

// ---- 4. Every promised screen.

test('1280×720: the diagram fits beside the panel, the tabs fit, the current step stays mid-pane; the panel collapses', async () => {
  for (const scheme of ['light', 'dark']) {
    const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=1', { viewport: { width: 1280, height: 720 }, colorScheme: scheme });
    await ready(page);
    const fit = await page.evaluate(() => { const p = document.querySelector('.diagram-pane'); return { scroll: p.scrollWidth, client: p.clientWidth }; });
    assert.ok(fit.scroll <= fit.client + 1, `no sideways scrolling at 1280 (${fit.scroll} > ${fit.client})`);
    assert.ok(await labelPx(page) >= 8.5, 'labels readable');
    const tabs = await page.evaluate(() => { const t = [...document.querySelectorAll('.tabs .tab')].map((b) => b.getBoundingClientRect().top); return Math.max(...t) - Math.min(...t); });
    assert.ok(tabs < 2, 'the tab bar is one row');
    assert.ok(await page.isVisible('#goal') && await page.isVisible('#start-hint'), 'goal and "press →" above the diagram');
    const above = await page.evaluate(() => document.querySelector('#intro').getBoundingClientRect().bottom <= document.querySelector('.diagram-area').getBoundingClientRect().top);
    assert.ok(above);
    await shot(page, `learner-1280x720-${scheme}-first`);
    for (const s of ['12', '15', '17']) {
      await page.locator('#scrubber').fill(s);
      const where = await placeOfCurrent(page);
      assert.ok(where.y >= 0.2 && where.y <= 0.8, `step ${s} sits mid-pane, not at an edge (${where.y.toFixed(2)})`);
    }
    assert.equal(await page.isVisible('#start-hint'), false, 'the hint goes once the learner moves');
    await shot(page, `learner-1280x720-${scheme}-step17`);
    const before = await page.evaluate(() => document.querySelector('.diagram-pane').clientWidth);
    await page.click('#side-toggle');
    assert.equal(await page.locator('.side-pane').isVisible(), false);
    await frames(page);
    const wider = await page.evaluate(() => document.querySelector('.diagram-pane').clientWidth);
    assert.ok(wider > before + 300, 'the diagram takes the room');
    await page.click('#side-toggle');
    assert.ok(await page.locator('.side-pane').isVisible());
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('1280×720, 9-lane scenarios: no step\'s arrow is scrolled out of sight; long runs have an overview', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-deletion-orphans&step=1', { viewport: { width: 1280, height: 720 } });
  await ready(page);
  assert.equal(await page.locator('svg.heads .lifeline-head').count(), 9);
  const n = await page.locator('svg.sequence .message').count();
  for (let i = 1; i <= n; i++) {
    await page.locator('#scrubber').fill(String(i));
    const where = await placeOfCurrent(page);
    assert.ok(where.left && where.right, `step ${i}: its arrow is in sight`);
  }
  // The overview: one row per step, the current one marked; a click jumps.
  assert.equal(await page.locator('.overview .ov-row').count(), n);
  await page.locator('.overview .ov-row[data-step="20"] .ov-hit').click();
  assert.equal(await current(page), '20');
  assert.equal(await page.getAttribute('.overview .ov-current', 'data-step'), '20');
  await shot(page, 'learner-1280x720-nine-lanes');
  assert.deepEqual(problems, []);
  await context.close();
});

test('1440×900 light and dark: the whole flow, the legend and the goal', async () => {
  for (const scheme of ['light', 'dark']) {
    const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=11', { viewport: { width: 1440, height: 900 }, colorScheme: scheme });
    await ready(page);
    assert.ok(await page.isVisible('.legend li'));
    await shot(page, `learner-1440x900-${scheme}`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('presenter at 1920×1080: scaled to the projector, the current step mid-screen, speaker notes in a second window that follows', async () => {
  const { context, page, problems } = await open(env, '?present#scenario=vm-keyvault&step=1', { viewport: { width: 1920, height: 1080 }, colorScheme: 'dark' });
  await ready(page);
  assert.ok(await labelPx(page) >= 18, `labels large enough for a projector (${(await labelPx(page)).toFixed(1)} px)`);
  const fit = await page.evaluate(() => { const p = document.querySelector('.diagram-pane'); return p.scrollWidth <= p.clientWidth + 1; });
  assert.ok(fit, 'the scaled diagram still fits the width');
  assert.ok(parseFloat(await page.evaluate(() => getComputedStyle(document.querySelector('#caption')).fontSize)) >= 24);
  const [notes] = await Promise.all([context.waitForEvent('page'), page.click('#notes-toggle')]);
  await notes.waitForSelector('html[data-live]', { state: 'attached' });
  await notes.setViewportSize({ width: 900, height: 700 });
  assert.equal(await page.locator('#speaker-notes').count(), 0, 'no notes on the projected screen');
  for (let i = 2; i <= 14; i++) await page.keyboard.press('Space');
  assert.equal(await current(page), '14');
  const where = await placeOfCurrent(page);
  assert.ok(where.y >= 0.2 && where.y <= 0.8, `the current step is mid-screen (${where.y.toFixed(2)})`);
  await notes.waitForFunction(() => /^Step 14 of 17/.test(document.querySelector('#notes-step')?.textContent || ''));
  assert.match(await notes.textContent('#next-up'), /^Next: /);
  const wrapped = await notes.evaluate(() => { const n = document.querySelector('#speaker-notes'); return n.scrollWidth <= n.clientWidth && !n.textContent.endsWith('…'); });
  assert.ok(wrapped, 'notes wrap, whole');
  // The notes window drives the presenter too.
  await notes.click('#next');
  await page.waitForFunction(() => document.querySelector('svg.sequence .message.current')?.dataset.step === '15');
  await shot(page, 'learner-presenter-1920x1080');
  await shot(notes, 'learner-speaker-notes-window');
  // A long note wraps in the diagram instead of ending in "…".
  await page.goto(env.url + '?present#scenario=vm-deletion-orphans&step=1');
  await page.reload();
  await ready(page);
  const cut = await page.evaluate(() => [...document.querySelectorAll('svg.sequence .message.narration')].filter((g) => g.querySelector('text').textContent.endsWith('…') && g.querySelector('title').textContent.length < 400).length);
  assert.equal(cut, 0, 'notes are whole');
  assert.deepEqual(problems.filter((p) => !/ERR_ABORTED/.test(p)), []);
  await context.close();
});

for (const [w, h] of [[400, 500], [700, 450]]) {
  test(`embed at ${w}×${h}: only the diagram scrolls, controls and the step's explanation in view, an "open in the playground" link`, async () => {
    for (const scheme of ['light', 'dark']) {
      const { context, page, problems } = await open(env, '?embed#scenario=vm-keyvault&step=14', { viewport: { width: w, height: h }, colorScheme: scheme });
      await ready(page);
      const page_ = await page.evaluate(() => ({ y: window.scrollY, x: window.scrollX, tall: document.documentElement.scrollHeight - innerHeight, wide: document.documentElement.scrollWidth - innerWidth }));
      assert.deepEqual(page_, { y: 0, x: 0, tall: 0, wide: 0 }, 'the frame itself never scrolls');
      const inView = async (sel) => page.evaluate((sel) => { const r = document.querySelector(sel).getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight + 1 && r.height > 0; }, sel);
      assert.ok(await inView('#next'), 'controls on screen');
      assert.ok(await inView('#embed-explain'), 'the explanation on screen');
      assert.match(await page.textContent('#embed-explain'), /^14\. /);
      assert.ok(await labelPx(page) >= 9.5, 'labels readable');
      const cur = await placeOfCurrent(page);
      assert.ok(cur.y >= 0 && cur.y <= 1 && cur.left && cur.right, 'the current arrow is in sight');
      const href = await page.getAttribute('#open-playground', 'href');
      assert.match(href, /^http:\/\/127\.0\.0\.1:\d+\/#scenario=vm-keyvault&step=14$/);
      assert.equal(await page.getAttribute('#open-playground', 'target'), '_blank');
      await page.click('#next');
      assert.match(await page.textContent('#embed-explain'), /^15\. /);
      assert.equal(await page.evaluate(() => window.scrollY), 0);
      await shot(page, `learner-embed-${w}x${h}-${scheme}`);
      assert.deepEqual(problems, []);
      await context.close();
    }
  });
}

test('phone 390×844: a compact toolbar, the explanation starts on the first screen', async () => {
  for (const scheme of ['light', 'dark']) {
    const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=11', { viewport: { width: 390, height: 844 }, colorScheme: scheme });
    await ready(page);
    const bar = await page.evaluate(() => document.querySelector('.controls').getBoundingClientRect().bottom);
    assert.ok(bar <= 240, `header, goal and controls take ${bar}px`);
    const expl = await page.evaluate(() => document.querySelector('.inspector .explanation').getBoundingClientRect().top);
    assert.ok(expl < 844 - 40, `the explanation starts on the first screen (at ${expl}px)`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, 'no sideways page scrolling');
    await shot(page, `learner-phone-390x844-${scheme}`);
    assert.equal(await page.isVisible('#export'), false, 'actions are behind the menu');
    await page.click('#menu-toggle');
    assert.ok(await page.isVisible('#export'));
    await shot(page, `learner-phone-390x844-${scheme}-menu`);
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('#export'), false);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('every built-in fits the promised screens: no page overflow, headers inside their boxes', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=1', { viewport: { width: 1280, height: 720 } });
  await ready(page);
  for (const id of scenarioIds()) {
    for (const vp of [{ width: 1280, height: 720 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(vp);
      await page.goto(`${env.url}#scenario=${id}&step=1`);
      await page.reload();
      await ready(page);
      const bad = await page.evaluate(() => {
        const out = [];
        if (document.documentElement.scrollWidth > document.documentElement.clientWidth) out.push('page overflows sideways');
        const tabs = [...document.querySelectorAll('.tabs .tab')].map((b) => b.getBoundingClientRect().top);
        if (innerWidth > 900 && Math.max(...tabs) - Math.min(...tabs) > 2) out.push('tabs wrap');
        return out;
      });
      assert.deepEqual(bad, [], `${id} at ${vp.width}`);
    }
  }
  assert.deepEqual(problems, []);
  await context.close();
});

// ---- 5. Orientation.

test('orientation: expected challenges have their own style; decisions lead with the verdict and fix; back-dated iat explained', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=11');
  await ready(page);
  const kv401 = page.locator('svg.sequence .message[data-step="11"]');
  assert.match(await kv401.getAttribute('class'), /\bexpected\b/);
  assert.doesNotMatch(await kv401.getAttribute('class'), /\bfailure\b/);
  assert.match(await kv401.textContent(), /^↺ /);
  const colours = await page.evaluate(() => {
    const c = (sel) => getComputedStyle(document.querySelector(sel)).stroke;
    return { expected: c('svg.sequence .message[data-step="11"] .arrow'), runtime: c('svg.sequence .message[data-step="12"] .arrow') };
  });
  assert.notEqual(colours.expected, colours.runtime);
  assert.match(await page.getAttribute('.ticks .tick:nth-child(11)', 'class'), /\bexpected\b/);
  assert.match(await page.textContent('.inspector .badges'), /expected: part of a working flow/);
  assert.equal(await page.locator('.inspector .wire.response.expected').count(), 1, 'its response is not drawn as an error');
  assert.equal(await page.locator('.inspector .wire.response.error').count(), 0);
  assert.match(await page.textContent('.legend'), /expected challenge/);
  await page.click('#tab-transcript');
  assert.match(await page.getAttribute('.transcript li:nth-child(11)', 'class'), /\bexpected\b/);
  // The token's iat is explained.
  await page.click('#tab-step');
  await page.locator('#scrubber').fill('15');
  assert.match(await page.textContent('#jwt-backdate'), /back-dates iat and nbf by about 5 minutes/);
  // A 403: verdict, then the fix, then the checks with short scopes (full ones a click away).
  await page.goto(env.url + '#scenario=owner-not-data-role&step=1');
  await page.reload();
  await ready(page);
  const n = await page.evaluate(() => [...document.querySelectorAll('svg.sequence .message')].find((g) => /403/.test(g.textContent)).dataset.step);
  await page.locator('#scrubber').fill(n);
  const order = await page.evaluate(() => [...document.querySelector('.decision').children].map((e) => e.className || e.tagName));
  assert.deepEqual(order.slice(0, 3), ['verdict', 'fix', 'why']);
  const reasons = await page.textContent('.decision .reasons');
  assert.match(reasons, /…\/rg-app\/…\//);
  assert.doesNotMatch(reasons, /\/subscriptions\/[0-9a-f-]{36}\/resourceGroups/);
  await page.click('#full-scopes');
  assert.match(await page.textContent('.decision .reasons'), /\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/rg-app/);
  await shot(page, 'learner-decision');
  assert.deepEqual(problems, []);
  await context.close();
});

// ---- 6. Outputs: names, the menu, the copy confirmation.

test('exports are named after the scenario; More exports closes; Copy link confirms', async () => {
  const { context, page, problems } = await open(env, '#scenario=wrong-audience&step=1');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(env.url).origin });
  await ready(page);
  const names = [];
  const [d0] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  names.push(d0.suggestedFilename());
  for (const id of ['export-svg', 'export-mermaid', 'export-markdown', 'export-html']) {
    await page.click('.more-exports summary');
    assert.equal(await page.getAttribute('.more-exports', 'open'), '');
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
    names.push(d.suggestedFilename());
    assert.equal(await page.getAttribute('.more-exports', 'open'), null, 'the menu closes after a choice');
  }
  assert.deepEqual(names, ['wrong-audience.json', 'wrong-audience.svg', 'wrong-audience.mmd', 'wrong-audience.md', 'wrong-audience.html']);
  await page.click('.more-exports summary');
  await page.click('#caption');
  assert.equal(await page.getAttribute('.more-exports', 'open'), null, 'a click elsewhere closes it');
  await page.click('.more-exports summary');
  await page.keyboard.press('Escape');
  assert.equal(await page.getAttribute('.more-exports', 'open'), null, 'Escape closes it');
  // An edited scenario's files are named after its title.
  await editJson(page, (t) => t.replace(/"name": "[^"]*"/, '"name": "My audience test: v2!"'), /My audience test/);
  const [d1] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  assert.equal(d1.suggestedFilename(), 'my-audience-test-v2.json');
  await page.click('#copy-link');
  await page.waitForSelector('#dialog-message.copied');
  assert.match(await page.textContent('#dialog-message'), /✓ Link copied/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), page.url());
  assert.deepEqual(problems, []);
  await context.close();
});

// ---- 7. Hosting under a sub-path, offline too; a favicon.

test('served under /some/path/: the app, its favicon and the offline reload work there', async () => {
  const own = await serve(path.join(ROOT, 'dist'), '/some/path/');
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(own.url + '#scenario=arc-challenge&step=3');
  await ready(page);
  const icon = await page.evaluate(async () => (await fetch(document.querySelector('link[rel=icon]').href)).status);
  assert.equal(icon, 200, 'the favicon is there');
  assert.deepEqual(requested.filter((p) => !p.startsWith('/some/path/')), [], 'every request stays under the sub-path');
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(new URL(scope).pathname, '/some/path/', 'the service worker is scoped to its folder');
  await page.reload();
  await ready(page);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  own.server.closeAllConnections();
  await new Promise((r) => own.server.close(r));
  await page.reload();
  await ready(page);
  assert.equal(await current(page), '3');
  assert.match(await page.textContent('#scenario-title'), /Arc/);
  await shot(page, 'learner-subpath-offline');
  assert.deepEqual(problems.filter((p) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(p)), []);
  await context.close();
});
