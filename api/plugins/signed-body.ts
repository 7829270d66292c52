// For the routes whose caller is whoever signed the raw body (an agency's
// report, the payment gateway's notification), not a token: the signature is
// checked over the bytes as sent, before the body is parsed or judged by
// anything else. Called inside the route's own plugin, so its parser and hooks
// reach no other route.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface SignedBody {
  bodyLimit: number;
  /** Sets the signer as the request's principal, or throws the 401 saying what is wrong. */
  authenticate(req: FastifyRequest, raw: Buffer): void;
  /** The challenge a refused caller is answered with. */
  wwwAuthenticate: string;
}

export function acceptSignedBodies(app: FastifyInstance, opts: SignedBody): void {
  app.removeContentTypeParser('application/json');
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (req, raw, done) => {
    try {
      opts.authenticate(req, raw as Buffer);
    } catch (err) {
      return done(err as Error, undefined);
    }
    // Fastify's own JSON parser (prototype poisoning refused), over the bytes just checked.
    json(req, (raw as Buffer).toString('utf8'), done);
  });
  // A request with no body never reaches the parser: its signature (over nothing) is checked here instead.
  app.addHook('preValidation', async (req) => {
    if (!req.principal) opts.authenticate(req, Buffer.alloc(0));
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.statusCode === 401) reply.header('www-authenticate', opts.wwwAuthenticate);
    return payload;
  });
}
