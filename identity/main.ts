// The built-in token issuer as its own process (docker-compose runs it this
// way). A stand-in for the municipality's identity provider: replace it by
// pointing AUTH_ISSUER and AUTH_JWKS_URL at Keycloak or the national gateway.
import path from 'node:path';
import { loadConfig, refuseInProduction } from '../config';
import { onStopSignal } from '../integrations/signals';
import { startIssuer } from './issuer';

async function main(): Promise<void> {
  // It hands out tokens for a fixed password: never where the municipality's identity provider should be.
  refuseInProduction('the built-in token issuer');
  const config = loadConfig();
  const issuer = await startIssuer({
    // The URL clients reach it at is the one its tokens name (ISSUER_URL, or AUTH_ISSUER).
    url: process.env.ISSUER_URL ?? config.auth.issuer,
    host: config.auth.builtInIssuerHost,
    port: config.auth.builtInIssuerPort,
    audience: config.auth.audience,
    tokenTtlSeconds: config.auth.tokenTtlSeconds,
    keyFile: path.resolve(config.auth.builtInIssuerKeyFile),
    // The web console signs in here (authorization code with PKCE).
    consoleUrl: `${config.api.publicUrl.replace(/\/$/, '')}/console`,
  });
  console.log(`token issuer ${issuer.url} listening on ${config.auth.builtInIssuerHost}:${config.auth.builtInIssuerPort}`);
  onStopSignal(() => void issuer.close());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
