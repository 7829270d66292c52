// How the long-running processes (API, worker, simulator, issuer, the
// single-machine start) take a stop signal.
//
// A Ctrl-C in a terminal reaches a process npm runs twice: once from the
// terminal, which signals the whole process group, and once from npm, which
// passes each SIGINT or SIGTERM it gets on to its child. The copies arrive a
// few milliseconds apart. A `process.once` handler is gone by the second, and
// Node's default for a signal nobody listens to is to die at once: the
// process would be killed in the middle of its own shutdown.

/** Copies of one stop request arrive within milliseconds; a person pressing Ctrl-C again takes longer than this. */
const SAME_REQUEST_MS = 1_000;

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Calls `stop` on the first SIGINT or SIGTERM. A signal within a second of it
 * is the same request again and is ignored; a later one means "stop waiting"
 * and calls `force` (by default: exit now, with status 1).
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void, force: () => void = () => process.exit(1)): void {
  let first: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = Date.now();
      stop(signal);
    } else if (Date.now() - first > SAME_REQUEST_MS) {
      force();
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
}
