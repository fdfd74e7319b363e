/**
 * Facebook Login, manual flow. The code is exchanged for a short-lived user token, which is at once
 * exchanged (grant_type=fb_exchange_token) for a long-lived one (~60 days). Meta has no refresh
 * token: "refresh" repeats the long-lived exchange with the current token, which works only while
 * it is still valid; after that the user must log in again (auth error).
 */
import {
  ConnectorError,
  type OAuthApp,
  type OAuthProvider,
  type OAuthTokens,
  type VendorSettings,
} from '../connector.port.ts';
import { classifyMeta } from './client.ts';
import { isObject } from './mapping.ts';

export const META_SCOPES = ['ads_read', 'ads_management', 'business_management'];

async function tokenCall(
  settings: VendorSettings,
  params: Record<string, string>,
  http: { fetch: typeof fetch },
): Promise<OAuthTokens> {
  const url = new URL(settings.tokenUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  let res: Response;
  let text: string;
  try {
    res = await http.fetch(url, { headers: { accept: 'application/json' } });
    text = await res.text();
  } catch (e) {
    throw new ConnectorError('transient', `Network error calling ${url.host}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const error = classifyMeta({ status: res.status, headers: res.headers, body, text });
  if (error) {
    // At the token endpoint a rejected code, secret or token is an authorization failure.
    if (error.kind === 'invalid')
      throw new ConnectorError('auth', error.message, { status: error.status, vendorCode: error.vendorCode });
    throw error;
  }
  if (!isObject(body) || typeof body.access_token !== 'string' || !body.access_token)
    throw new ConnectorError('transient', 'Meta token endpoint answered without an access_token');
  const expiresIn = Number(body.expires_in);
  return {
    accessToken: body.access_token,
    refreshToken: null,
    expiresAt:
      Number.isFinite(expiresIn) && expiresIn > 0
        ? new Date(Date.now() + expiresIn * 1000).toISOString()
        : null,
    scope: null,
    extra: { tokenType: typeof body.token_type === 'string' ? body.token_type : 'bearer' },
  };
}

const longLived = (app: OAuthApp, settings: VendorSettings, token: string, http: { fetch: typeof fetch }) =>
  tokenCall(
    settings,
    {
      grant_type: 'fb_exchange_token',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      fb_exchange_token: token,
    },
    http,
  );

export const metaOAuth: OAuthProvider = {
  supportsPkce: false,
  scopes: META_SCOPES,
  authorizationUrl(app, settings, p) {
    const url = new URL(settings.authorizeUrl);
    url.searchParams.set('client_id', app.clientId);
    url.searchParams.set('redirect_uri', app.redirectUri);
    url.searchParams.set('state', p.state);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', META_SCOPES.join(','));
    return url.toString();
  },
  async exchangeCode(app, settings, p, http) {
    const short = await tokenCall(
      settings,
      {
        client_id: app.clientId,
        redirect_uri: app.redirectUri,
        client_secret: app.clientSecret,
        code: p.code,
      },
      http,
    );
    return longLived(app, settings, short.accessToken, http);
  },
  refresh(app, settings, tokens, http) {
    return longLived(app, settings, tokens.accessToken, http);
  },
};
