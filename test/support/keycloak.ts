// A stand-in for a Keycloak realm, as the API meets one in production: the
// realm's discovery document and its certificates endpoint at Keycloak's
// paths, and access tokens shaped like Keycloak's (RS256, roles only in
// `realm_access.roles` next to Keycloak's own default roles, client roles in
// `resource_access`, the office as a mapped attribute).
import Fastify from 'fastify';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export interface KeycloakRealm {
  /** The `iss` of its tokens: what AUTH_ISSUER names. */
  issuer: string;
  /** An access token for a user with these realm roles (and, mapped from user attributes, an office or a national ID). */
  accessToken(user: { sub: string; realmRoles: string[]; officeId?: string; nationalId?: string }): Promise<string>;
  close(): Promise<void>;
}

/** Roles every Keycloak realm gives its users; none of them is a Tarkhees role. */
export const KEYCLOAK_DEFAULT_ROLES = ['offline_access', 'uma_authorization', 'default-roles-tarkhees'];

export async function startKeycloakRealm(realm = 'tarkhees'): Promise<KeycloakRealm> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const publicJwk: JWK = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const app = Fastify({ logger: false });
  let issuer = '';
  app.get(`/realms/${realm}/.well-known/openid-configuration`, async () => ({
    issuer,
    jwks_uri: `${issuer}/protocol/openid-connect/certs`,
    token_endpoint: `${issuer}/protocol/openid-connect/token`,
    id_token_signing_alg_values_supported: ['RS256'],
  }));
  app.get(`/realms/${realm}/protocol/openid-connect/certs`, async () => ({ keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  issuer = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/realms/${realm}`;

  const accessToken: KeycloakRealm['accessToken'] = (user) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      typ: 'Bearer',
      azp: 'office-portal',
      preferred_username: user.sub,
      scope: 'openid profile email',
      realm_access: { roles: [...KEYCLOAK_DEFAULT_ROLES, ...user.realmRoles] },
      resource_access: { account: { roles: ['manage-account', 'view-profile'] } },
      ...(user.officeId ? { office_id: user.officeId } : {}),
      ...(user.nationalId ? { national_id: user.nationalId } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience('tarkhees-api')
      .setSubject(user.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(privateKey);
  };
  return { issuer, accessToken, close: () => app.close() };
}
