// Free TCP ports for processes that must be told their port up front (a
// child process, or one restarted on the same port after it was killed).
import { createServer } from 'node:net';

/** A port nothing listens on now (the OS's pick); another process could take it before ours does, which is rare enough here. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether this process can listen on the port now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Ports below this are the ones people pick by hand (3000, 5432, 7233, ...); the ephemeral range starts at 32768. */
const RANGE_LOW = 20_000;
const RANGE_HIGH = 32_000;

/**
 * The first of `count` consecutive free ports (the Temporal cluster numbers
 * its services' ports from one base), from random bases below the OS's
 * ephemeral range, so an outgoing connection does not take one meanwhile.
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = RANGE_LOW + Math.floor(Math.random() * (RANGE_HIGH - RANGE_LOW - count));
    let free = true;
    for (let p = base; p < base + count && free; p++) free = await canListen(p);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports found between ${RANGE_LOW} and ${RANGE_HIGH}`);
}
