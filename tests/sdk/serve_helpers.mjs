// Helpers for the JavaScript SDK suite against `mip serve` (tests/sdk/*.test.mjs): start a
// server for one host, read its exports and the steps it prints (JSON lines), ask the model
// what its scripted SDK does in the same world, verify a token with node's crypto against
// the JWKS the server publishes.
import { spawn, execFileSync } from 'node:child_process';
import { createPublicKey, createVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WORLD = path.join(here, 'serve-world.json');
export const MIP = process.env.MIP || path.join(here, '..', '..', 'target', 'debug', 'mip');
export const VAULT = 'https://vault.azure.net';
const ENDPOINT_VARS = ['AZURE_POD_IDENTITY_AUTHORITY_HOST', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IMDS_ENDPOINT',
  'MSI_ENDPOINT', 'MSI_SECRET', 'IDENTITY_SERVER_THUMBPRINT', 'AZURE_CLIENT_ID', 'AZURE_FEDERATED_TOKEN_FILE'];

/** Starts `mip serve` for `host`; puts its exports (and no other endpoint variable) in process.env. */
export async function serve(host, ...extra) {
  const proc = spawn(MIP, ['serve', WORLD, '--host', host, '--port', '0', '--format', 'json', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  const exports = {};
  let base;
  await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    rl.on('line', (l) => {
      lines.push(l);
      if (l.startsWith('export ')) { const [k, v] = l.slice(7).split(/=(.*)/s); exports[k] = v; }
      if (l.startsWith('ready: ')) { base = l.split(' on ')[1].split(' ')[0]; resolve(); }
    });
    proc.on('exit', (code) => reject(new Error(`mip serve exited ${code} before it was ready`)));
  });
  for (const k of ENDPOINT_VARS) delete process.env[k];
  Object.assign(process.env, exports);
  const get = async (p) => (await fetch(base + p)).json();
  return {
    exports, base, lines, get,
    mark: () => lines.length,
    /** Statuses of the endpoint's responses printed since `from` (a `mark()`), once at least
     *  `atLeast` have been printed (or after 5 s): the server prints a step after it has
     *  answered, so a client can hold its answer before the line reaches this process. */
    answers: async (from = 0, atLeast = 1) => {
      const now = () => lines.slice(from).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
        .filter((s) => s.step.message.type === 'response' && !s.from.startsWith('App on')).map((s) => s.step.message.status);
      for (const end = Date.now() + 5000; now().length < atLeast && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
      return now();
    },
    identities: async () => Object.fromEntries((await get('/_mip/live')).identities.map((i) => [i.name, i])),
    stop: () => new Promise((resolve) => { proc.on('exit', (code) => resolve(code)); proc.kill('SIGINT'); }),
  };
}

/** What the model's scripted SDK does on `host`: endpoint statuses and whether it got a token. */
export function modelPrediction(host, { sdk = 'js', identity, env } = {}) {
  const sc = JSON.parse(readFileSync(WORLD, 'utf8'));
  const configure = { action: 'configureApp', host, sdk, credential: 'ManagedIdentityCredential' };
  if (identity) configure.managedIdentity = identity;
  if (env) configure.env = env;
  sc.script.push(configure, { action: 'getToken', host, resource: VAULT });
  const index = sc.script.length - 1;
  const dir = mkdtempSync(path.join(tmpdir(), 'mip-'));
  try {
    const file = path.join(dir, 'case.json');
    writeFileSync(file, JSON.stringify(sc));
    const trace = JSON.parse(execFileSync(MIP, ['run', file, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
    const steps = trace.steps.filter((s) => s.action === index);
    const statuses = steps.filter((s) => s.message.type === 'response' && trace.participants[s.from].key.startsWith('endpoint:')).map((s) => s.message.status);
    const last = steps.at(-1)?.message;
    return { statuses, token: last?.type === 'response' && last.status === 200 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const b64 = (s) => Buffer.from(s, 'base64url');

/** RS256 signature against the served JWKS (found through the discovery document), audience,
 *  issuer, object id, and nbf <= now < exp at the session's virtual time. Returns the claims. */
export async function verifyToken(server, jwt, expectedOid) {
  const live = await server.get('/_mip/live');
  const config = await server.get(`/${live.tenantId}/.well-known/openid-configuration`);
  const jwks = await (await fetch(config.jwks_uri)).json();
  const [h, p, sig] = jwt.split('.');
  const header = JSON.parse(b64(h));
  const claims = JSON.parse(b64(p));
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== 'RS256') throw new Error(`no RS256 key ${header.kid} in the served JWKS`);
  const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' }), b64(sig));
  if (!ok) throw new Error('signature does not verify with the served JWKS');
  const now = Date.parse(live.now) / 1000;
  const problems = [];
  if (claims.aud !== VAULT) problems.push(`aud ${claims.aud}`);
  if (claims.iss !== config.issuer) problems.push(`iss ${claims.iss}`);
  if (claims.oid !== expectedOid) problems.push(`oid ${claims.oid}, expected ${expectedOid}`);
  if (!(claims.nbf <= now && now < claims.exp)) problems.push(`lifetime ${claims.nbf}..${claims.exp} at ${live.now}`);
  if (problems.length) throw new Error(problems.join('; '));
  return claims;
}
