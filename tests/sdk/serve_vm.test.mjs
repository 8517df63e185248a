// @azure/identity (JavaScript, unmodified; msal-node underneath) against `mip serve` on a VM:
// what it returns or raises, checked against what the model says the js SDK does.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { serve, modelPrediction, verifyToken } from './serve_helpers.mjs';

let server;
let ids;
before(async () => { server = await serve('vm-app'); ids = await server.identities(); });
after(async () => { assert.equal(await server.stop(), 0, 'Ctrl-C stops mip serve cleanly'); });

const { ManagedIdentityCredential } = await import('@azure/identity');

test('VM, system-assigned: a token that verifies against the served JWKS, as the model predicts', async () => {
  const from = server.mark();
  const token = await new ManagedIdentityCredential().getToken('https://vault.azure.net/.default');
  await verifyToken(server, token.token, ids['vm-app'].principalId);
  const model = modelPrediction('vm-app');
  assert.deepEqual(await server.answers(from, model.statuses.length), model.statuses);
  assert.equal(model.token, true);
});

test('VM, user-assigned by client id: that identity\'s token', async () => {
  const from = server.mark();
  const token = await new ManagedIdentityCredential({ clientId: ids['id-orders'].clientId }).getToken('https://vault.azure.net/.default');
  const claims = await verifyToken(server, token.token, ids['id-orders'].principalId);
  assert.equal(claims.appid, ids['id-orders'].clientId);
  const expected = modelPrediction('vm-app', { identity: 'id-orders' }).statuses;
  assert.deepEqual(await server.answers(from, expected.length), expected);
});

test('VM, an identity not assigned: CredentialUnavailableError with IMDS\'s "Identity not found", one request', async () => {
  const from = server.mark();
  await assert.rejects(new ManagedIdentityCredential({ clientId: ids['id-loose'].clientId }).getToken('https://vault.azure.net/.default'),
    (e) => e.name === 'CredentialUnavailableError' && /Identity not found/.test(e.message));
  const model = modelPrediction('vm-app', { identity: 'id-loose' });
  assert.deepEqual(await server.answers(from, 1), [400]);
  assert.deepEqual(await server.answers(from, model.statuses.length), model.statuses);
  assert.equal(model.token, false);
});
