/**
 * Google's OAuth 2.0 web-server flow with PKCE (S256). `access_type=offline` plus `prompt=consent`
 * makes Google return a refresh token on every consent, not only the first one.
 */
import {
  type ConnectorContext,
  ConnectorError,
  type OAuthApp,
  type OAuthProvider,
  type OAuthTokens,
  type VendorSettings,
} from '../connector.port.ts';
import { retryAfterMs, type VendorResponse, vendorRequest } from '../vendor-http.ts';

export const ADWORDS_SCOPE = 'https://www.googleapis.com/auth/adwords';

/** Token errors Google answers for a bad code, revoked/expired refresh token or wrong client. */
const AUTH_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'access_denied']);

export function classifyToken(res: VendorResponse): ConnectorError | undefined {
  const body = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as Record<string, unknown>;
  if (res.status >= 200 && res.status < 300) {
    if (typeof body.access_token === 'string' && body.access_token) return undefined;
    return new ConnectorError('transient', 'Google token endpoint answered without an access_token', {
      status: res.status,
    });
  }
  const code = typeof body.error === 'string' ? body.error : String(res.status);
  const message = `Google OAuth ${code}: ${typeof body.error_description === 'string' ? body.error_description : res.text.slice(0, 200)}`;
  const opts = { status: res.status, vendorCode: code };
  if (AUTH_ERRORS.has(code)) return new ConnectorError('auth', message, opts);
  if (res.status === 429)
    return new ConnectorError('rate_limited', message, { ...opts, retryAfterMs: retryAfterMs(res.headers) });
  if (res.status >= 500) return new ConnectorError('transient', message, opts);
  if (res.status === 401) return new ConnectorError('auth', message, opts);
  return new ConnectorError('invalid', message, opts);
}

async function tokenCall(
  settings: VendorSettings,
  form: Record<string, string>,
  http: { fetch: typeof fetch },
): Promise<Record<string, unknown>> {
  // The token endpoint is not metered like the Ads API: a pass-through budget, a few attempts.
  const ctx: ConnectorContext = {
    tokens: { accessToken: '', refreshToken: null, expiresAt: null, scope: null, extra: {} },
    settings,
    fetch: http.fetch,
    budget: { acquire: async () => {}, report: () => {} },
  };
  const res = await vendorRequest(
    ctx,
    { method: 'POST', url: settings.tokenUrl, form },
    { budgetKey: 'google_ads:oauth', classify: classifyToken, maxAttempts: 3 },
  );
  return res.body as Record<string, unknown>;
}

function tokensOf(body: Record<string, unknown>, previousRefresh: string | null): OAuthTokens {
  const expiresIn = Number(body.expires_in);
  return {
    accessToken: String(body.access_token),
    // Refresh responses normally carry no refresh_token: keep the one we have.
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : previousRefresh,
    expiresAt: Number.isFinite(expiresIn) ? new Date(Date.now() + expiresIn * 1000).toISOString() : null,
    scope: typeof body.scope === 'string' ? body.scope : null,
    extra: {},
  };
}

export const googleOAuth: OAuthProvider = {
  supportsPkce: true,
  scopes: [ADWORDS_SCOPE],
  authorizationUrl(app: OAuthApp, settings: VendorSettings, p: { state: string; codeChallenge?: string }) {
    const url = new URL(settings.authorizeUrl);
    const q = url.searchParams;
    q.set('client_id', app.clientId);
    q.set('redirect_uri', app.redirectUri);
    q.set('response_type', 'code');
    q.set('scope', ADWORDS_SCOPE);
    q.set('access_type', 'offline');
    q.set('prompt', 'consent');
    q.set('include_granted_scopes', 'true');
    q.set('state', p.state);
    if (p.codeChallenge) {
      q.set('code_challenge', p.codeChallenge);
      q.set('code_challenge_method', 'S256');
    }
    return url.toString();
  },
  async exchangeCode(app, settings, p, http) {
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code: p.code,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
    };
    if (p.codeVerifier) form.code_verifier = p.codeVerifier;
    return tokensOf(await tokenCall(settings, form, http), null);
  },
  async refresh(app, settings, tokens, http) {
    if (!tokens.refreshToken)
      throw new ConnectorError(
        'auth',
        'No Google refresh token stored: the connection must be re-authorised',
      );
    const body = await tokenCall(
      settings,
      {
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      },
      http,
    );
    return tokensOf(body, tokens.refreshToken);
  },
};
