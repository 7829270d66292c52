// Signing in to the console: standard OpenID Connect, authorization code with
// PKCE (openid-client), against AUTH_ISSUER (Keycloak, or the built-in issuer
// on one machine). The access token that comes back is verified by the API's
// own verifier (api/plugins/auth.ts), so the console trusts exactly whom the API
// trusts. The session is a sealed cookie (./session.ts) with a fixed end; every
// console POST carries the session's CSRF token or is refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import * as oidc from 'openid-client';
import type { Config } from '../../config';
import { can, type Operation, type Principal } from '../../domain/access';
import { HttpError } from '../../api/errors';
import { html, layout, type Html } from '../html';
import { cookie, localeOf, words } from '../i18n';
import { seal, sessionKey, unseal } from './session';

export interface ConsoleSession {
  principal: Principal;
  csrf: string;
  /** Handed back at sign-out, so the issuer knows whose session to end. */
  idToken?: string;
  /** Milliseconds since the epoch: the fixed end, whatever the cookie's own lifetime says. */
  expiresAt: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in person of a console page, from the session cookie; undefined when signed out. */
    consoleSession?: ConsoleSession;
  }
}

interface LoginState {
  verifier: string;
  state: string;
  nonce: string;
  expiresAt: number;
}

export const SESSION_COOKIE = 'tarkhees_session';
const LOGIN_COOKIE = 'tarkhees_login';
export const CSRF_FIELD = '_csrf';
/** A visitor has this long at the issuer's login page before the round trip must start again. */
const LOGIN_TTL_MS = 10 * 60_000;
const CONSOLE = '/console';
const SCOPE = 'openid profile';

export interface ConsoleAuthOptions {
  config: Config;
}

const sameToken = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Where the issuer sends the browser back: after sign-in (the authorization
 * code's redirect URI) and after sign-out. The issuer must list both for the
 * console's client (deploy/keycloak/tarkhees-realm.json does).
 */
export function consoleUrls(config: Pick<Config, 'api'>): { base: string; callback: string; afterSignOut: string } {
  const base = config.api.publicUrl.replace(/\/$/, '');
  return { base, callback: `${base}${CONSOLE}/callback`, afterSignOut: `${base}${CONSOLE}` };
}

export default fp(async function consoleAuth(app, { config }: ConsoleAuthOptions) {
  const key = sessionKey(config.console.sessionSecret, path.resolve(config.console.sessionKeyFile));
  const { base, callback: redirectUri, afterSignOut } = consoleUrls(config);
  // Secure whenever the console is served over TLS; on http://127.0.0.1 a Secure cookie would never come back.
  const secure = base.startsWith('https:') ? '; Secure' : '';
  const setCookie = (reply: FastifyReply, name: string, value: string, maxAgeMs: number) =>
    reply.header('set-cookie', `${name}=${value}; Path=${CONSOLE}; Max-Age=${Math.floor(maxAgeMs / 1000)}; HttpOnly; SameSite=Lax${secure}`);

  // Discovered on first use, not at start: the issuer (Keycloak in compose) may come up after the API. A failure is tried again next time.
  let discovered: Promise<oidc.Configuration> | undefined;
  const issuer = () =>
    (discovered ??= oidc
      .discovery(new URL(config.auth.issuer), config.console.clientId, undefined, oidc.None(), {
        // config.ts refuses an http issuer in production; elsewhere the built-in one is plain http.
        execute: config.production ? [] : [oidc.allowInsecureRequests],
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      }));

  const page = (req: FastifyRequest, reply: FastifyReply, status: number, title: Parameters<ReturnType<typeof words>['t']>[0], body: (w: ReturnType<typeof words>) => Html) => {
    const w = words(localeOf(req, reply));
    return reply.status(status).header('content-type', 'text/html; charset=utf-8').send(layout(w, { title, path: req.url.split('?', 1)[0], body: body(w), home: CONSOLE }));
  };
  const signInFailed = (req: FastifyRequest, reply: FastifyReply) =>
    page(req, reply, 400, 'console.signInFailed', (w) => html`<div class="panel bad" role="alert"><h1>${w.t('console.signInFailed')}</h1></div><p><a href="${CONSOLE}/login">${w.t('console.signInAgain')}</a></p>`);

  app.decorateRequest('consoleSession', undefined);
  app.addHook('onRequest', async (req) => {
    const sealed = cookie(req, SESSION_COOKIE);
    const session = sealed ? unseal<ConsoleSession>(key, SESSION_COOKIE, sealed) : undefined;
    if (session && session.expiresAt > Date.now()) {
      req.consoleSession = session;
      // The audit log and the per-client rate limit name whoever acts, by page or by API alike.
      req.principal = session.principal;
    }
  });
  // An office suspended or revoked since sign-in: its staff's pages are refused as its API calls are.
  app.addHook('preHandler', async (req, reply) => {
    const session = req.consoleSession;
    // Signing out is always allowed.
    if (!session || req.url.startsWith(`${CONSOLE}/logout`)) return;
    try {
      await app.checkStanding(req, session.principal);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (fromHtmx(req)) return refuseFragment(reply);
      return page(req, reply, 403, 'console.notYours', (w) => html`<div class="panel bad" role="alert"><h1>${w.t('console.notYours')}</h1><p>${err.message}</p></div>`);
    }
  });
  // Every console form carries the session's token: a form posted from elsewhere, or with no session, is refused.
  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST') return;
    const field = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    // An upload form's fields arrive as multipart parts ({ value }); every other form's as text.
    const sent = field && typeof field === 'object' && 'value' in field ? (field as { value: unknown }).value : field;
    const expected = req.consoleSession?.csrf;
    if (typeof sent === 'string' && expected && sameToken(sent, expected)) return;
    return page(req, reply, 403, 'console.forbidden', (w) => html`<div class="panel bad" role="alert"><h1>${w.t('console.forbidden')}</h1><p>${w.t('console.forbiddenHint')}</p></div>`);
  });

  app.get(`${CONSOLE}/login`, { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
    const verifier = oidc.randomPKCECodeVerifier();
    const login: LoginState = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce(), expiresAt: Date.now() + LOGIN_TTL_MS };
    const to = oidc.buildAuthorizationUrl(await issuer(), {
      redirect_uri: redirectUri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
    });
    setCookie(reply, LOGIN_COOKIE, seal(key, LOGIN_COOKIE, login), LOGIN_TTL_MS);
    return reply.redirect(to.href, 303);
  });

  app.get(`${CONSOLE}/callback`, { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const sealed = cookie(req, LOGIN_COOKIE);
    const login = sealed ? unseal<LoginState>(key, LOGIN_COOKIE, sealed) : undefined;
    if (!login || login.expiresAt <= Date.now()) return signInFailed(req, reply);
    let principal: Principal;
    let idToken: string | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(await issuer(), new URL(req.url, base), {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      principal = await app.verifyAccessToken(tokens.access_token);
      idToken = tokens.id_token;
    } catch (err) {
      req.log.warn({ err }, 'console sign-in refused');
      return signInFailed(req, reply);
    }
    const session: ConsoleSession = { principal, csrf: randomBytes(32).toString('base64url'), idToken, expiresAt: Date.now() + config.console.sessionTtlMs };
    setCookie(reply, LOGIN_COOKIE, '', 0);
    setCookie(reply, SESSION_COOKIE, seal(key, SESSION_COOKIE, session), config.console.sessionTtlMs);
    return reply.redirect(CONSOLE, 303);
  });

  app.post(`${CONSOLE}/logout`, { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const idToken = req.consoleSession?.idToken;
    setCookie(reply, SESSION_COOKIE, '', 0);
    // The issuer's session too, or the next sign-in would pass its login page unasked.
    const to = oidc.buildEndSessionUrl(await issuer(), {
      post_logout_redirect_uri: afterSignOut,
      client_id: config.console.clientId,
      ...(idToken ? { id_token_hint: idToken } : {}),
    });
    return reply.redirect(to.href, 303);
  });
});

/** A request htmx made for a part of a page (it says so in this header), not the browser for a page. */
const fromHtmx = (req: FastifyRequest) => req.headers['hx-request'] === 'true';

/**
 * A refused part of a page: not swapped in (htmx leaves a 4xx alone), and the
 * whole page asked for again, so its own refusal is shown where a page's is.
 */
const refuseFragment = (reply: FastifyReply) => reply.status(403).header('hx-refresh', 'true').header('content-type', 'text/plain; charset=utf-8').send('forbidden');

/**
 * The signed-in person, or a redirect to sign in (the caller returns at once
 * when it gets undefined). With `may`: the person must hold one of those
 * operations, as the API route of the same action requires (domain/access.ts);
 * otherwise the page answers 403 and the caller gets undefined too.
 */
export function signedIn(req: FastifyRequest, reply: FastifyReply, may?: Operation | Operation[]): ConsoleSession | undefined {
  const session = req.consoleSession;
  if (!session) {
    // A redirect would be followed inside the request, and the issuer's login page swapped into the page: htmx sends the browser there instead.
    if (fromHtmx(req)) void reply.status(401).header('hx-redirect', `${CONSOLE}/login`).header('content-type', 'text/plain; charset=utf-8').send('signed out');
    else void reply.redirect(`${CONSOLE}/login`, 303);
    return undefined;
  }
  const needed = may === undefined ? [] : Array.isArray(may) ? may : [may];
  if (needed.length > 0 && !needed.some((op) => can(session.principal, op))) {
    if (fromHtmx(req)) {
      void refuseFragment(reply);
      return undefined;
    }
    const w = words(localeOf(req, reply));
    const body = html`<div class="panel bad" role="alert"><h1>${w.t('console.notYours')}</h1></div><p><a href="${CONSOLE}">${w.t('console.title')}</a></p>`;
    void reply.status(403).header('content-type', 'text/html; charset=utf-8').send(layout(w, { title: 'console.notYours', path: req.url.split('?', 1)[0], body, home: CONSOLE }));
    return undefined;
  }
  return session;
}
