// "Edit this token" (issue 11): in the JWT view a learner changes one claim of the token
// Key Vault accepted and sends it again; the playground adds that call to the script, runs
// it, and lands on Key Vault's answer: 401, because the signature no longer matches.
// Screenshot: target/screenshots/token-edited-401.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, open, shot, ready } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

test('edit a claim in the JWT view, send it to Key Vault, see its 401; undo brings the scenario back', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault&step=16', { viewport: { width: 1440, height: 900 } });
  await ready(page);
  const steps = await page.locator('svg.sequence .message').count();
  // Step 16 sends the token Key Vault accepts; its JWT view offers the edit.
  await page.click('#jwt-edit');
  const text = await page.inputValue('#jwt-edit-payload');
  const oid = JSON.parse(text).oid;
  assert.match(oid, /^[0-9a-f-]{36}$/);
  // Not JSON: said so, nothing sent.
  await page.fill('#jwt-edit-payload', text.replace('{', ''));
  await page.click('#jwt-send');
  assert.match(await page.textContent('.jwtv-edit-problem'), /not JSON/);
  assert.equal(await page.locator('svg.sequence .message').count(), steps);
  // One character of the oid changed, the signature kept.
  const forged = oid.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  await page.fill('#jwt-edit-payload', text.replace(oid, forged));
  assert.match(await page.textContent('#jwt-send'), /Send to Key Vault kv-contoso/);
  await page.click('#jwt-send');
  await page.waitForFunction((n) => document.querySelectorAll('svg.sequence .message').length > n, steps);
  const cur = page.locator('svg.sequence .message.current');
  assert.match(await cur.textContent(), /401/);
  assert.match(await cur.getAttribute('class'), /\bfailure\b/);
  const inspector = await page.textContent('.inspector');
  assert.match(inspector, /Key Vault kv-contoso/);
  assert.match(inspector, /401 Unauthorized/);
  assert.match(inspector, /Signature/i);
  await shot(page, 'token-edited-401');
  // The request before it carries exactly the edited token: the app's note shows it.
  const step = Number(await cur.getAttribute('data-step'));
  await page.locator('#scrubber').fill(String(step - 2));
  assert.match(await page.textContent('.inspector'), new RegExp(forged));
  // Undo: the call is gone again.
  await page.click('#undo');
  await page.waitForFunction((n) => document.querySelectorAll('svg.sequence .message').length === n, steps);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a new scenario from scratch: ids of its own (a random seed), refused until the learner fixes it', async () => {
  const { context, page, problems } = await open(env, '#scenario=vm-keyvault');
  await ready(page);
  const seeds = [];
  for (let i = 0; i < 2; i++) {
    await page.click('#tab-gallery');
    await page.click('#new-scenario');
    await page.waitForFunction(() => /My scenario/.test(document.querySelector('#scenario-title')?.textContent || ''));
    await page.click('#tab-edit');
    await page.click('#edit-json');
    const doc = JSON.parse(await page.inputValue('textarea.json-source'));
    assert.ok(Number.isSafeInteger(doc.seed), `seed ${doc.seed}`);
    seeds.push(doc.seed);
  }
  assert.notEqual(seeds[0], seeds[1], 'each new scenario has its own seed');
  // Its one call is refused (the VM has no identity yet).
  await page.click('#tab-step');
  await page.locator('#scrubber').fill(String(await page.locator('svg.sequence .message').count()));
  assert.match(await page.getAttribute('svg.sequence .message.current', 'class'), /\bfailure\b/);
  assert.deepEqual(problems, []);
  await context.close();
});
