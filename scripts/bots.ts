// What the throughput bench and the chaos harness share to drive the system
// from outside as its users do: an HTTP client acting as named people, list
// paging, a reviewer working an inbox, a bounded pool of jobs, and /proc
// readings of a process's CPU and memory.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { requestJson, type JsonResponse } from '../integrations/http';

/** Runs `count` jobs with at most `limit` in flight. */
export async function pool(count: number, limit: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The bots' HTTP client: node:http with keep-alive, acting as one of the
 * people it holds a token for. It runs on the machine of the system under
 * test, so it should cost as little CPU as a client on another machine would
 * cost this one (fetch costs several times more).
 *
 * Given several API instances (the cluster), it spreads its calls over them in
 * turn and fails over as a load balancer would: a call that finds no one
 * answering (the connection refused, reset or timed out) goes to the next
 * instance at once. An answer, 5xx included, is the caller's to judge.
 */
export class ApiClient<Who extends string> {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  readonly baseUrls: readonly string[];
  private next = 0;
  /** Calls that went to another instance because the one tried did not answer. */
  failovers = 0;

  constructor(
    baseUrl: string | readonly string[],
    private readonly tokens: Record<Who, string>,
    private readonly timeoutMs: number,
  ) {
    this.baseUrls = typeof baseUrl === 'string' ? [baseUrl] : baseUrl;
    if (this.baseUrls.length === 0) throw new Error('ApiClient: no API address');
  }

  async call(as: Who, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
    const first = this.next++ % this.baseUrls.length;
    for (let i = 0; ; i++) {
      const baseUrl = this.baseUrls[(first + i) % this.baseUrls.length]!;
      try {
        return await requestJson(method, baseUrl + path, {
          body,
          headers: { authorization: `Bearer ${this.tokens[as]}`, ...headers },
          timeoutMs: this.timeoutMs,
          agent: this.agent,
        });
      } catch (err) {
        if (i + 1 >= this.baseUrls.length) throw err;
        this.failovers++;
      }
    }
  }

  /**
   * Every item of a list endpoint (`path` carries the filters), following
   * nextCursor; each page goes through `page`, which the chaos harness uses
   * to retry a page across API restarts.
   */
  async listAll<T>(as: Who, path: string, page: (get: () => Promise<JsonResponse>) => Promise<JsonResponse> = (get) => get()): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    const sep = path.includes('?') ? '&' : '?';
    do {
      const url: string = `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await page(() => this.call(as, 'GET', url));
      if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${res.body}`);
      const body = JSON.parse(res.body) as { items: T[]; nextCursor: string | null };
      out.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    return out;
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * A reviewer (or any worker of a queue) polling a list and working each item
 * as soon as a poll shows it, not after the previous poll's batch: a team does
 * not wait for its slowest member. An item in hand is not started twice; one
 * the list still shows after it was worked (lists lag a moment) is worked
 * again, and `work` must take that. The first failure stops the loop and is
 * thrown once the items in hand are done.
 */
export async function workInbox(opts: {
  list: () => Promise<string[]>;
  work: (id: string) => Promise<void>;
  pollMs: number;
  running: () => boolean;
}): Promise<void> {
  const working = new Map<string, Promise<void>>();
  let failure: unknown;
  while (opts.running()) {
    if (failure !== undefined) break;
    for (const id of await opts.list()) {
      if (working.has(id)) continue;
      working.set(id, opts.work(id).catch((err: unknown) => void (failure ??= err)).finally(() => working.delete(id)));
    }
    await sleep(opts.pollMs);
  }
  await Promise.all(working.values());
  if (failure !== undefined) throw failure;
}

/** CPU seconds (user + system) in a /proc `stat` file: a process's, or one thread's. */
export function statCpuSeconds(statFile: string): number {
  const fields = readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds (user + system) a process has used so far, from /proc; NaN when it cannot be read. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    return statCpuSeconds(`/proc/${pid}/stat`);
  } catch {
    return NaN;
  }
}

/** CPU seconds of every PostgreSQL process on this machine (the server's backends included). */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(pid));
    } catch {
      // the process ended between listing and reading
    }
  }
  return total;
}

/** A process's peak resident memory in MiB (VmHWM), or NaN when it cannot be read. */
export function peakMemoryMiB(pid: number | undefined): number {
  return memoryMiB(pid, 'VmHWM');
}

/** A process's memory as /proc says it: `VmHWM` its peak resident set, `VmRSS` its resident set now. */
export function memoryMiB(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  if (!pid) return NaN;
  try {
    const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
