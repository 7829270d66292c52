// The API's Temporal client. Its gRPC retries are bounded: an API caller should
// learn within a few seconds that Temporal is down (503, retry with the same
// Idempotency-Key), not wait the client's default ~20 s.
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { Config } from '../config';
import { clientInterceptors, type Tracing } from './tracing';

/** Attempts per gRPC call: rides out a blip or a server restart, not an outage. */
const API_GRPC_ATTEMPTS = 4;

export async function connectTemporalClient(config: Config, tracing?: Tracing): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({
    address: config.temporal.address,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: API_GRPC_ATTEMPTS }))],
  });
  return { client: new Client({ connection, namespace: config.temporal.namespace, interceptors: clientInterceptors(tracing) }), connection };
}
