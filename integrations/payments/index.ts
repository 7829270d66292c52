// The payment gateway a worker collects fees through, from configuration: in
// development and tests its URL is the simulator's (simulator/payments.ts).
import type { Config } from '../../config';
import type { PaymentGateway } from './gateway';
import { createHttpGateway } from './http';

export * from './gateway';

export function createPaymentGateway(config: Config['payments']): PaymentGateway {
  return createHttpGateway({ url: config.gatewayUrl, token: config.gatewayToken, timeoutMs: config.timeoutMs });
}
