// Runs the agency/SMS/payment-gateway simulator as its own process for `npm run simulator` and the
// dev start script; tests build it in-process with buildSimulator() instead.
import { agencyReportSecrets, ConfigError, paymentNotificationSecret, refuseInProduction } from '../config';
import { onStopSignal } from '../integrations/signals';
import { buildSimulator } from './app';

// It answers every CR number as the last digit says: a production worker pointed at it would license anyone.
refuseInProduction('the agency and SMS simulator');

// Empty counts as unset, matching how config.ts reads the environment.
const host = process.env.SIMULATOR_HOST?.trim() || '127.0.0.1';
const rawPort = process.env.SIMULATOR_PORT?.trim() || '4010';
const port = Number(rawPort);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`simulator: SIMULATOR_PORT "${rawPort}" is not a port`);
  process.exit(1);
}

// The agencies' reports go to Tarkhees's API, signed with the secrets its config reads (the same variables).
const tarkheesUrl = process.env.TARKHEES_URL?.trim() || `http://127.0.0.1:${process.env.API_PORT?.trim() || '3000'}`;
// The payment gateway's notifications go there too, signed with the secret the API checks them with.
let secrets: ReturnType<typeof agencyReportSecrets>;
let paymentSecret: string;
try {
  secrets = agencyReportSecrets();
  paymentSecret = paymentNotificationSecret();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`simulator: ${err.message}`);
  process.exit(1);
}

const app = buildSimulator({
  reports: { url: tarkheesUrl.replace(/\/$/, ''), secrets },
  payments: { notifyUrl: tarkheesUrl, secret: paymentSecret, token: process.env.PAYMENT_GATEWAY_TOKEN?.trim() || undefined },
});
let address: string;
try {
  address = await app.listen({ host, port });
} catch (err) {
  console.error(`simulator: cannot listen on ${host}:${port}: ${(err as Error).message}`);
  process.exit(1);
}
console.log(`simulator listening on ${address}`);

// Ctrl-C again (not the copy npm forwards) means "stop waiting", e.g. for a client holding a connection open.
onStopSignal(() => {
  app.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`simulator: error while closing: ${(err as Error).message}`);
      process.exit(1);
    },
  );
});
