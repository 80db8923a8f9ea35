// Lenient test IdP: node start-mock.mjs [port]  (port 0 = free port)
// Prints {"issuer":..., "port":...} once listening; stops on SIGTERM/SIGINT.
// Env: IDP_TOKEN_TTL (seconds, default 3600), IDP_EMAIL (default alice@example.com).
// Control: one JSON command per stdin line, acknowledged by {"ack":cmd} on stdout:
//   {"cmd":"authorize_error","error":"access_denied"}  next /authorize redirects with error=
//   {"cmd":"fail_refresh","error":"invalid_grant"}     every refresh grant fails until {"cmd":"heal"}
//   {"cmd":"ttl","seconds":N}                           lifetime of tokens issued from now on
//   {"cmd":"wrong_nonce"}                               the next ID token carries another nonce (replay)
// Events (no token values) are logged as JSON lines on stderr.
import { OAuth2Server } from 'oauth2-mock-server';
import readline from 'node:readline';

const port = Number(process.argv[2] ?? 0);
let ttl = Number(process.env.IDP_TOKEN_TTL ?? 3600);
const email = process.env.IDP_EMAIL ?? 'alice@example.com';
let authorizeError = null;
let refreshError = null;
let wrongNonce = false;
const revoked = new Set();
const log = (event) => process.stderr.write(JSON.stringify(event) + '\n');

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
const service = server.service;

service.on('beforeTokenSigning', (token, req) => {
  const body = req.body ?? {};
  token.payload.email = email;
  token.payload.exp = token.payload.iat + ttl;
  if (wrongNonce && token.payload.nonce !== undefined) {
    token.payload.nonce = 'replayed-nonce';
    wrongNonce = false;
  }
  if (token.payload.sub === undefined) {  // client_credentials: the subject is the client, as real IdPs do
    const basic = (req.headers.authorization ?? '').replace(/^Basic /i, '');
    token.payload.sub = body.client_id ?? (Buffer.from(basic, 'base64').toString().split(':')[0] || 'client');
  }
  log({ event: 'token', grant_type: body.grant_type, has_code_verifier: 'code_verifier' in body,
        client_id: body.client_id, has_basic_auth: !!req.headers.authorization });
});

service.on('beforeResponse', (response, req) => {
  const body = req.body ?? {};
  if (body.grant_type === 'refresh_token') {
    const reason = refreshError ?? (revoked.has(body.refresh_token) ? 'invalid_grant' : null);
    if (reason) {
      response.statusCode = 400;
      response.body = { error: reason, error_description: 'refresh token is not valid' };
      log({ event: 'refresh_refused', error: reason });
      return;
    }
  }
  if (response.statusCode === 200) response.body.expires_in = ttl;
});

service.on('beforeAuthorizeRedirect', (redirect) => {
  if (authorizeError) {
    redirect.url.searchParams.delete('code');
    redirect.url.searchParams.set('error', authorizeError);
    redirect.url.searchParams.set('error_description', 'The user refused the request');
    authorizeError = null;
  }
});

// The library parses only JSON bodies on /revoke; RFC 7009 clients post a form: read it here.
service.on('beforeRevoke', (_response, req) => {
  let raw = '';
  req.on('data', (chunk) => { raw += chunk; });
  req.on('end', () => {
    const body = Object.keys(req.body ?? {}).length ? req.body : Object.fromEntries(new URLSearchParams(raw));
    if (body.token) revoked.add(body.token);
    log({ event: 'revoke', token_type_hint: body.token_type_hint ?? null, has_token: !!body.token });
  });
});

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line);
  if (cmd.cmd === 'authorize_error') authorizeError = cmd.error ?? 'access_denied';
  else if (cmd.cmd === 'fail_refresh') refreshError = cmd.error ?? 'invalid_grant';
  else if (cmd.cmd === 'heal') refreshError = null;
  else if (cmd.cmd === 'ttl') ttl = Number(cmd.seconds);
  else if (cmd.cmd === 'wrong_nonce') wrongNonce = true;
  process.stdout.write(JSON.stringify({ ack: cmd.cmd }) + '\n');
});

await server.start(port, '127.0.0.1');
// The library names the issuer http://localhost:PORT; pin it to the literal address we bound.
server.issuer.url = `http://127.0.0.1:${server.address().port}`;
process.stdout.write(JSON.stringify({ issuer: server.issuer.url, port: server.address().port }) + '\n');

const stop = async () => { await server.stop(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
