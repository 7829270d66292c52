// The worker's log lines: one JSON object each, like the API's (pino), so one
// log pipeline reads both. A line about a case carries its applicationId: the
// SDK puts the workflow id on every line from a workflow or an activity, and an
// application's workflow id is its application id (see workflowIdFor).
import { DefaultLogger, makeTelemetryFilterString, type LogEntry, type LogLevel, type Logger, type RuntimeOptions } from '@temporalio/worker';
import { APPLICATION_ID_PATTERN } from '../domain/identifiers';

/** pino's numeric levels, so queries over both processes' logs can share `level >= 40`. */
const PINO_LEVELS: Record<LogLevel, number> = { TRACE: 10, DEBUG: 20, INFO: 30, WARN: 40, ERROR: 50 };
const applicationIdPattern = new RegExp(APPLICATION_ID_PATTERN);

/** One log entry as a JSON line (exported for its test). */
export function logLine(entry: LogEntry): string {
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
  const applicationId = workflowId && applicationIdPattern.test(workflowId) ? workflowId : undefined;
  return JSON.stringify({
    level: PINO_LEVELS[entry.level] ?? 30,
    time: Number(entry.timestampNanos / 1_000_000n),
    name: 'tarkhees-worker',
    msg: entry.message,
    ...(applicationId ? { applicationId } : {}),
    ...meta,
  }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The runtime's logger and log forwarding: the SDK's and the core's lines, as JSON on stdout. */
export function workerRuntimeLogging(level: string): { logger: Logger; logging: NonNullable<NonNullable<RuntimeOptions['telemetryOptions']>['logging']> } {
  const sdkLevel = (level.toUpperCase() === 'FATAL' ? 'ERROR' : level.toUpperCase()) as LogLevel;
  const valid = sdkLevel in PINO_LEVELS ? sdkLevel : 'INFO';
  return {
    logger: new DefaultLogger(valid, (entry) => process.stdout.write(`${logLine(entry)}\n`)),
    // The core's own lines (a failing workflow task, a lost connection) go through the same logger; below WARN it is noise.
    logging: { forward: {}, filter: makeTelemetryFilterString({ core: valid === 'ERROR' ? 'ERROR' : 'WARN' }) },
  };
}
