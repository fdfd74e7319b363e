/**
 * Google's OAuth 2.0 token endpoint (`POST https://oauth2.googleapis.com/token`, form-encoded) for the
 * fake: authorization_code ('good-code' succeeds) and refresh_token grants, with Google's error bodies.
 */
import { randomBytes } from 'node:crypto';
import type { FakeHandler, FakeResponse } from '../fake-server.ts';

export function tokenEndpoint(accessTokens: Set<string>, refreshTokens: Set<string>): FakeHandler {
  return (req) => {
    const f = (req.body ?? {}) as Record<string, string | undefined>;
    const err = (status: number, error: string, description: string): FakeResponse => ({
      status,
      json: { error, error_description: description },
    });
    if (!f.client_id || !f.client_secret) return err(401, 'invalid_client', 'Unauthorized');
    const issue = (withRefresh: boolean): FakeResponse => {
      const access = `ya29.${randomBytes(12).toString('base64url')}`;
      accessTokens.add(access);
      const refresh = `1//${randomBytes(12).toString('base64url')}`;
      if (withRefresh) refreshTokens.add(refresh);
      return {
        json: {
          access_token: access,
          expires_in: 3599,
          scope: 'https://www.googleapis.com/auth/adwords',
          token_type: 'Bearer',
          // Google sends a refresh token on consent (access_type=offline), not on refresh.
          ...(withRefresh ? { refresh_token: refresh } : {}),
        },
      };
    };
    if (f.grant_type === 'authorization_code') {
      if (!f.redirect_uri) return err(400, 'invalid_request', 'Missing required parameter: redirect_uri');
      return f.code === 'good-code' ? issue(true) : err(400, 'invalid_grant', 'Malformed auth code.');
    }
    if (f.grant_type === 'refresh_token')
      return refreshTokens.has(f.refresh_token ?? '')
        ? issue(false)
        : err(400, 'invalid_grant', 'Token has been expired or revoked.');
    return err(400, 'unsupported_grant_type', `Invalid grant_type: ${f.grant_type ?? ''}`);
  };
}
