// Whose tokens the API believes. In production only an https identity
// provider, found through its discovery document or a key set on its own
// origin; the development parts (built-in issuer, seeding, simulator) refuse to
// run there. On one machine the API trusts the built-in issuer's key handed
// over in-process, not whatever answers on its port. Tokens are checked
// strictly: pinned algorithms, an expiry, and a verified token is forgotten
// when the provider's key set changes.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { buildApp } from '../api/app';
import { ConfigError, DEVELOPMENT_PAYMENT_NOTIFICATION_SECRET, DEVELOPMENT_REPORT_SECRETS, loadConfig, type Config } from '../config';
import { startIssuer, type Issuer } from '../identity/issuer';
import { startTestEnv, waitFor, type TestEnv } from './support/env';

const HTTPS_ISSUER = 'https://sso.alahsa.gov.sa/realms/tarkhees';
const PRODUCTION = {
  NODE_ENV: 'production',
  AUTH_ISSUER: HTTPS_ISSUER,
  LABOR_OFFICE_URL: 'https://api.mol.gov.sa/establishments',
  ZAKAT_URL: 'https://api.zatca.gov.sa/certificates',
  SMS_PROVIDER: 'http',
  SMS_HTTP_URL: 'https://sms.example.sa/v1/messages',
  CONSOLE_SESSION_SECRET: 'a-production-secret-of-32-characters-or-more',
  LABOR_OFFICE_REPORT_SECRET: 'the-labor-office-report-secret-of-32-or-more',
  ZAKAT_REPORT_SECRET: 'the-zakat-report-secret-of-32-characters-or-more',
  PAYMENT_GATEWAY_URL: 'https://pay.example.sa/v1',
  PAYMENT_NOTIFICATION_SECRET: 'the-payment-notification-secret-of-32-or-more',
};

describe('production mode', () => {
  it('needs an https identity provider, and keys from its discovery document or its own origin', () => {
    const refusal = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
        return undefined;
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
    };
    const { AUTH_ISSUER: _, ...noIssuer } = PRODUCTION;
    expect(refusal(noIssuer)).toMatch(/^AUTH_ISSUER: required with NODE_ENV=production/);
    expect(refusal({ ...PRODUCTION, AUTH_ISSUER: 'http://sso.alahsa.gov.sa/realms/tarkhees' })).toMatch(/^AUTH_ISSUER: .* must be https/);
    // The compose default that let the development issuer's keys vouch for the real provider's name.
    expect(refusal({ ...PRODUCTION, AUTH_JWKS_URL: 'http://issuer:4020/.well-known/jwks.json' })).toMatch(/^AUTH_JWKS_URL: .* must be on the issuer's origin/);
    expect(refusal({ ...PRODUCTION, SMS_PROVIDER: 'console' })).toMatch(/^SMS_PROVIDER: must be http/);
    const { LABOR_OFFICE_URL: __, ...noLabor } = PRODUCTION;
    expect(refusal(noLabor)).toMatch(/^LABOR_OFFICE_URL: required/);
    expect(refusal({ ...PRODUCTION, AUTH_ALGORITHMS: 'HS256' })).toMatch(/^AUTH_ALGORITHMS: "HS256" is not one of/);
    // The console's sessions are sealed with the operator's secret, never with a key generated on a pod's disk.
    const { CONSOLE_SESSION_SECRET: ___, ...noSessionSecret } = PRODUCTION;
    expect(refusal(noSessionSecret)).toMatch(/^CONSOLE_SESSION_SECRET: required with NODE_ENV=production/);
    expect(refusal({ ...PRODUCTION, CONSOLE_SESSION_SECRET: 'short' })).toMatch(/^CONSOLE_SESSION_SECRET: must be at least 32/);
    // An agency's reports are believed on its signature alone: its secret is the operator's, never the public development one.
    const { ZAKAT_REPORT_SECRET: ____, ...noZakatSecret } = PRODUCTION;
    expect(refusal(noZakatSecret)).toMatch(/^ZAKAT_REPORT_SECRET: required with NODE_ENV=production/);
    expect(refusal({ ...PRODUCTION, LABOR_OFFICE_REPORT_SECRET: 'short' })).toMatch(/^LABOR_OFFICE_REPORT_SECRET: must be at least 32/);
    expect(refusal({ ...PRODUCTION, LABOR_OFFICE_REPORT_SECRET: DEVELOPMENT_REPORT_SECRETS.labor_office })).toMatch(/^LABOR_OFFICE_REPORT_SECRET: the development value is public/);
    expect(refusal({ ...PRODUCTION, ZAKAT_REPORT_SECRET: PRODUCTION.LABOR_OFFICE_REPORT_SECRET })).toMatch(/must differ/);
    // A payment is believed on the gateway's signature alone, and the default gateway is the simulator, which takes any payment.
    const { PAYMENT_GATEWAY_URL: _____, ...noGateway } = PRODUCTION;
    expect(refusal(noGateway)).toMatch(/^PAYMENT_GATEWAY_URL: required/);
    const { PAYMENT_NOTIFICATION_SECRET: ______, ...noPaymentSecret } = PRODUCTION;
    expect(refusal(noPaymentSecret)).toMatch(/^PAYMENT_NOTIFICATION_SECRET: required with NODE_ENV=production/);
    expect(refusal({ ...PRODUCTION, PAYMENT_NOTIFICATION_SECRET: DEVELOPMENT_PAYMENT_NOTIFICATION_SECRET })).toMatch(/^PAYMENT_NOTIFICATION_SECRET: the development value is public/);

    const ok = loadConfig({ ...PRODUCTION, AUTH_JWKS_URL: `${HTTPS_ISSUER}/protocol/openid-connect/certs` });
    expect(ok.production).toBe(true);
    expect(ok.auth).toMatchObject({ issuer: HTTPS_ISSUER, jwksUrl: `${HTTPS_ISSUER}/protocol/openid-connect/certs`, builtIn: false });
    expect(loadConfig(PRODUCTION).auth.jwksUrl).toBeUndefined();
    // Development keeps its defaults.
    expect(loadConfig({}).production).toBe(false);
  });

  it('the built-in issuer, the seeding and the simulator refuse to run', () => {
    for (const [file, what] of [
      ['identity/main.ts', 'the built-in token issuer'],
      ['scripts/seed.ts', 'seeding the demonstration offices'],
      ['simulator/main.ts', 'the agency and SMS simulator'],
    ]) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', file!], {
        env: { ...process.env, ...PRODUCTION, ISSUER_PORT: '0', SIMULATOR_PORT: '0' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status, `${file}: ${run.stderr}`).toBe(1);
      expect(run.stderr).toContain(`${what} is for development only`);
    }
  });
});

/** A stand-in identity provider whose keys the test controls: discovery, a JWKS, and a way to rotate. */
interface TestProvider {
  url: string;
  sign(claims: Record<string, unknown>, opts?: { exp?: number | null; alg?: string; key?: number }): Promise<string>;
  /** Replaces every key by a new one (the old ones stop being published). */
  rotate(): Promise<void>;
  /** What its discovery document names as the key set. */
  jwksUri: string;
  close(): Promise<void>;
}

async function startProvider(opts: { jwksUri?: (url: string) => string } = {}): Promise<TestProvider> {
  let keys: { alg: string; privateKey: CryptoKey; jwk: JWK }[] = [];
  const makeKeys = async () => {
    keys = [];
    for (const alg of ['ES256', 'ES512']) {
      const { privateKey, publicKey } = await generateKeyPair(alg);
      const jwk = await exportJWK(publicKey);
      keys.push({ alg, privateKey, jwk: { ...jwk, alg, use: 'sig', kid: await calculateJwkThumbprint(jwk) } });
    }
  };
  await makeKeys();
  const app: FastifyInstance = Fastify();
  let url = '';
  const provider: TestProvider = {
    url: '',
    jwksUri: '',
    async sign(claims, o = {}) {
      const k = keys.find((x) => x.alg === (o.alg ?? 'ES256'))!;
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ roles: ['supervisor'], ...claims })
        .setProtectedHeader({ alg: k.alg, kid: k.jwk.kid })
        .setIssuer(url)
        .setAudience('tarkhees-api')
        .setSubject('supervisor-1')
        .setIssuedAt(now);
      if (o.exp !== null) jwt.setExpirationTime(o.exp ?? now + 600);
      return jwt.sign(k.privateKey);
    },
    rotate: makeKeys,
    close: () => app.close(),
  };
  app.get('/.well-known/openid-configuration', async () => ({ issuer: url, jwks_uri: provider.jwksUri }));
  app.get('/keys', async () => ({ keys: keys.map((k) => k.jwk) }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  provider.url = url;
  provider.jwksUri = opts.jwksUri ? opts.jwksUri(url) : `${url}/keys`;
  return provider;
}

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ startWorker: false, smsDispatcher: false });
});
afterAll(async () => {
  await env?.close();
});

/** An API like the environment's, trusting another issuer. */
async function apiTrusting(auth: Partial<Config['auth']>, extra: { production?: boolean; issuerKeys?: Issuer['publicJwks'] } = {}) {
  const config: Config = { ...env.config, production: extra.production ?? false, auth: { ...env.config.auth, jwksUrl: undefined, ...auth } };
  const api = await buildApp({ config, db: env.db.db, temporal: env.client, logger: false, issuerKeys: extra.issuerKeys });
  await api.ready();
  return api;
}
const me = (api: FastifyInstance, token: string) => api.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });

describe('tokens', () => {
  let provider: TestProvider;
  let api: FastifyInstance;
  beforeAll(async () => {
    provider = await startProvider();
    api = await apiTrusting({ issuer: provider.url, algorithms: ['ES256'], jwksCacheMaxAgeMs: 500 });
  });
  afterAll(async () => {
    await api?.close();
    await provider?.close();
  });

  it("finds the provider's keys through its discovery document", async () => {
    const res = await me(api, await provider.sign({}));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().id).toBe('supervisor-1');
  });

  it('refuses a token without an expiry', async () => {
    const res = await me(api, await provider.sign({}, { exp: null }));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_token', message: expect.stringMatching(/exp/) });
  });

  it('refuses a signature algorithm outside the configured list, though the key is published', async () => {
    const res = await me(api, await provider.sign({}, { alg: 'ES512' }));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_token', message: expect.stringMatching(/ALG_NOT_ALLOWED/) });
  });

  it('forgets a verified token once the provider rotates its keys away', async () => {
    const token = await provider.sign({});
    expect((await me(api, token)).statusCode).toBe(200);
    await provider.rotate();
    // Within the key cache's age (500 ms here) the API sees the new key set and checks the token again.
    await waitFor('the old token to be refused', async () => (await me(api, token)).statusCode === 401 || undefined, { timeoutMs: 15_000, intervalMs: 200 });
    expect((await me(api, await provider.sign({}))).statusCode).toBe(200);
  });
});

describe('where the keys come from', () => {
  it('in production, refuses a discovery document that names a key set over plain http', async () => {
    const provider = await startProvider();
    const api = await apiTrusting({ issuer: provider.url }, { production: true });
    try {
      const res = await me(api, await provider.sign({}));
      expect(res.statusCode).toBe(503);
    } finally {
      await api.close();
      await provider.close();
    }
  });

  it('refuses a discovery document that names another issuer', async () => {
    const provider = await startProvider();
    const api = await apiTrusting({ issuer: `${provider.url}/realms/other` });
    try {
      expect((await me(api, await provider.sign({ iss: `${provider.url}/realms/other` }))).statusCode).toBe(503);
    } finally {
      await api.close();
      await provider.close();
    }
  });

  it("on one machine, trusts the built-in issuer's own key, not whoever else answers at its address", async () => {
    // Someone else holds the issuer's address and serves keys of its own there.
    const rogue = await startProvider();
    const builtIn = await startIssuer({ url: rogue.url, port: 0, audience: 'tarkhees-api', tokenTtlSeconds: 600, users: [] });
    const api = await apiTrusting({ issuer: rogue.url }, { issuerKeys: builtIn.publicJwks });
    try {
      expect((await me(api, await builtIn.sign({ sub: 'admin-1', roles: ['administrator'] }))).statusCode).toBe(200);
      const forged = await me(api, await rogue.sign({ roles: ['administrator'] }));
      expect(forged.statusCode).toBe(401);
    } finally {
      await api.close();
      await builtIn.close();
      await rogue.close();
    }
  });
});
