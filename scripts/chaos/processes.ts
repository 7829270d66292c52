// The chaos run's processes, supervised as a process manager would (compose's
// `restart: unless-stopped`): one that exits when nobody asked it to is noted
// and started again. A kill the run makes on purpose is not a crash; the
// fault that made it restarts the process when its down time is over.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { cpuSeconds, sleep } from '../bots';
import { waitFor } from '../wait';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Between attempts at starting a process that failed to come up (its dependency is down, say). */
const RESTART_BACKOFF_MS = 1_000;
/** A worker bundles its workflows at start: tens of seconds on two busy cores. */
const READY_TIMEOUT_MS = 120_000;
/** How long a process may take to stop on SIGTERM before it is killed. */
const STOP_GRACE_MS = 15_000;

/** Starts one incarnation and resolves once it is ready to work; rejects (having killed it) when it is not. */
export type Launch = () => Promise<ChildProcess>;

export interface Crash {
  name: string;
  at: number;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

type State = 'down' | 'starting' | 'running' | 'killed' | 'stopping';

export class Supervised {
  private child?: ChildProcess;
  private state: State = 'down';
  private starting?: Promise<void>;
  /** CPU seconds of the incarnations that ended; the live one is read from /proc. */
  private pastCpu = 0;

  constructor(
    readonly name: string,
    private readonly launch: Launch,
    private readonly onCrash: (crash: Crash) => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** CPU used so far (a crashed incarnation's is missed: /proc no longer has it when its exit is seen). */
  get cpuSeconds(): number {
    const live = this.state === 'running' ? cpuSeconds(this.pid) : 0;
    return this.pastCpu + (Number.isNaN(live) ? 0 : live);
  }

  /** Takes charge of a process started elsewhere (the Temporal cluster's services, started together), as if start() had. */
  adopt(child: ChildProcess): void {
    if (this.state !== 'down') throw new Error(`${this.name} is already ${this.state}`);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} has already exited`);
    this.child = child;
    this.state = 'running';
    child.once('exit', (code, signal) => this.exited(child, code, signal));
  }

  /** Starts it, trying again until it comes up (a dependency may be down for the moment) or the deadline passes. */
  start(): Promise<void> {
    this.starting ??= this.startUntilReady().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startUntilReady(): Promise<void> {
    this.state = 'starting';
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      try {
        const child = await this.launch();
        this.child = child;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited as it came up`);
        this.state = 'running';
        child.once('exit', (code, signal) => this.exited(child, code, signal));
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`${this.name} did not come up within ${READY_TIMEOUT_MS} ms: ${(err as Error).message}`);
        await sleep(RESTART_BACKOFF_MS);
      }
    }
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    // A kill or a stop of ours set the state before it signalled: only an exit nobody asked for is a crash.
    if (child !== this.child || this.state !== 'running') return;
    this.state = 'down';
    this.onCrash({ name: this.name, at: Date.now(), pid: child.pid ?? 0, code, signal });
    void this.start().catch((err: unknown) => console.error(`chaos: ${(err as Error).message}`));
  }

  /** kill -9; the caller restarts it (start()) when it has been down long enough. Resolves once it is gone. */
  async kill9(): Promise<number> {
    const child = this.child;
    if (!child || this.state !== 'running') throw new Error(`${this.name} is not running (${this.state})`);
    this.noteCpu();
    this.state = 'killed';
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
    return child.pid!;
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const child = this.child;
    if (!child || this.state !== 'running') return;
    this.noteCpu();
    this.state = 'stopping';
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await gone;
    clearTimeout(killer);
  }

  /** For process exit: nothing asynchronous runs any more. */
  killSync(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private noteCpu(): void {
    const cpu = cpuSeconds(this.pid);
    if (!Number.isNaN(cpu)) this.pastCpu += cpu;
  }
}

/** `node --import tsx <script>`, its output appended to `logFile` (across incarnations). */
function spawnNode(opts: { script: string; env: NodeJS.ProcessEnv; logFile: string }): ChildProcess {
  const log = openSync(opts.logFile, 'a');
  try {
    return spawn(process.execPath, ['--import', 'tsx', opts.script], { cwd: ROOT, env: opts.env, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
}

/**
 * Launches `node --import tsx <script>`: node itself, not tsx's CLI, so a
 * kill -9 hits the process doing the work (the CLI would leave its child
 * serving).
 */
export function nodeProcess(opts: { script: string; env: NodeJS.ProcessEnv; logFile: string; ready: (child: ChildProcess) => Promise<boolean> }): Launch {
  return async () => {
    const child = spawnNode(opts);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`exited (${signal ?? code}) before it was ready; see ${opts.logFile}`))),
    );
    exited.catch(() => undefined);
    try {
      await Promise.race([waitFor(`${opts.script} to be ready`, () => opts.ready(child), { timeoutMs: READY_TIMEOUT_MS, intervalMs: 250 }), exited]);
      return child;
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  };
}

/** Runs a one-shot script (`node --import tsx <script>`) to its end; rejects unless it exits 0. */
export function runToEnd(opts: { script: string; env: NodeJS.ProcessEnv; logFile: string }): Promise<void> {
  const child = spawnNode(opts);
  return new Promise((resolve, reject) =>
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${opts.script} exited (${signal ?? code}); see ${opts.logFile}`)))),
  );
}

/**
 * A worker's readiness: Temporal sees this very process polling the task queue
 * (its identity is pid@host), not an earlier incarnation it still lists.
 */
export function pollsTaskQueue(connection: Pick<Connection, 'workflowService'>, taskQueue: string, namespace = 'default'): (child: ChildProcess) => Promise<boolean> {
  return async (child) => {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return pollers?.some((p) => p.identity === `${child.pid}@${os.hostname()}`) ?? false;
  };
}
