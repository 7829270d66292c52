// Polling with a deadline: for tests and the harnesses that drive the system
// from outside and can only look again until what they wait for is true.

/**
 * Calls `check` until it returns a value (not undefined or false), or throws
 * once `timeoutMs` has passed; an error `fatal` picks is thrown at once.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 100, fatal = (_err: unknown): boolean => false } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      if (fatal(err)) throw err;
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
