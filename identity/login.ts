// The built-in issuer's login page: oidc-provider's "interaction", rendered by
// us in the console's look and words. CSRF: the form posts to the
// interaction's own unguessable address, and oidc-provider accepts it only with
// the interaction cookie it set for that address (HttpOnly, SameSite=Lax, path
// of the interaction): a cross-site form carries no such cookie, and a page
// elsewhere cannot learn the uid. So no token of our own is needed here.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { html, layout, pagePolicy, type Html } from '../console/html';
import { localeOf, words, type Words } from '../console/i18n';
import { API_RESOURCE, CONSOLE_CLIENT_ID, INTERACTION_PATH } from './oidc';
import type { SeedUser } from './users';

export interface LoginOptions {
  provider: () => Provider;
  users: Map<string, SeedUser>;
  checkPassword(password: string): boolean;
  /** Where the brand leads, and the one origin the login's answer redirects to. */
  consoleUrl?: string;
}

/** Usernames are short; a longer field is no user of ours. */
const MAX_FIELD = 200;

function form(w: Words, uid: string, username: string, failed: boolean): Html {
  return html`${failed && html`<div class="panel bad" role="alert" id="login-error"><h2>${w.t('login.failed')}</h2><p>${w.t('login.failedHint')}</p></div>`}
<form method="post" action="${INTERACTION_PATH}/${uid}/login">
  <label for="username">${w.t('login.username')}</label>
  <input type="text" id="username" name="username" value="${username}" autocomplete="username" autocapitalize="none" spellcheck="false" dir="ltr" required maxlength="${MAX_FIELD}"${failed ? html` aria-describedby="login-error"` : ''}>
  <label for="password">${w.t('login.password')}</label>
  <input type="password" id="password" name="password" autocomplete="current-password" dir="ltr" required maxlength="${MAX_FIELD}">
  <div><button type="submit">${w.t('login.submit')}</button></div>
</form>`;
}

const loginPages: FastifyPluginAsync<LoginOptions> = async (app, opts) => {
  const policy = pagePolicy(opts.consoleUrl ? [new URL(opts.consoleUrl).origin] : []);
  const send = (reply: FastifyReply, status: number, w: Words, path: string, body: Html) =>
    reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', policy)
      .header('cache-control', 'no-store')
      .send(layout(w, { title: 'login.title', path, body, home: opts.consoleUrl }));

  /** The interaction this browser is in, or undefined when it has expired or its cookie is missing. */
  async function details(req: FastifyRequest, reply: FastifyReply) {
    return opts.provider().interactionDetails(req.raw, reply.raw).catch(() => undefined);
  }
  const expired = (reply: FastifyReply, w: Words, path: string) =>
    send(reply, 400, w, path, html`<div class="panel bad" role="alert"><h2>${w.t('login.expired')}</h2><p>${w.t('login.expiredHint')}</p></div>
${opts.consoleUrl && html`<p><a href="${opts.consoleUrl}">${w.t('console.title')}</a></p>`}`);

  /** Signed in: the console is first-party, so its grant is given here, with no consent page. */
  async function finish(req: FastifyRequest, reply: FastifyReply, accountId: string, clientId: string) {
    const provider = opts.provider();
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope('openid profile');
    grant.addResourceScope(API_RESOURCE, 'api');
    const grantId = await grant.save();
    const to = await provider.interactionResult(req.raw, reply.raw, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
    return reply.redirect(to, 303);
  }

  app.get<{ Params: { uid: string } }>(`${INTERACTION_PATH}/:uid`, async (req, reply) => {
    const w = words(localeOf(req, reply));
    const path = `${INTERACTION_PATH}/${encodeURIComponent(req.params.uid)}`;
    const interaction = await details(req, reply);
    if (!interaction || interaction.uid !== req.params.uid) return expired(reply, w, path);
    // Already signed in at the issuer (an earlier session): only the grant is missing.
    if (interaction.prompt.name === 'consent' && interaction.session?.accountId && interaction.params.client_id === CONSOLE_CLIENT_ID) {
      return finish(req, reply, interaction.session.accountId, CONSOLE_CLIENT_ID);
    }
    const body = html`<h1>${w.t('login.title')}</h1><p>${w.t('login.intro')}</p>${form(w, interaction.uid, '', false)}`;
    return send(reply, 200, w, path, body);
  });

  app.post<{ Params: { uid: string }; Body: { username?: string; password?: string } }>(`${INTERACTION_PATH}/:uid/login`, async (req, reply) => {
    const w = words(localeOf(req, reply));
    const path = `${INTERACTION_PATH}/${encodeURIComponent(req.params.uid)}`;
    const interaction = await details(req, reply);
    if (!interaction || interaction.uid !== req.params.uid || interaction.params.client_id !== CONSOLE_CLIENT_ID) return expired(reply, w, path);
    const username = String(req.body?.username ?? '').slice(0, MAX_FIELD);
    const user = opts.users.get(username);
    if (!user || !opts.checkPassword(String(req.body?.password ?? ''))) {
      const body = html`<h1>${w.t('login.title')}</h1>${form(w, interaction.uid, username, true)}`;
      return send(reply, 401, w, path, body);
    }
    return finish(req, reply, user.username, CONSOLE_CLIENT_ID);
  });
};

export default loginPages;
