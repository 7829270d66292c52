// Free TCP ports for processes that must be told their port up front (a
// child process, or one restarted on the same port after it was killed).
//
// They are picked below the OS's ephemeral range (32768 and up on Linux),
// not by listening on port 0: a port the OS picks is one it also hands out as
// the local end of outgoing connections, and on a busy machine (a test suite
// opening pools, a bench) one such connection can take it between the pick
// and the child's listen, and keep it for minutes.
import { createServer } from 'node:net';

/** Ports below this are the ones people pick by hand (3000, 5432, 7233, ...). */
const RANGE_LOW = 20_000;
const RANGE_HIGH = 32_000;
/** Random picks before giving up: the range is large, so this is only a bound on a mistake. */
const ATTEMPTS = 200;
/** Ports this process has handed out already: two picks at once must not both return one port. */
const handedOut = new Set<number>();

/** Whether this process can listen on the port now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The first of `count` consecutive free ports (the Temporal cluster numbers
 * its services' ports from one base).
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const base = RANGE_LOW + Math.floor(Math.random() * (RANGE_HIGH - RANGE_LOW - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => handedOut.has(p))) continue;
    ports.forEach((p) => handedOut.add(p));
    let free = true;
    for (const p of ports) if (free) free = await canListen(p);
    if (free) return base;
    ports.forEach((p) => handedOut.delete(p));
  }
  throw new Error(`no ${count} consecutive free ports found between ${RANGE_LOW} and ${RANGE_HIGH}`);
}

/** A port nothing listens on now; another process could still take it before ours does, which is rare enough here. */
export function freePort(): Promise<number> {
  return freePortRange(1);
}
