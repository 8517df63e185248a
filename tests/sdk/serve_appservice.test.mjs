// @azure/identity (JavaScript, unmodified) against `mip serve` on an App Service app:
// what it returns or raises, checked against what the model says the js SDK does.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { serve, modelPrediction, verifyToken } from './serve_helpers.mjs';

let server;
let ids;
before(async () => { server = await serve('func-app'); ids = await server.identities(); });
after(async () => { assert.equal(await server.stop(), 0, 'Ctrl-C stops mip serve cleanly'); });

const { ManagedIdentityCredential } = await import('@azure/identity');

test('App Service, system-assigned: a token (IDENTITY_ENDPOINT + IDENTITY_HEADER) that verifies', async () => {
  const from = server.mark();
  const token = await new ManagedIdentityCredential().getToken('https://vault.azure.net/.default');
  const claims = await verifyToken(server, token.token, ids['func-app'].principalId);
  // msal-node turns expires_on into expires_in against the wall clock and back: ±1 s.
  assert.ok(Math.abs(token.expiresOnTimestamp - claims.exp * 1000) <= 1000, `expiresOnTimestamp ${token.expiresOnTimestamp} is the endpoint's expires_on (${claims.exp})`);
  const model = modelPrediction('func-app');
  assert.deepEqual(await server.answers(from, model.statuses.length), model.statuses);
  assert.equal(model.token, true);
});

test('App Service, unknown client id: CredentialUnavailableError with "Unable to load the proper Managed Identity."', async () => {
  const from = server.mark();
  const unknown = '0f0e0d0c-0b0a-4909-8807-060504030201';
  await assert.rejects(new ManagedIdentityCredential({ clientId: unknown }).getToken('https://vault.azure.net/.default'),
    (e) => e.name === 'CredentialUnavailableError' && /Unable to load the proper Managed Identity/.test(e.message));
  const model = modelPrediction('func-app', { identity: unknown });
  assert.deepEqual(await server.answers(from, model.statuses.length), model.statuses);
  assert.equal(model.token, false);
});
