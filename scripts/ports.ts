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
