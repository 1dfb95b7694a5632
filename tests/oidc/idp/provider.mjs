// A real OpenID Connect provider for the single sign-on tests: panva/oidc-provider (OpenID
// Certified), one confidential client, PKCE (S256) required, people read from a JSON file on
// every request so a test can change someone's groups between two log-ins.
//
//   node provider.mjs   with  OIDC_PORT (0 = any free port), OIDC_CLIENT_ID,
//   OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, OIDC_ACCOUNTS (path of the JSON file) and,
//   optionally, OIDC_NOW_MS (the test process's clock, in ms since the epoch: tokens are then
//   dated by that clock, which the tests may move away from the real one).
//
// Prints one line `ready <issuer>` on stdout once it listens. The accounts file is
// {"<login>": {"password": "...", "email": "...", "name": "...", "groups": ["..."]}}.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value && value !== '0') throw new Error(`${name} is required`);
  return value;
};

if (process.env.OIDC_NOW_MS) {
  const offset = Number(process.env.OIDC_NOW_MS) - Date.now();
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
}

const accountsFile = env('OIDC_ACCOUNTS');
const readAccounts = () => JSON.parse(readFileSync(accountsFile, 'utf8'));

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };

const configuration = {
  clients: [
    {
      client_id: env('OIDC_CLIENT_ID'),
      client_secret: env('OIDC_CLIENT_SECRET'),
      redirect_uris: [env('OIDC_REDIRECT_URI')],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    groups: ['groups'],
  },
  // Every authorization request must carry an S256 code challenge, confidential client or not.
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // The client is first party: the scopes it asks for are granted without a consent screen.
  async loadExistingGrant(ctx) {
    const { Grant } = ctx.oidc.provider;
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    const person = readAccounts()[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: person.email,
          email_verified: person.email_verified ?? true,
          name: person.name,
          preferred_username: id,
          groups: person.groups || [],
        };
      },
    };
  },
};

const port = Number(env('OIDC_PORT'));
const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  const oidc = provider.callback();

  const readBody = (req) =>
    new Promise((resolve, reject) => {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => resolve(new URLSearchParams(body)));
      req.on('error', reject);
    });

  const loginPage = (res, uid, error = '') => {
    res.writeHead(error ? 401 : 200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Test IdP sign-in</title>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<input name="login" autocomplete="username"><input name="password" type="password">
<button type="submit">Sign in</button></form>`);
  };

  server.on('request', async (req, res) => {
    const match = new URL(req.url, issuer).pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!match) return oidc(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.uid !== match[1]) throw new Error('interaction mismatch');
      if (req.method === 'GET' && !match[2]) return loginPage(res, details.uid);
      if (req.method !== 'POST' || !match[2]) {
        res.writeHead(405);
        return res.end();
      }
      const form = await readBody(req);
      const person = readAccounts()[form.get('login')];
      if (!person || person.password !== form.get('password')) {
        return loginPage(res, details.uid, 'Wrong login or password.');
      }
      return await provider.interactionFinished(
        req,
        res,
        { login: { accountId: form.get('login') } },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return res.end(String(error));
    }
  });

  process.stdout.write(`ready ${issuer}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
