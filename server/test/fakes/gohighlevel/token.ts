/**
 * POST /oauth/token as GoHighLevel documents it: form-encoded client_id, client_secret, grant_type
 * (authorization_code | refresh_token), code / refresh_token, user_type (Location | Company),
 * redirect_uri. Only the code 'good-code' is valid; each refresh rotates the refresh token.
 */
import type { FakeHandler, FakeResponse } from '../fake-server.ts';

export interface TokenStore {
  /** access token → locationId */
  access: Map<string, string>;
  /** refresh token → locationId */
  refresh: Map<string, string>;
  issued: number;
}

const oauthError = (status: number, error: string, description: string): FakeResponse => ({
  status,
  json: { error, error_description: description },
});

export function tokenRoute(
  store: TokenStore,
  app: { locationId: string; clientId: string; clientSecret: string },
): FakeHandler {
  return (req) => {
    if (!String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded'))
      return {
        status: 422,
        json: {
          statusCode: 422,
          message: ['body must be application/x-www-form-urlencoded'],
          error: 'Unprocessable Entity',
        },
      };
    const f = (req.body ?? {}) as Record<string, string>;
    if (f.client_id !== app.clientId || f.client_secret !== app.clientSecret)
      return oauthError(401, 'invalid_client', 'Invalid client: client is invalid');
    let locationId: string | undefined;
    if (f.grant_type === 'authorization_code') {
      if (f.code !== 'good-code')
        return oauthError(400, 'invalid_grant', 'Invalid grant: authorization code is invalid');
      locationId = app.locationId;
    } else if (f.grant_type === 'refresh_token') {
      locationId = store.refresh.get(f.refresh_token ?? '');
      if (!locationId) return oauthError(400, 'invalid_grant', 'Invalid grant: refresh token is invalid');
      store.refresh.delete(f.refresh_token ?? '');
    } else {
      return oauthError(400, 'unsupported_grant_type', 'Unsupported grant type: grant type is invalid');
    }
    const n = ++store.issued;
    const access = `ghl-access-${n}`;
    const refresh = `ghl-refresh-${n}`;
    store.access.set(access, locationId);
    store.refresh.set(refresh, locationId);
    const company = f.user_type === 'Company';
    return {
      json: {
        access_token: access,
        token_type: 'Bearer',
        expires_in: 86_399,
        refresh_token: refresh,
        scope:
          'contacts.readonly contacts.write opportunities.readonly conversations/message.write workflows.readonly',
        userType: company ? 'Company' : 'Location',
        companyId: 'c9pQcompanyId0000001',
        ...(company ? { approvedLocations: [locationId] } : { locationId }),
        userId: 'u7HkInstallerUser001',
        isBulkInstallation: false,
      },
    };
  };
}
