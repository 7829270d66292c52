// Every log line about a case names it: a request on a case (or one of its
// tasks) logs with `applicationId`, so one search finds a case's whole story.
import fp from 'fastify-plugin';

const CASE_ID = /^(TRK-[0-9]{8}-[0-9A-HJKMNP-TV-Z]{6})(?::|$)/;

export default fp(async function caseLogging(app) {
  app.addHook('preHandler', async (req, reply) => {
    const id = (req.params as { id?: unknown } | undefined)?.id;
    const match = typeof id === 'string' ? CASE_ID.exec(id) : null;
    if (!match) return;
    // The reply logs the request's completion: it needs the same binding.
    req.log = req.log.child({ applicationId: match[1] });
    reply.log = req.log;
  });
});
