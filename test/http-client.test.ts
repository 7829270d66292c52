// The agency and SMS client over a real socket: a kept-alive connection the
// server drops as it is reused is sent again once; any other reset is not.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestJson } from '../integrations/http';

/**
 * A server that answers `answerFirst` requests on its first connection, then
 * drops that connection when the next request arrives on it (what a server's
 * keep-alive timeout does when it fires just as the client reuses the socket).
 * Later connections are answered normally.
 */
async function flakyServer(answerFirst: number) {
  const seen: { connection: number; dropped: boolean }[] = [];
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const connection = ++connections;
    let buffered = '';
    let answered = 0;
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        buffered = buffered.slice(end + 4);
        if (connection === 1 && answered >= answerFirst) {
          seen.push({ connection, dropped: true });
          socket.destroy();
          return;
        }
        answered++;
        seen.push({ connection, dropped: false });
        const body = JSON.stringify({ connection });
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/check`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return { url, seen, close };
}

describe('requestJson on kept-alive connections', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('sends a request again, once, when the server dropped the reused connection before reading it', async () => {
    const server = await flakyServer(1);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(server.close, () => agent.destroy());

    const first = await requestJson('GET', server.url, { timeoutMs: 5_000, agent });
    expect(JSON.parse(first.body)).toEqual({ connection: 1 });
    const second = await requestJson('GET', server.url, { timeoutMs: 5_000, agent });

    expect(second.status).toBe(200);
    expect(JSON.parse(second.body)).toEqual({ connection: 2 });
    expect(server.seen).toEqual([
      { connection: 1, dropped: false },
      { connection: 1, dropped: true },
      { connection: 2, dropped: false },
    ]);
  });

  it('does not send again when a new connection is dropped', async () => {
    const server = await flakyServer(0);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(server.close, () => agent.destroy());

    await expect(requestJson('POST', server.url, { body: { a: 1 }, timeoutMs: 5_000, agent })).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.seen).toEqual([{ connection: 1, dropped: true }]);
  });
});
