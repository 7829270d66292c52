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

export interface RequestJsonOptions {
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Another keep-alive pool than the shared one (the bench's bots keep theirs apart). */
  agent?: http.Agent;
}

/**
 * One JSON request. A kept-alive connection the server closed just as it was
 * reused fails before the request was read (ECONNRESET on a reused socket, no
 * answer): that one is sent again once, on a new connection, as Node's HTTP
 * docs advise. Anything else is the caller's to retry.
 */
export async function requestJson(method: 'GET' | 'POST', url: string, opts: RequestJsonOptions): Promise<JsonResponse> {
  try {
    return await requestOnce(method, url, opts);
  } catch (err) {
    if (!(err instanceof StaleConnectionError)) throw err;
    // Safe for the callers here: agency checks are reads, and an SMS carries the reference gateways dedupe on.
    return requestOnce(method, url, opts).catch((again: unknown) => {
      throw again instanceof StaleConnectionError ? again.cause : again;
    });
  }
}

class StaleConnectionError extends Error {}

function requestOnce(method: 'GET' | 'POST', url: string, opts: RequestJsonOptions): Promise<JsonResponse> {
  const target = new URL(url);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = transport.request(
      target,
      {
        method,
        agent: opts.agent ?? agents[target.protocol as 'http:' | 'https:'],
        headers: {
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        answered = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs, () => req.destroy(new HttpTimeoutError(`no answer from ${url} within ${opts.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(!answered && req.reusedSocket && err.code === 'ECONNRESET' ? new StaleConnectionError(err.message, { cause: err }) : err);
    });
    req.end(payload);
  });
}
