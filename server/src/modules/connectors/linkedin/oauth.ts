/**
 * LinkedIn OAuth 2.0, 3-legged authorization code flow (no PKCE for server-side web apps). Access
 * tokens live 60 days; refresh tokens (issued only to approved Marketing Developer Platform apps)
 * live 365 days and are not extended by refreshing, so their expiry is kept in `extra`.
 */
import {
  ConnectorError,
  type OAuthApp,
  type OAuthProvider,
  type OAuthTokens,
  type RequestBudget,
  type VendorSettings,
} from '../connector.port.ts';
import { retryAfterMs, type VendorResponse, vendorRequest } from '../vendor-http.ts';

/** Read accounts/structure, manage status and budgets, read reporting, read the sponsored posts. */
export const LINKEDIN_SCOPES = ['r_ads', 'rw_ads', 'r_ads_reporting', 'r_organization_social'];

const noBudget: RequestBudget = { acquire: async () => {}, report: () => {} };

interface TokenBody {
  access_token?: unknown;
  expires_in?: unknown;
  refresh_token?: unknown;
  refresh_token_expires_in?: unknown;
  scope?: unknown;
  error?: unknown;
  error_description?: unknown;
}

function classifyToken(res: VendorResponse): ConnectorError | undefined {
  const body = (res.body ?? {}) as TokenBody;
  if (res.status >= 200 && res.status < 300)
    return typeof body.access_token === 'string' && body.access_token.length > 0
      ? undefined
      : new ConnectorError('transient', 'LinkedIn token endpoint sent a malformed response', {
          status: res.status,
        });
  const code = typeof body.error === 'string' ? body.error : undefined;
  const message = `LinkedIn token endpoint ${res.status}${code ? ` ${code}` : ''}: ${String(body.error_description ?? res.text.slice(0, 200))}`;
  const opts = { status: res.status, ...(code ? { vendorCode: code } : {}) };
  if (res.status === 429) {
    const wait = retryAfterMs(res.headers);
    return new ConnectorError('rate_limited', message, {
      ...opts,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (res.status >= 500) return new ConnectorError('transient', message, opts);
  // invalid_request (bad/expired/reused code, mismatched redirect_uri), invalid_grant, invalid_client.
  if (res.status === 400 || res.status === 401) return new ConnectorError('auth', message, opts);
  return new ConnectorError('invalid', message, opts);
}

const secondsFromNow = (v: unknown, now: number): string | null =>
  typeof v === 'number' && Number.isFinite(v) ? new Date(now + v * 1000).toISOString() : null;

async function tokenRequest(
  settings: VendorSettings,
  http: { fetch: typeof fetch },
  form: Record<string, string>,
  previous?: OAuthTokens,
): Promise<OAuthTokens> {
  const ctx = {
    tokens: previous ?? { accessToken: '', refreshToken: null, expiresAt: null, scope: null, extra: {} },
    settings,
    fetch: http.fetch,
    budget: noBudget,
  };
  const res = await vendorRequest(
    ctx,
    { method: 'POST', url: settings.tokenUrl, form },
    { budgetKey: 'linkedin:oauth', classify: classifyToken, maxAttempts: 3 },
  );
  const body = res.body as TokenBody;
  const now = Date.now();
  const refreshExpiry = secondsFromNow(body.refresh_token_expires_in, now);
  const extra: Record<string, string> = { ...(previous?.extra ?? {}) };
  if (refreshExpiry) extra.refreshTokenExpiresAt = refreshExpiry;
  return {
    accessToken: String(body.access_token),
    refreshToken:
      typeof body.refresh_token === 'string' ? body.refresh_token : (previous?.refreshToken ?? null),
    expiresAt: secondsFromNow(body.expires_in, now),
    scope: typeof body.scope === 'string' ? body.scope : (previous?.scope ?? null),
    extra,
  };
}

export const linkedinOAuth: OAuthProvider = {
  supportsPkce: false,
  scopes: LINKEDIN_SCOPES,
  authorizationUrl(app: OAuthApp, settings: VendorSettings, p: { state: string }): string {
    const enc = encodeURIComponent;
    // Space-delimited scopes, percent-encoded (%20), as LinkedIn's docs show.
    return (
      `${settings.authorizeUrl}?response_type=code&client_id=${enc(app.clientId)}` +
      `&redirect_uri=${enc(app.redirectUri)}&state=${enc(p.state)}` +
      `&scope=${LINKEDIN_SCOPES.map(enc).join('%20')}`
    );
  },
  exchangeCode(app, settings, p, http) {
    return tokenRequest(settings, http, {
      grant_type: 'authorization_code',
      code: p.code,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
    });
  },
  async refresh(app, settings, tokens, http) {
    if (!tokens.refreshToken)
      throw new ConnectorError(
        'auth',
        'No LinkedIn refresh token (issued only to approved Marketing Developer Platform apps): re-consent needed',
      );
    return tokenRequest(
      settings,
      http,
      {
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      },
      tokens,
    );
  },
};
