// A TCP forwarder between a process under test and one of its dependencies
// (PostgreSQL, the Temporal frontend), so a test can take the dependency away
// while the process keeps running, as an outage does, and give it back:
// `down()` refuses connections (a stopped server), `stall()` accepts them and
// never answers (a host gone silent, a hung server), `up()` forwards again.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** host:port, as a Temporal address. */
  address: string;
  down(): Promise<void>;
  stall(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'forward' | 'stall' = 'forward';
  const open = new Set<Socket>();
  /** Connections being forwarded, client side to upstream side. */
  const pairs = new Map<Socket, Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => s.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (mode === 'stall') return;
    const upstream = connect(target);
    track(upstream);
    client.pipe(upstream).pipe(client);
    pairs.set(client, upstream);
    client.on('close', () => {
      pairs.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const cutAll = () => {
    for (const s of open) s.destroy();
  };
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));

  await listen(0);
  const port = (server.address() as { port: number }).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    async down() {
      const closed = stopListening();
      cutAll();
      await closed;
    },
    async stall() {
      mode = 'stall';
      // Open connections stay open and go quiet too, as they do when the server hangs.
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
      if (!server.listening) await listen(port);
    },
    async up() {
      mode = 'forward';
      cutAll();
      if (!server.listening) await listen(port);
    },
    async close() {
      const closed = stopListening();
      cutAll();
      await closed;
    },
  };
}
