// A small OpenID Connect issuer for a single machine and for tests, over
// seeded users: the standard authorization-code flow with PKCE and a login page
// (oidc-provider, identity/oidc.ts and identity/login.ts), and, for API clients
// and the README's curl, a password-grant /token and a /users list. Both sign
// with one key, as one issuer, with the same claims. The API verifies its
// tokens exactly as it verifies a real provider's (issuer, audience, signature
// from the discovery document's JWKS), so nothing is special-cased.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import type { Role } from '../domain/access';
import { DEV_PASSWORD, SEED_USERS, type SeedUser } from './users';
import { createProvider, INTERACTION_PATH } from './oidc';
import loginPages from './login';
import assets from '../console/assets';
import { html, layout, libraryMarkup } from '../console/html';
import { words } from '../console/i18n';

export const TOKEN_ALG = 'ES256';

export interface TokenClaims {
  sub: string;
  name?: string;
  roles: Role[];
  officeId?: string;
  nationalId?: string;
  /** The client software the token was issued to. */
  clientId?: string;
}

export interface Issuer {
  url: string;
  jwksUrl: string;
  /** Its public key set: what an API in the same process trusts without asking over the network. */
  publicJwks: JSONWebKeySet;
  app: FastifyInstance;
  /** Signs a token directly (tests); `expiresInSeconds` may be negative to make an expired one. */
  sign(claims: TokenClaims, opts?: { expiresInSeconds?: number; audience?: string }): Promise<string>;
  close(): Promise<void>;
}

export interface IssuerOptions {
  /** The public URL tokens name as their issuer; defaults to where it listens. */
  url?: string;
  host?: string;
  port: number;
  audience: string;
  tokenTtlSeconds: number;
  /** Where the signing key is kept so tokens survive a restart; in memory when unset. */
  keyFile?: string;
  users?: SeedUser[];
  password?: string;
  /** The web console's address (`<API public URL>/console`): registers its client. Unset, no client may sign in. */
  consoleUrl?: string;
}

/** What the Fastify side answers; everything else is oidc-provider's (discovery, JWKS, authorize, ...). */
const OWN_PATHS = ['/users', '/token', `${INTERACTION_PATH}/`, '/console/assets/'];
const ownPath = (req: IncomingMessage) => {
  const p = (req.url ?? '/').split('?', 1)[0]!;
  return OWN_PATHS.some((own) => (own.endsWith('/') ? p.startsWith(own) : p === own));
};

async function loadOrCreateKey(keyFile?: string): Promise<JWK> {
  if (keyFile && existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
  const { privateKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = await calculateJwkThumbprint(jwk);
  if (keyFile) {
    mkdirSync(path.dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });
  }
  return jwk;
}

function samePassword(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startIssuer(opts: IssuerOptions): Promise<Issuer> {
  const privateJwk = await loadOrCreateKey(opts.keyFile);
  const { d: _d, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, TOKEN_ALG);
  const users = new Map((opts.users ?? SEED_USERS).map((u) => [u.username, u]));
  const password = opts.password ?? DEV_PASSWORD;

  let provider: Provider | undefined;
  const app = Fastify({
    logger: false,
    // The provider is made once the address is known (port 0): no request reaches it before.
    serverFactory: (handler) => createServer((req, res) => (ownPath(req) || !provider ? handler(req, res) : provider.callback()(req, res))),
  });
  // OAuth token requests are form-encoded.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // Known once listening (port 0 picks one); the routes read it when called.
  let url = '';
  let jwksUrl = '';

  async function sign(c: TokenClaims, o: { expiresInSeconds?: number; audience?: string } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      name: c.name,
      roles: c.roles,
      ...(c.officeId ? { office_id: c.officeId } : {}),
      ...(c.nationalId ? { national_id: c.nationalId } : {}),
      azp: c.clientId ?? 'tarkhees-cli',
    })
      .setProtectedHeader({ alg: TOKEN_ALG, kid: privateJwk.kid, typ: 'JWT' })
      .setIssuer(url)
      .setAudience(o.audience ?? opts.audience)
      .setSubject(c.sub)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + (o.expiresInSeconds ?? opts.tokenTtlSeconds))
      .sign(key);
  }

  const publicJwks: JSONWebKeySet = { keys: [{ ...publicJwk, alg: TOKEN_ALG, use: 'sig' }] };
  const checkPassword = (given: string) => samePassword(given, password);
  // The login page wears the console's stylesheet and font, from this origin (its page policy allows no other).
  await app.register(assets);
  await app.register(loginPages, { provider: () => provider!, users, checkPassword, consoleUrl: opts.consoleUrl });
  app.get('/users', async () => [...users.values()].map(({ username, name, roles, officeId }) => ({ username, name, roles, officeId })));
  app.post('/token', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    if ((body.grant_type ?? 'password') !== 'password') {
      return reply.status(400).send({ error: 'unsupported_grant_type', error_description: 'only the password grant is offered' });
    }
    const user = body.username ? users.get(body.username) : undefined;
    if (!user || !checkPassword(body.password ?? '')) {
      return reply.status(400).send({ error: 'invalid_grant', error_description: 'unknown user or wrong password' });
    }
    const token = await sign({
      sub: user.username,
      name: user.name,
      roles: user.roles,
      officeId: user.officeId,
      nationalId: user.nationalId,
      clientId: body.client_id,
    });
    return { access_token: token, token_type: 'Bearer', expires_in: opts.tokenTtlSeconds };
  });

  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port });
  const address = app.server.address();
  const listening = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : `http://127.0.0.1:${opts.port}`;
  url = (opts.url ?? listening).replace(/\/$/, '');
  jwksUrl = `${url}/.well-known/jwks.json`;
  provider = createProvider({
    url,
    audience: opts.audience,
    tokenTtlSeconds: opts.tokenTtlSeconds,
    signingKey: privateJwk,
    users,
    consoleUrl: opts.consoleUrl,
    logoutPage: (ctx, form) => {
      // The API's language cookie reaches here too on the same host (cookies do not go by port).
      const w = words(/(?:^|;\s*)lang=en(?:;|$)/.test(ctx.get('cookie')) ? 'en' : 'ar');
      const body = html`<h1>${w.t('logout.title')}</h1><p>${w.t('logout.confirm')}</p>${libraryMarkup(form)}
<div><button type="submit" form="op.logoutForm" name="logout" value="yes">${w.t('logout.submit')}</button></div>`;
      return layout(w, { title: 'logout.title', body, home: opts.consoleUrl });
    },
  });
  return { url, jwksUrl, publicJwks, app, sign, close: () => app.close() };
}
