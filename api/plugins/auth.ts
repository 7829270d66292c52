// Who is calling, and may they call this route. Every route names the operation
// it performs (config.operation) or says it is public; one hook authenticates
// the caller (bearer token from the configured issuer, or an office API key),
// a later one checks the operation against the policy in domain/access.ts. Which cases
// a caller may see is decided by the services (out of scope answers 404).
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { eq, sql } from 'drizzle-orm';
import { errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Config } from '../../config';
import { can, OFFICE_ROLES, OfficeStatus, ROLES, type Operation, type Principal, type Role } from '../../domain/access';
import { executeNamed } from '../../db/client';
import { apiKeys, offices } from '../../db/schema';
import { parseApiKey, secretMatches } from '../auth/api-keys';
import { discoveredSigningKeys, localSigningKeys, remoteSigningKeys, type SigningKeys } from '../auth/signing-keys';
import { forbidden, HttpError } from '../errors';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    /** A bearer token to its caller, as every API route checks it: the console's sign-in uses the same. */
    verifyAccessToken(token: string): Promise<Principal>;
    /** Refuses a suspended office's changes and everything of a revoked one's: the console's pages ask it as the API's hook does. */
    checkStanding(req: FastifyRequest, p: Principal): Promise<void>;
  }
  interface FastifyContextConfig {
    /** What the route does; a caller needs any one of these. */
    operation?: Operation | readonly Operation[];
    /** No authentication at all (health, docs, public license verification). */
    public?: boolean;
    /** Authenticated by a signature over the body, by the route's own plugin (api/agency-reports/routes.ts, api/payments/notifications.ts): no token is read. */
    signedBy?: 'agency' | 'gateway';
  }
}

/** The OpenAPI document and its UI are public (the swagger plugin owns those routes). */
const DOCS_PREFIX = '/docs';
/** A key's last-used time is written at most this often: not a write per request. */
const LAST_USED_RESOLUTION = '1 minute';
/** Verified tokens remembered (until they expire): a reviewer's inbox polls with the same one all day. */
const VERIFIED_CACHE_SIZE = 10_000;
/** Calls that change something: what a suspended office may no longer make. */
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Tokens from clocks a little ahead are still good. */
const CLOCK_TOLERANCE_S = 30;

export const unauthenticated = (message: string, code = 'unauthenticated') => new HttpError(401, code, message);
/** The caller of a route that is not public (the hook has already refused anyone else). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthenticated('this route needs a bearer token or an API key');
  return req.principal;
}



function rolesOf(payload: JWTPayload): Role[] {
  // Our issuer puts them in `roles`; Keycloak in realm_access.roles.
  const raw = (payload.roles ?? (payload.realm_access as { roles?: unknown } | undefined)?.roles) as unknown;
  const list = Array.isArray(raw) ? raw : [];
  return list.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r));
}

export interface AuthOptions {
  auth: Config['auth'];
  production: boolean;
  /** The built-in issuer's public keys, when it runs in this process: then no key is fetched over the network. */
  localKeys?: JSONWebKeySet;
}

function signingKeys(opts: AuthOptions): SigningKeys {
  if (opts.localKeys) return localSigningKeys(opts.localKeys);
  const { jwksUrl, issuer, jwksCacheMaxAgeMs } = opts.auth;
  // config.ts has checked a configured URL against the issuer's origin in production.
  if (jwksUrl) return remoteSigningKeys(new URL(jwksUrl), jwksCacheMaxAgeMs);
  return discoveredSigningKeys(issuer, { cacheMaxAgeMs: jwksCacheMaxAgeMs, httpsOnly: opts.production });
}

export default fp(async function auth(app, opts: AuthOptions) {
  const { issuer, audience, algorithms } = opts.auth;
  const keys = signingKeys(opts);

  /** Tokens verified under the key set of `generation`: a new key set (a rotation, a revoked key) empties it. */
  const verified = new Map<string, { principal: Principal; expiresAt: number }>();
  let generation: string | undefined;

  async function fromToken(token: string): Promise<Principal> {
    const now = await keys.generation().catch(() => generation);
    if (now !== generation) {
      verified.clear();
      generation = now;
    }
    const hit = verified.get(token);
    if (hit && hit.expiresAt > Date.now()) return hit.principal;
    if (hit) verified.delete(token);
    return verifyToken(token);
  }

  async function verifyToken(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      // exp is required: a token without one would be good forever.
      ({ payload } = await jwtVerify(token, keys.key, { issuer, audience, algorithms, requiredClaims: ['exp'], clockTolerance: CLOCK_TOLERANCE_S }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw unauthenticated('the token has expired', 'token_expired');
      if (err instanceof joseErrors.JOSEError && !(err instanceof joseErrors.JWKSTimeout)) {
        // A failed claim says which (exp missing, wrong aud): the caller can fix that.
        const claim = err instanceof joseErrors.JWTClaimValidationFailed ? `: "${err.claim}" ${err.reason}` : '';
        throw unauthenticated(`the token was not accepted (${err.code}${claim})`, 'invalid_token');
      }
      // The issuer's keys could not be fetched: our problem, not the caller's.
      throw new HttpError(503, 'temporarily_unavailable', 'the identity provider is not reachable');
    }
    if (!payload.sub) throw unauthenticated('the token has no subject', 'invalid_token');
    const principal: Principal = {
      kind: 'user',
      id: payload.sub,
      name: typeof payload.name === 'string' ? payload.name : undefined,
      roles: rolesOf(payload),
      officeId: typeof payload.office_id === 'string' ? payload.office_id : undefined,
      nationalId: typeof payload.national_id === 'string' ? payload.national_id : undefined,
      client: typeof payload.azp === 'string' ? payload.azp : undefined,
    };
    // Oldest first out: a Map iterates in insertion order.
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, { principal, expiresAt: payload.exp! * 1000 });
    return principal;
  }

  /**
   * The standing of the caller's office: for a key, from its own lookup; for a
   * token, read on every call (one primary-key lookup), so a suspension shuts
   * the office out at once, on every API instance.
   */
  const standings = new WeakMap<FastifyRequest, OfficeStatus | undefined>();
  async function officeStanding(req: FastifyRequest, p: Principal): Promise<OfficeStatus | undefined> {
    if (standings.has(req)) return standings.get(req);
    const [row] = await executeNamed<{ status: OfficeStatus }>(app.db, 'office_standing', sql`select status::text as status from offices where id = ${p.officeId!}`);
    return row?.status;
  }

  async function fromApiKey(key: string, req: FastifyRequest): Promise<Principal> {
    const parsed = parseApiKey(key);
    if (!parsed) throw unauthenticated('not an API key this service issued', 'invalid_api_key');
    const [row] = await app.db
      .select({ key: apiKeys, officeName: offices.name, officeStatus: offices.status })
      .from(apiKeys)
      .innerJoin(offices, eq(offices.id, apiKeys.officeId))
      .where(eq(apiKeys.id, parsed.id));
    if (!row || !secretMatches(parsed.secret, row.key.secretHash)) throw unauthenticated('unknown API key', 'invalid_api_key');
    if (row.key.revokedAt) throw unauthenticated('this API key was revoked', 'revoked_api_key');
    if (row.key.expiresAt && row.key.expiresAt.getTime() <= Date.now()) throw unauthenticated('this API key has expired', 'expired_api_key');
    void app.db
      .execute(sql`update api_keys set last_used_at = now()
        where id = ${row.key.id} and (last_used_at is null or last_used_at < now() - ${LAST_USED_RESOLUTION}::interval)`)
      .catch((err: unknown) => req.log.warn({ err }, 'could not record API key use'));
    standings.set(req, row.officeStatus as OfficeStatus);
    return {
      kind: 'api_key',
      id: row.key.id,
      name: `${row.key.name} (${row.officeName})`,
      roles: [],
      officeId: row.key.officeId,
      scopes: row.key.scopes,
      client: row.key.name,
    };
  }

  /**
   * A suspended office's staff and keys may read its cases but change nothing;
   * a revoked office's may do nothing at all. The municipality's own staff
   * carry no office and are not affected.
   */
  async function checkStanding(req: FastifyRequest, p: Principal): Promise<void> {
    const actsForOffice = p.kind === 'api_key' || p.roles.some((r) => OFFICE_ROLES.has(r));
    if (!p.officeId || !actsForOffice) return;
    const standing = await officeStanding(req, p);
    if (standing === OfficeStatus.revoked) throw new HttpError(403, 'office_revoked', `office ${p.officeId} is revoked: its staff and API keys may no longer act or read its cases`);
    if (standing === OfficeStatus.suspended && CHANGES.has(req.method)) {
      throw new HttpError(403, 'office_suspended', `office ${p.officeId} is suspended: its staff and API keys may read its cases but change nothing until it is reinstated`);
    }
  }

  async function authenticate(req: FastifyRequest): Promise<Principal> {
    const header = req.headers.authorization;
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey === 'string') return fromApiKey(apiKey, req);
    if (!header) throw unauthenticated('this route needs a bearer token or an API key');
    const [scheme, value] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && value) return fromToken(value);
    if (scheme?.toLowerCase() === 'apikey' && value) return fromApiKey(value, req);
    throw unauthenticated('use "Authorization: Bearer <token>" or "Authorization: ApiKey <key>"');
  }

  app.decorate('verifyAccessToken', fromToken);
  app.decorate('checkStanding', checkStanding);
  app.decorateRequest('principal', undefined);
  const needsNobody = (req: FastifyRequest) => {
    const url = req.routeOptions.url;
    // Unknown routes fall through to the 404 handler; public routes need nobody; signed routes check their own caller.
    return !url || req.routeOptions.config.public === true || req.routeOptions.config.signedBy !== undefined || url.startsWith(DOCS_PREFIX);
  };
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (needsNobody(req)) return;
    try {
      req.principal = await authenticate(req);
    } catch (err) {
      if (err instanceof HttpError && err.statusCode === 401) reply.header('www-authenticate', `Bearer realm="tarkhees", error="${err.code}"`);
      throw err;
    }
  });
  // Authorized in preParsing, after every onRequest hook: the per-client rate limit
  // (api/plugins/security.ts) counts a known caller's request before it may be refused here.
  app.addHook('preParsing', async (req: FastifyRequest) => {
    if (needsNobody(req)) return;
    const principal = principalOf(req);
    const config = req.routeOptions.config;
    await checkStanding(req, principal);
    const ops = config.operation === undefined ? [] : typeof config.operation === 'string' ? [config.operation] : config.operation;
    if (ops.length === 0) return; // authentication is all the route asks (e.g. GET /me)
    if (!ops.some((op) => can(principal, op))) {
      const who = principal.kind === 'api_key' ? 'this API key' : principal.roles.length ? `role ${principal.roles.join(', ')}` : 'a caller without a role';
      throw forbidden(`${who} may not ${ops.join(' / ')}`);
    }
  });
});
