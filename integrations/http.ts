// A small JSON-over-HTTP client on node:http with keep-alive, for the agency
// and SMS calls a worker makes on every case: fetch() costs several times the
// CPU per call, and a new connection per call costs a handshake each time.
import http from 'node:http';
import https from 'node:https';

const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }) };

export interface JsonResponse {
  status: number;
  body: string;
}

export class HttpTimeoutError extends Error {
  override name = 'HttpTimeoutError';
}

export function requestJson(
  method: 'GET' | 'POST',
  url: string,
  opts: { body?: unknown; headers?: Record<string, string>; timeoutMs: number },
): Promise<JsonResponse> {
  const target = new URL(url);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      {
        method,
        agent: agents[target.protocol as 'http:' | 'https:'],
        headers: {
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs, () => req.destroy(new HttpTimeoutError(`no answer from ${url} within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
