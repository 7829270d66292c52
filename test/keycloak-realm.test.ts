// The Keycloak realm compose imports (deploy/keycloak/tarkhees-realm.json),
// checked against the code, since no Keycloak runs here: its roles are the
// project's, its console client is the one the console signs in as (public,
// code flow, PKCE S256 required, the redirect and post-logout URLs the
// console builds from compose's API_PUBLIC_URL), and the access token its
// mappers make for each of its people is one the API's own verifier reads
// into that person's roles, office and national ID. And compose imports it.
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../config';
import auth from '../api/plugins/auth';
import { ApplicantSchema } from '../api/applications/schemas';
import { consoleUrls } from '../console/auth/plugin';
import { OFFICE_ID_PATTERN } from '../domain/office';
import { ROLES } from '../domain/roles';
import { DEV_PASSWORD, DEV_SIGN_INS, SEED_USERS } from '../identity/users';
import { KEYCLOAK_DEFAULT_ROLES } from './support/keycloak';

const REALM_FILE = 'deploy/keycloak/tarkhees-realm.json';
/** Where Keycloak's --import-realm reads realm files from. */
const IMPORT_DIR = '/opt/keycloak/data/import';

interface Mapper {
  name: string;
  protocol: string;
  protocolMapper: string;
  config: Record<string, string>;
}
interface RealmUser {
  username: string;
  enabled: boolean;
  firstName: string;
  lastName: string;
  email: string;
  attributes?: Record<string, string[]>;
  credentials: { type: string; value: string; temporary: boolean }[];
  requiredActions?: string[];
  realmRoles: string[];
}
interface Client {
  clientId: string;
  enabled: boolean;
  publicClient: boolean;
  standardFlowEnabled: boolean;
  implicitFlowEnabled: boolean;
  directAccessGrantsEnabled: boolean;
  redirectUris: string[];
  webOrigins: string[];
  attributes: Record<string, string>;
  protocolMappers: Mapper[];
}
interface ProfileAttribute {
  name: string;
  permissions: { view: string[]; edit: string[] };
  validations?: { pattern?: { pattern: string } };
}
interface Realm {
  realm: string;
  enabled: boolean;
  roles: { realm: { name: string }[] };
  clients: Client[];
  users: RealmUser[];
  components: Record<string, { providerId: string; config: Record<string, string[]> }[]>;
}

const realm = JSON.parse(readFileSync(REALM_FILE, 'utf8')) as Realm;
const compose = readFileSync('docker-compose.yml', 'utf8');

/** A variable's default in docker-compose.yml, as `${NAME:-default}` spells it. */
function composeDefault(name: string): string {
  const found = new RegExp(`\\$\\{${name}:-([^}]*)\\}`).exec(compose);
  if (!found) throw new Error(`docker-compose.yml gives ${name} no default`);
  return found[1]!;
}

/** docker/keycloak.env, as compose reads it: what the stack with Keycloak sets. */
const keycloakEnv: Record<string, string> = Object.fromEntries(
  readFileSync('docker/keycloak.env', 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

/** The API's configuration in that stack: the env file, and compose's defaults for what it leaves out. */
const config: Config = loadConfig({
  ...keycloakEnv,
  API_PUBLIC_URL: composeDefault('API_PUBLIC_URL'),
  AUTH_AUDIENCE: composeDefault('AUTH_AUDIENCE'),
  CONSOLE_CLIENT_ID: composeDefault('CONSOLE_CLIENT_ID'),
});

const consoleClient = () => {
  const client = realm.clients.find((c) => c.clientId === config.console.clientId);
  if (!client) throw new Error(`${REALM_FILE} has no client ${config.console.clientId}`);
  return client;
};

/** Sets a claim as Keycloak's mappers name one: dots are nesting (realm_access.roles). */
function setClaim(claims: Record<string, unknown>, name: string, value: unknown): void {
  const path = name.split('.');
  let at = claims;
  for (const part of path.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
  at[path.at(-1)!] = value;
}

/**
 * The claims the console client's mappers put into a user's access token, as
 * Keycloak computes them. A mapper of a kind not known here fails the test: its
 * claim would go unchecked.
 */
function accessTokenClaims(client: Client, user: RealmUser): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const m of client.protocolMappers) {
    if (m.config['access.token.claim'] !== 'true') continue;
    switch (m.protocolMapper) {
      case 'oidc-audience-mapper':
        claims.aud = m.config['included.custom.audience'];
        break;
      case 'oidc-usermodel-realm-role-mapper':
        // Keycloak's own default roles come along: they must grant nothing.
        setClaim(claims, m.config['claim.name']!, [...KEYCLOAK_DEFAULT_ROLES, ...user.realmRoles]);
        break;
      case 'oidc-usermodel-attribute-mapper': {
        const value = user.attributes?.[m.config['user.attribute']!]?.[0];
        if (value !== undefined) setClaim(claims, m.config['claim.name']!, value);
        break;
      }
      case 'oidc-full-name-mapper':
        claims.name = `${user.firstName} ${user.lastName}`;
        break;
      default:
        throw new Error(`mapper ${m.name}: ${m.protocolMapper} is not one this test knows`);
    }
  }
  return claims;
}

describe('the Keycloak realm', () => {
  let privateKey: CryptoKey;
  let api: FastifyInstance;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    // The API's verifier, as it runs (issuer, audience, algorithms from the config), trusting a key of the test's own.
    api = Fastify({ logger: false });
    await api.register(auth, { auth: config.auth, production: false, localKeys: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'realm', alg: 'RS256', use: 'sig' }] } });
    await api.ready();
  });
  afterAll(() => api?.close());

  it('is the realm the stack with Keycloak trusts, imported by compose at start', () => {
    expect(realm.enabled).toBe(true);
    expect(config.auth.issuer).toBe(`${composeHostname()}/realms/${realm.realm}`);
    const service = keycloakService();
    expect(service).toMatch(/command: \["start-dev", "--import-realm"\]/);
    expect(service).toContain(`- ./${REALM_FILE.slice(0, REALM_FILE.lastIndexOf('/'))}:${IMPORT_DIR}:ro`);
    expect(service).toMatch(/profiles: \[keycloak\]/);
    expect(keycloakEnv.COMPOSE_PROFILES).toBe('keycloak');
  });

  it('has exactly the roles of domain/roles.ts', () => {
    expect(realm.roles.realm.map((r) => r.name).sort()).toEqual([...ROLES].sort());
  });

  it("has the console's client: public, authorization code only, PKCE S256 required, the console's own redirects", () => {
    const client = consoleClient();
    const urls = consoleUrls(config);
    expect(client).toMatchObject({ enabled: true, publicClient: true, standardFlowEnabled: true, implicitFlowEnabled: false, directAccessGrantsEnabled: false });
    expect(client.attributes['pkce.code.challenge.method']).toBe('S256');
    expect(client.redirectUris).toEqual([urls.callback]);
    expect(client.attributes['post.logout.redirect.uris']).toBe(urls.afterSignOut);
    // The code is exchanged by the server, never by a script in a page: no origin is let in.
    expect(client.webOrigins).toEqual([]);
  });

  it("puts into each of its people's access tokens what the API reads: the audience, the roles, the office, the national ID", async () => {
    const client = consoleClient();
    const now = Math.floor(Date.now() / 1000);
    for (const user of realm.users) {
      const token = await new SignJWT({ ...accessTokenClaims(client, user), typ: 'Bearer', azp: client.clientId, preferred_username: user.username })
        .setProtectedHeader({ alg: 'RS256', kid: 'realm', typ: 'JWT' })
        .setIssuer(config.auth.issuer)
        // Keycloak's subject is its own user id.
        .setSubject(randomUUID())
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey);
      const principal = await api.verifyAccessToken(token);
      const seed = SEED_USERS.find((u) => u.username === user.username);
      expect(seed, `${user.username} is not one of identity/users.ts's people`).toBeDefined();
      expect(principal, user.username).toMatchObject({ roles: seed!.roles, officeId: seed!.officeId, nationalId: seed!.nationalId, name: `${user.firstName} ${user.lastName}`, client: client.clientId });
    }
  });

  it('lets only Keycloak administrators set the office and national ID (a person who could would choose whose cases they see)', () => {
    const [profile] = realm.components['org.keycloak.userprofile.UserProfileProvider'] ?? [];
    expect(profile?.providerId).toBe('declarative-user-profile');
    const attributes = (JSON.parse(profile!.config['kc.user.profile.config']![0]!) as { attributes: ProfileAttribute[] }).attributes;
    const byName = new Map(attributes.map((a) => [a.name, a]));
    const mapped = consoleClient().protocolMappers.filter((m) => m.protocolMapper === 'oidc-usermodel-attribute-mapper').map((m) => m.config['user.attribute']);
    expect(mapped.sort()).toEqual(['national_id', 'office_id']);
    for (const name of mapped) expect(byName.get(name!)?.permissions.edit, name).toEqual(['admin']);
    // Values as the API takes them.
    expect(byName.get('office_id')?.validations?.pattern?.pattern).toBe(OFFICE_ID_PATTERN);
    expect(byName.get('national_id')?.validations?.pattern?.pattern).toBe(ApplicantSchema.properties.nationalId.pattern);
  });

  it('has every person identity/users.ts seeds, so one of every role, who sign in with the development password at once', () => {
    expect(realm.users.map((u) => u.username).sort()).toEqual(SEED_USERS.map((u) => u.username).sort());
    for (const role of ROLES) expect(realm.users.some((u) => u.realmRoles.includes(role)), role).toBe(true);
    // The people `npm start` prints, one per role.
    for (const seed of DEV_SIGN_INS) expect(realm.users.find((u) => u.username === seed.username)?.realmRoles).toEqual(seed.roles);
    for (const user of realm.users) {
      expect(user.enabled, user.username).toBe(true);
      expect(user.credentials, user.username).toEqual([{ type: 'password', value: DEV_PASSWORD, temporary: false }]);
      // Nothing to do before the first sign-in: the user profile's required fields are filled in.
      expect(user.requiredActions ?? [], user.username).toEqual([]);
      expect(user.email && user.firstName && user.lastName, user.username).toBeTruthy();
    }
  });
});

/** The keycloak service's block of docker-compose.yml. */
function keycloakService(): string {
  const found = /\n {2}keycloak:\n((?: {4}.*\n|\s*\n)+)/.exec(compose);
  if (!found) throw new Error('docker-compose.yml has no keycloak service');
  return found[1]!;
}

/** The address Keycloak names itself by (KC_HOSTNAME), the issuer's origin. */
function composeHostname(): string {
  const found = /KC_HOSTNAME: (\S+)/.exec(keycloakService());
  if (!found) throw new Error('the keycloak service sets no KC_HOSTNAME');
  return found[1]!;
}
