// Strict test IdP (certified OpenID provider): node start-op.mjs [port]  (port 0 = free port)
// Prints {"issuer":...} once listening; stops on SIGTERM.
// Env: IDP_TOKEN_TTL (access token seconds, default 3600), IDP_DEVICE_TTL (device code seconds, default 600),
//      IDP_SLOW_DOWN_AT=N: answer the Nth /token request with RFC 8628 slow_down (oidc-provider never sends it).
// Clients: kms-console (native, PKCE, no secret), kms-device (device flow), svc / svc-secret (client credentials).
import Provider from 'oidc-provider';
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const tokenTtl = Number(process.env.IDP_TOKEN_TTL ?? 3600);
const deviceTtl = Number(process.env.IDP_DEVICE_TTL ?? 600);
const srv = http.createServer();
await new Promise((r) => srv.listen(port, '127.0.0.1', r));
const issuer = `http://127.0.0.1:${srv.address().port}`;

const KMS = 'https://kms.test';
const provider = new Provider(issuer, {
  clients: [
    { client_id: 'kms-console', application_type: 'native', token_endpoint_auth_method: 'none',
      redirect_uris: ['http://localhost/authorization', 'http://127.0.0.1/authorization'],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
    { client_id: 'kms-device', application_type: 'native', token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      redirect_uris: [], response_types: [] },
    { client_id: 'svc', client_secret: 'svc-secret', grant_types: ['client_credentials'],
      redirect_uris: [], response_types: [] },
  ],
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'offline_access'],
  claims: { openid: ['sub'], email: ['email'] },
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ sub: id, email: id }) }),
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: tokenTtl, IdToken: tokenTtl, ClientCredentials: tokenTtl,
    DeviceCode: deviceTtl, Grant: 3600, Interaction: 600, Session: 3600,
    RefreshToken: 86400, AuthorizationCode: 60,
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => KMS,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'kms', audience: 'cosmian-kms', accessTokenFormat: 'jwt' }),
    },
  },
});
const slowDownAt = Number(process.env.IDP_SLOW_DOWN_AT ?? 0);
let tokenRequests = 0;
provider.use(async (ctx, next) => {
  if (slowDownAt && ctx.method === 'POST' && ctx.path === '/token' && ++tokenRequests === slowDownAt) {
    ctx.status = 400;
    ctx.body = { error: 'slow_down', error_description: 'polling too often' };
    return;
  }
  await next();
});
srv.on('request', provider.callback());
process.stdout.write(JSON.stringify({ issuer }) + '\n');
process.on('SIGTERM', () => srv.close(() => process.exit(0)));
