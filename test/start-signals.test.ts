// `npm start` under a process manager: the manager signals the npm process
// alone (not its process group), and everything npm started must stop. npm
// passes the signal to its child only; before `exec` in the script line, that
// child was the `sh -c` npm runs scripts with, which waited on and stopped
// nothing (and on SIGTERM died alone, leaving node serving).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../scripts/ports';
import { waitFor } from './support/env';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Migrating PGlite and bundling the workflows, on a machine the other test files keep busy. */
const READY_TIMEOUT_MS = 150_000;
/** The worker drains, the API and the embedded database close: a few seconds. */
const STOP_TIMEOUT_MS = 30_000;

/** Every process below `pid`, from /proc (Linux). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The field after the command name (which may hold spaces, hence the last ')') is the state, then the parent.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended between listing and reading
    }
  }
  const out: number[] = [];
  const visit = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'tarkhees-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start', () => {
  it('stops everything when the npm process alone gets SIGINT', { timeout: READY_TIMEOUT_MS + STOP_TIMEOUT_MS + 10_000 }, async () => {
    const [apiPort, simulatorPort, issuerPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // The suite's Temporal server (start.ts then runs none), on a queue of its own.
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `start-signals-${randomUUID()}`,
      PGLITE_DIR: path.join(dir, 'pglite'),
      ISSUER_KEY_FILE: path.join(dir, 'issuer-key.json'),
      API_PORT: String(apiPort),
      SIMULATOR_PORT: String(simulatorPort),
      ISSUER_PORT: String(issuerPort),
      LOG_LEVEL: 'warn',
    };
    // Whatever points start.ts at outside services would leave it less to stop.
    for (const k of ['DATABASE_URL', 'AUTH_ISSUER', 'LABOR_OFFICE_URL', 'ZAKAT_URL', 'API_PUBLIC_URL']) delete env[k];
    const npm = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    npm.stdout.on('data', (b: Buffer) => (output += b.toString()));
    npm.stderr.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    let below: number[] = [];
    try {
      await Promise.race([
        waitFor('npm start to print that Tarkhees is running', () => output.includes('Tarkhees is running'), { timeoutMs: READY_TIMEOUT_MS, intervalMs: 250 }),
        exited.then((code) => Promise.reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`))),
      ]);
      below = descendants(npm.pid!);
      expect(below.length).toBeGreaterThan(0);

      process.kill(npm.pid!, 'SIGINT');
      await waitFor('npm and every process below it to exit', () => !alive(npm.pid!) && below.every((p) => !alive(p)), { timeoutMs: STOP_TIMEOUT_MS, intervalMs: 200 });
      // node stopped cleanly (start.ts exits 0 after closing everything), and npm reports that.
      expect(await exited).toBe(0);
    } finally {
      // A failed run leaves nothing behind: npm and what it had started when it was ready.
      for (const p of [npm.pid!, ...below]) if (alive(p)) process.kill(p, 'SIGKILL');
    }
  });
});
