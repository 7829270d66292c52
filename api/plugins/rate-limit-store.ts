// The rate limits' counters in PostgreSQL (rate_limit_hits) instead of each
// process's memory: every API instance counts a client's requests in the same
// row, so two instances behind a load balancer allow what one would, not
// twice it. A store in the shape @fastify/rate-limit expects: the plugin makes
// one with its options, and one child per limiter.
import { sql } from 'drizzle-orm';
import { executeNamed } from '../../db/client';
import type { Db } from '../../db/db';

/** Rows of windows that closed are deleted this often; a closed window's row is also reused by its key's next hit. */
const SWEEP_INTERVAL_MS = 5 * 60_000;
/**
 * A counter not had by then (the database stalled: it takes connections and
 * never answers) is given up, and the request goes on unlimited: two limits
 * each waiting longer would hold /health past its probes' timeout, and every
 * other request with it.
 */
const COUNT_TIMEOUT_MS = 1_000;

/** What the plugin reads back: the hits in the window so far, and how long the window has left. */
interface Hits {
  current: number;
  ttl: number;
}
type Callback = (err: Error | null, hits?: Hits) => void;

/** A limiter's own options, beside the plugin's: its keys' namespace, so two limits never share a counter. */
export interface LimiterOptions {
  keyPrefix?: string;
}

export interface RateLimitStore {
  /** The class the plugin's `store` option takes. */
  Store: new (options: LimiterOptions) => unknown;
  /** Deletes the rows of closed windows now and then; returns the stop. */
  startSweeping(): () => void;
}

export function postgresRateLimitStore(db: Db): RateLimitStore {
  class PostgresStore {
    private readonly prefix: string;

    constructor(options: LimiterOptions) {
      this.prefix = options.keyPrefix ?? '';
    }

    /**
     * One statement, so two instances counting the same key at once never
     * lose a hit: the row's lock orders them. A hit after the window closed
     * starts the next window at 1.
     */
    incr(key: string, cb: Callback, timeWindowMs: number): void {
      let answered = false;
      const answer = (err: Error | null, hits?: Hits) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        cb(err, hits);
      };
      const timer = setTimeout(() => answer(new Error(`no rate-limit count from the database within ${COUNT_TIMEOUT_MS} ms`)), COUNT_TIMEOUT_MS);
      executeNamed<{ hits: number; ttl: number }>(
        db,
        'rate_limit_hit',
        sql`insert into rate_limit_hits as h (key, window_ends, hits)
            values (${this.prefix + key}, clock_timestamp() + make_interval(secs => ${timeWindowMs / 1000}::float8), 1)
            on conflict (key) do update set
              hits = case when h.window_ends <= clock_timestamp() then 1 else h.hits + 1 end,
              window_ends = case when h.window_ends <= clock_timestamp() then excluded.window_ends else h.window_ends end
            returning hits, ceil(extract(epoch from (window_ends - clock_timestamp())) * 1000)::int as ttl`,
      ).then(
        ([row]) => answer(null, { current: row!.hits, ttl: Math.max(0, row!.ttl) }),
        (err: Error) => answer(err),
      );
    }

    child(options: LimiterOptions): PostgresStore {
      return new PostgresStore(options);
    }
  }

  return {
    Store: PostgresStore,
    startSweeping() {
      const timer = setInterval(() => {
        // Every instance sweeps; deleting a row another just deleted is nothing.
        db.execute(sql`delete from rate_limit_hits where window_ends < clock_timestamp()`).catch(() => undefined);
      }, SWEEP_INTERVAL_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
