// Where the API gets the keys that tokens are checked against: the identity
// provider's key set, found through its discovery document or at a configured
// URL, or (on one machine) the built-in issuer's key handed over in-process,
// so that nothing else listening on the machine can stand in for it.
import { createLocalJWKSet, createRemoteJWKSet, jwksCache, type ExportedJWKSCache, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { requestJson } from '../../integrations/http';

/** A fetched key set is not asked for again within this, even for an unknown key id (a flood of forged kids). */
const JWKS_COOLDOWN_MS = 30_000;
/** The discovery document and the key set each get this long to answer. */
const FETCH_TIMEOUT_MS = 5_000;

export interface SigningKeys {
  /** The key a token's header names. */
  key: JWTVerifyGetKey;
  /**
   * Changes whenever the key set does (a rotation, a revoked key), refetching
   * it first when it is older than the cache age. Whatever was verified under
   * an earlier generation must be verified again.
   */
  generation(): Promise<string>;
}

export class DiscoveryError extends Error {}

/** The built-in issuer's public keys, given in-process: its key set never changes while the process runs. */
export function localSigningKeys(jwks: JSONWebKeySet): SigningKeys {
  return { key: createLocalJWKSet(jwks), generation: async () => 'local' };
}

/** Keys at a JWKS URL, refetched after `cacheMaxAgeMs` and when a token names a key id the set lacks. */
export function remoteSigningKeys(url: URL, cacheMaxAgeMs: number): SigningKeys {
  // jose fills this in on every fetch: its `uat` tells a new key set from the old without cloning it.
  const cache = {} as ExportedJWKSCache;
  const jwks = createRemoteJWKSet(url, { cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: cacheMaxAgeMs, timeoutDuration: FETCH_TIMEOUT_MS, [jwksCache]: cache });
  let seen = { uat: -1, fingerprint: '' };
  return {
    key: jwks,
    async generation() {
      if (!jwks.fresh && !jwks.reloading) await jwks.reload().catch(() => undefined);
      if (cache.uat !== seen.uat) {
        const fingerprint = JSON.stringify((cache.jwks?.keys ?? []).map((k) => [k.kid, k.kty, k.n ?? k.x, k.y]).sort());
        seen = { uat: cache.uat, fingerprint };
      }
      return seen.fingerprint;
    },
  };
}

/**
 * The issuer's key set, at the `jwks_uri` its discovery document names. The
 * document is read on first use (the provider may start after the API), and
 * read again after a failure. With `httpsOnly`, a document naming a plain-http
 * key set is refused.
 */
export function discoveredSigningKeys(issuer: string, opts: { cacheMaxAgeMs: number; httpsOnly: boolean }): SigningKeys {
  let found: Promise<SigningKeys> | undefined;
  const keys = () =>
    (found ??= discover(issuer, opts.httpsOnly)
      .then((url) => remoteSigningKeys(url, opts.cacheMaxAgeMs))
      .catch((err: unknown) => {
        found = undefined;
        throw err;
      }));
  return {
    key: async (header, token) => (await keys()).key(header, token),
    generation: async () => (await keys()).generation(),
  };
}

async function discover(issuer: string, httpsOnly: boolean): Promise<URL> {
  const at = `${issuer}/.well-known/openid-configuration`;
  const res = await requestJson('GET', at, { timeoutMs: FETCH_TIMEOUT_MS });
  if (res.status !== 200) throw new DiscoveryError(`${at} answered ${res.status}`);
  let doc: { issuer?: unknown; jwks_uri?: unknown };
  try {
    doc = JSON.parse(res.body) as typeof doc;
  } catch {
    throw new DiscoveryError(`${at} is not JSON`);
  }
  // OpenID Connect Discovery: the document must name the issuer it was fetched for.
  if (doc.issuer !== issuer) throw new DiscoveryError(`${at} names issuer ${String(doc.issuer)}, not ${issuer}`);
  if (typeof doc.jwks_uri !== 'string') throw new DiscoveryError(`${at} has no jwks_uri`);
  const url = new URL(doc.jwks_uri);
  if (httpsOnly && url.protocol !== 'https:') throw new DiscoveryError(`${at} names a key set over ${url.protocol} (${url}); only https is trusted`);
  return url;
}
