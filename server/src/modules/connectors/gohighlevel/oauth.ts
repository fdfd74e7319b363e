/**
 * GoHighLevel Marketplace OAuth: the user picks a sub-account at the chooselocation page, we trade the
 * code at POST /oauth/token (form-encoded, `user_type=Location`) for a location token. Every refresh
 * returns a new refresh token that replaces the old one; locationId/companyId live in `extra`.
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
import { vendorMessage } from './mapping.ts';

/** Read contacts and pipelines, upsert contacts and enrol them in workflows, send messages. */
export const gohighlevelScopes = [
  'contacts.readonly',
  'contacts.write',
  'opportunities.readonly',
  'conversations/message.write',
  'workflows.readonly',
];

interface TokenBody {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
  userType?: string;
  locationId?: string;
  companyId?: string;
  userId?: string;
  approvedLocations?: string[];
  planId?: string;
}

/** At the token endpoint every client error means "this grant no longer works": reconnect. */
export function classifyToken(res: VendorResponse): ConnectorError | undefined {
  const message = vendorMessage(res.body) ?? res.text.slice(0, 200);
  const status = res.status;
  if (status === 429)
    return new ConnectorError('rate_limited', `GoHighLevel token endpoint: ${message}`, {
      status,
      retryAfterMs: retryAfterMs(res.headers),
    });
  if (status >= 500 || status === 408)
    return new ConnectorError('transient', `GoHighLevel token endpoint ${status}: ${message}`, { status });
  if (status >= 400) {
    const code = (res.body as { error?: unknown } | undefined)?.error;
    return new ConnectorError('auth', `GoHighLevel refused the grant: ${message}`, {
      status,
      ...(typeof code === 'string' ? { vendorCode: code } : {}),
    });
  }
  const b = res.body as Partial<TokenBody> | undefined;
  if (!b || typeof b.access_token !== 'string' || b.access_token.length === 0)
    return new ConnectorError('transient', 'GoHighLevel token endpoint sent no access token', { status });
  return undefined;
}

const noBudget = { acquire: async () => {}, report: () => {} };

async function tokenRequest(
  settings: VendorSettings,
  http: { fetch: typeof fetch },
  form: Record<string, string>,
): Promise<TokenBody> {
  const ctx: ConnectorContext = {
    tokens: { accessToken: '', refreshToken: null, expiresAt: null, scope: null, extra: {} },
    settings,
    fetch: http.fetch,
    budget: noBudget,
  };
  const res = await vendorRequest(
    ctx,
    { method: 'POST', url: settings.tokenUrl, form },
    { budgetKey: 'gohighlevel:oauth', classify: classifyToken, maxAttempts: 3 },
  );
  return res.body as TokenBody;
}

export function toTokens(b: TokenBody, previous?: OAuthTokens, now = Date.now()): OAuthTokens {
  const extra: Record<string, string> = { ...previous?.extra };
  for (const k of ['userType', 'locationId', 'companyId', 'userId', 'planId'] as const) {
    const v = b[k];
    if (typeof v === 'string' && v.length > 0) extra[k] = v;
  }
  if (Array.isArray(b.approvedLocations) && b.approvedLocations.length > 0)
    extra.approvedLocations = b.approvedLocations.join(',');
  return {
    accessToken: b.access_token,
    refreshToken: b.refresh_token ?? previous?.refreshToken ?? null,
    expiresAt:
      typeof b.expires_in === 'number' && b.expires_in > 0
        ? new Date(now + b.expires_in * 1000).toISOString()
        : null,
    scope: b.scope ?? previous?.scope ?? null,
    extra,
  };
}

const appFields = (app: OAuthApp) => ({
  client_id: app.clientId,
  client_secret: app.clientSecret,
  redirect_uri: app.redirectUri,
});

export const gohighlevelOAuth: OAuthProvider = {
  supportsPkce: false,
  scopes: gohighlevelScopes,

  authorizationUrl(app, settings, p) {
    const url = new URL(settings.authorizeUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('redirect_uri', app.redirectUri);
    url.searchParams.set('client_id', app.clientId);
    url.searchParams.set('scope', gohighlevelScopes.join(' '));
    url.searchParams.set('state', p.state);
    return url.toString();
  },

  async exchangeCode(app, settings, p, http) {
    const body = await tokenRequest(settings, http, {
      ...appFields(app),
      grant_type: 'authorization_code',
      code: p.code,
      user_type: 'Location',
    });
    const tokens = toTokens(body);
    if (!tokens.extra.locationId)
      throw new ConnectorError(
        'invalid',
        'GoHighLevel returned an agency token: install the app on a sub-account',
      );
    return tokens;
  },

  async refresh(app, settings, tokens, http) {
    if (!tokens.refreshToken) throw new ConnectorError('auth', 'No GoHighLevel refresh token: reconnect');
    const body = await tokenRequest(settings, http, {
      ...appFields(app),
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
      user_type: tokens.extra.userType ?? 'Location',
    });
    return toTokens(body, tokens);
  },
};
