// HTTP/1.1 over a plain TCP socket, for what inject and node:http cannot send:
// raw bytes in the request line (invalid UTF-8, NUL), and a chosen client
// address (any 127.x.y.z reaches a server listening on 127.0.0.1 on Linux),
// so per-address limits can be exercised from several "machines".
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  port: number;
  method: string;
  /** The request target exactly as sent: a string (latin1, byte for byte) or bytes. */
  target: string | Buffer;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The client's address (default 127.0.0.1). */
  localAddress?: string;
  timeoutMs?: number;
}

export function rawRequest(r: RawRequest): Promise<RawAnswer> {
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  const headers = { host: '127.0.0.1', connection: 'close', ...(body.length || r.body !== undefined ? { 'content-length': String(body.length) } : {}), ...r.headers };
  const head = Buffer.concat([
    Buffer.from(`${r.method} `, 'latin1'),
    Buffer.isBuffer(r.target) ? r.target : Buffer.from(r.target, 'latin1'),
    Buffer.from(` HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`, 'latin1'),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: r.port, localAddress: r.localAddress ?? '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.setTimeout(r.timeoutMs ?? 10_000, () => socket.destroy(new Error(`no answer within ${r.timeoutMs ?? 10_000} ms`)));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    // The server closes after its answer (connection: close), or resets on a request it cannot parse.
    socket.on('close', () => {
      try {
        resolve(parseAnswer(Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
      }
    });
    // Not end(): the server drops a connection whose client half-closes before the answer.
    socket.write(Buffer.concat([head, body]));
  });
}

function parseAnswer(raw: Buffer): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no HTTP answer (got ${raw.length} bytes: ${JSON.stringify(raw.toString('latin1').slice(0, 200))})`);
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!status) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status, headers, body: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; ; ) {
    const eol = data.indexOf('\r\n', at);
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!size) return Buffer.concat(out);
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
