// The built-in issuer's OpenID Connect side: oidc-provider (a certified
// implementation) does the authorization endpoint, the code grant with PKCE,
// userinfo, end-session and the discovery document; identity/login.ts renders
// its login page. Its access tokens are JWTs for the API's audience, with the
// same claims, issuer and key as the password grant's, so the API cannot tell
// (and need not care) which path a token came by.
import { randomBytes } from 'node:crypto';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import type { SeedUser } from './users';

type Stored = { payload: Record<string, unknown>; expiresAt: number };
/**
 * The development issuer keeps its logins, sessions and codes in memory, as
 * oidc-provider's own quick-start store does, by design: a restart signs the
 * console out and nothing else (the API's tokens are JWTs). Named so it says
 * so, instead of the library warning every `npm start` that it is a quick start.
 */
class MemoryAdapter {
  private static readonly rows = new Map<string, Stored>();
  private static readonly grants = new Map<string, Set<string>>();
  constructor(private readonly model: string) {}
  private key = (id: string) => `${this.model}:${id}`;

  async upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void> {
    const key = this.key(id);
    MemoryAdapter.rows.set(key, { payload, expiresAt: Date.now() + expiresIn * 1000 });
    const grantId = payload.grantId;
    if (typeof grantId === 'string') MemoryAdapter.grants.set(grantId, (MemoryAdapter.grants.get(grantId) ?? new Set()).add(key));
  }

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const row = MemoryAdapter.rows.get(this.key(id));
    if (!row) return undefined;
    if (row.expiresAt <= Date.now()) {
      MemoryAdapter.rows.delete(this.key(id));
      return undefined;
    }
    return row.payload;
  }

  async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    for (const [key, row] of MemoryAdapter.rows) if (key.startsWith(`${this.model}:`) && row.payload.uid === uid) return this.find(key.slice(this.model.length + 1));
    return undefined;
  }

  async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
    for (const [key, row] of MemoryAdapter.rows) if (key.startsWith(`${this.model}:`) && row.payload.userCode === userCode) return this.find(key.slice(this.model.length + 1));
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const row = MemoryAdapter.rows.get(this.key(id));
    if (row) row.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    MemoryAdapter.rows.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of MemoryAdapter.grants.get(grantId) ?? []) MemoryAdapter.rows.delete(key);
    MemoryAdapter.grants.delete(grantId);
  }
}

/** The console's client: public, so it holds no secret; PKCE is what binds the code to it. */
export const CONSOLE_CLIENT_ID = 'tarkhees-console';
/** The resource an access token is for: a URI, as RFC 8707 asks; its audience is the API's. */
export const API_RESOURCE = 'urn:tarkhees:api';
const API_SCOPE = 'api';
/** A login page left open this long must be started again from the console. */
const INTERACTION_TTL_S = 10 * 60;
/** One working day: the console's own session is no longer than this. */
const ISSUER_SESSION_TTL_S = 8 * 3600;

export const INTERACTION_PATH = '/interaction';
export const PROVIDER_ROUTES = {
  authorization: '/authorize',
  // The password grant keeps /token (the README's curl); the code grant has its own.
  token: '/oauth/token',
  userinfo: '/userinfo',
  end_session: '/logout',
  jwks: '/.well-known/jwks.json',
} as const;

export interface OidcOptions {
  url: string;
  audience: string;
  tokenTtlSeconds: number;
  signingKey: JWK;
  users: Map<string, SeedUser>;
  /** The console's address: its callback and where it lands after sign-out. */
  consoleUrl?: string;
  /** The end-session confirmation page (a form oidc-provider makes, in a page of ours). */
  logoutPage(ctx: KoaContextWithOIDC, form: string): string;
}

/** The claims both token paths carry beyond the standard ones (sign() in identity/issuer.ts writes the same for the password grant). */
export function userClaims(user: SeedUser): Record<string, unknown> {
  return {
    name: user.name,
    roles: user.roles,
    ...(user.officeId ? { office_id: user.officeId } : {}),
    ...(user.nationalId ? { national_id: user.nationalId } : {}),
  };
}

export function createProvider(opts: OidcOptions): Provider {
  const clients: Configuration['clients'] = opts.consoleUrl
    ? [
        {
          client_id: CONSOLE_CLIENT_ID,
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          redirect_uris: [`${opts.consoleUrl}/callback`],
          post_logout_redirect_uris: [opts.consoleUrl],
          // The one key is an EC key (the password grant's ES256): the default RS256 has no key to sign with.
          id_token_signed_response_alg: 'ES256',
        },
      ]
    : [];
  const configuration: Configuration = {
    adapter: MemoryAdapter,
    clients,
    jwks: { keys: [{ ...opts.signingKey, alg: 'ES256', use: 'sig' } as never] },
    routes: PROVIDER_ROUTES,
    // Interaction cookies only live through one login: a restart's new keys end logins in flight, nothing more.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', API_SCOPE],
    claims: { openid: ['sub'], profile: ['name', 'roles', 'office_id', 'national_id'] },
    ttl: { Interaction: INTERACTION_TTL_S, Session: ISSUER_SESSION_TTL_S, Grant: ISSUER_SESSION_TTL_S, AccessToken: opts.tokenTtlSeconds, IdToken: opts.tokenTtlSeconds },
    async findAccount(_ctx, id) {
      const user = opts.users.get(id);
      if (!user) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...userClaims(user) }) };
    },
    // The API reads these from the access token, as it does from the password grant's.
    async extraTokenClaims(_ctx, token) {
      const user = 'accountId' in token && typeof token.accountId === 'string' ? opts.users.get(token.accountId) : undefined;
      return user ? { ...userClaims(user), azp: token.clientId } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource: (ctx, form) => void (ctx.body = opts.logoutPage(ctx, form)) },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        // The console asks for no resource by name: its code is for the API.
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== API_RESOURCE) throw new Error(`unknown resource ${resource}`);
          return { scope: API_SCOPE, audience: opts.audience, accessTokenFormat: 'jwt', accessTokenTTL: opts.tokenTtlSeconds, jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
    // The console is first-party: no "allow this application?" page, and no refresh tokens it would not use.
    issueRefreshToken: () => false,
  };
  return new Provider(opts.url, configuration);
}
