// The chaos harness's short round (scripts/chaos.ts --short): about 30 cases
// through the real processes while each is killed with -9, the Labor Office
// and the SMS gateway go down and PostgreSQL crashes; once on the Temporal dev
// server, once on the cluster (--cluster: Temporal's four services on
// PostgreSQL, each killed in turn, two workers, two APIs that the bots fail
// over between). The harness checks everything itself and exits 1 on any
// violation; this test runs it and reads its report, so a failure names the
// counts that were off. The rounds run one after the other: two at once
// would starve each other on two cores.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Count } from '../scripts/chaos/checks';
import type { FaultRecord } from '../scripts/chaos/faults';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The faults of each short round (scripts/chaos/faults.ts, faultPlan). */
const ROUNDS = [
  { topology: 'dev', flags: [], faults: 7 },
  { topology: 'cluster', flags: ['--cluster'], faults: 9 },
] as const;
/**
 * The round takes about two minutes when it passes; its outbox drain waits up
 * to 90 s more when messages are stuck. Beside the other test files on two
 * cores, both take longer.
 */
const ROUND_TIMEOUT_MS = 10 * 60_000;

interface Report {
  passed: boolean;
  faults: FaultRecord[];
  counts: Count[];
  gaveUp: string[];
}

describe('the chaos round', () => {
  it.each(ROUNDS)('on $topology: loses, duplicates and strands nothing while every process is killed and every dependency fails', { timeout: ROUND_TIMEOUT_MS }, async ({ topology, flags, faults }) => {
    const DATA_DIR = path.join(ROOT, `.data/test/chaos-${topology}`);
    const REPORT = path.join(ROOT, `.data/test/chaos-${topology}-report.json`);
    rmSync(REPORT, { force: true });
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chaos.ts', '--short', ...flags, '--data-dir', DATA_DIR, '--report', REPORT], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (b: Buffer) => (output = (output + b.toString()).slice(-30_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));

    expect(existsSync(REPORT), `no report; the harness said:\n${output}`).toBe(true);
    const report = JSON.parse(readFileSync(REPORT, 'utf8')) as Report;
    const violations = report.counts.filter((c) => c.violation && c.value !== 0).map((c) => `${c.group}: ${c.what} = ${c.value}`);
    expect(violations, output).toEqual([]);
    expect(report.faults.filter((f) => f.failed)).toEqual([]);
    // Every fault of the round was made, and every case was filed and counted.
    expect(report.faults.map((f) => f.fault)).toHaveLength(faults);
    const count = (what: string) => report.counts.find((c) => c.what === what)?.value;
    expect(count('acknowledged (201)')).toBe(count('planned'));
    expect(code, output).toBe(0);
  });
});
