// What the SMS gateway (the simulator) received, for tests that count sends:
// `requests` holds every send that reached it, repeats of a reference included;
// `messages` is the merged view (one per reference), which hides a double send.
import { eq, inArray } from 'drizzle-orm';
import { expect } from 'vitest';
import { smsOutbox } from '../../db/schema';
import type { SmsMessage, SmsRequest } from '../../simulator/app';
import { waitFor, type TestEnv } from './env';

export type Gateway = { messages: SmsMessage[]; requests: SmsRequest[] };

export async function gateway(simulatorUrl: string): Promise<Gateway> {
  const res = await fetch(`${simulatorUrl}/_control/sms`);
  expect(res.status).toBe(200);
  return res.json() as Promise<Gateway>;
}

const ofCases = (ids: string[]) => (reference: string) => ids.some((id) => reference.startsWith(`${id}:`));

/**
 * Waits until every message the cases queued is marked sent, then checks that the gateway received exactly one
 * request per message, each taken (202) and none a repeat, and nothing for these cases the outbox does not hold.
 * For a gateway without faults: with none, one request per message is all a correct dispatcher makes.
 * Returns the outbox rows, in order.
 */
export async function expectEachSentOnce(env: TestEnv, ids: string[], opts: { timeoutMs?: number } = {}) {
  const rows = await waitFor(
    `every SMS of ${ids.join(', ')} sent`,
    async () => {
      const r = await env.db.db.select().from(smsOutbox).where(ids.length === 1 ? eq(smsOutbox.applicationId, ids[0]!) : inArray(smsOutbox.applicationId, ids)).orderBy(smsOutbox.id);
      return r.length > 0 && r.every((m) => m.status === 'sent') ? r : undefined;
    },
    { timeoutMs: opts.timeoutMs ?? 30_000 },
  );
  const seen = await gateway(env.simulatorUrl);
  const mine = ofCases(ids);
  const keys = rows.map((r) => r.dedupeKey).sort();
  expect(seen.requests.filter((r) => mine(r.reference)).map((r) => [r.reference, r.status, r.repeat]).sort()).toEqual(keys.map((k) => [k, 202, false]));
  expect(seen.messages.filter((m) => mine(m.reference)).map((m) => m.reference).sort()).toEqual(keys);
  return rows;
}
