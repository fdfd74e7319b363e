/**
 * A local fake of LinkedIn's Marketing API (versioned REST at /rest, OAuth at /oauth/v2), built from
 * LinkedIn's docs: required LinkedIn-Version / X-Restli-Protocol-Version / Bearer headers with
 * LinkedIn's error bodies, Rest.li 2.0 query syntax read from the raw URL, cursor paging at the
 * scenario's page size, 429 without Retry-After, and write-backs applied to its state.
 *
 * It has its own small HTTP server rather than the shared kit because Rest.li encoding can only be
 * checked on the raw query string, which the kit decodes before handlers see it.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  AdsScenario,
  FakeControl,
  FakeFailure,
} from '../../../src/modules/connectors/connector.contract.ts';
import { handleApi } from './api.ts';
import { type Reply, rawParams, restliError } from './restli.ts';
import { buildState, entityView, type FakeState } from './state.ts';

/** The access token the harness starts with. */
export const FAKE_ACCESS_TOKEN = 'AQV-fake-access-token';
/** The OAuth app registered with the fake (the contract's default app). */
export const FAKE_CLIENT = { clientId: 'client-123', clientSecret: 'secret-456' };
/** Versions the fake treats as active (LinkedIn supports each monthly version for a year). */
export const FAKE_ACTIVE_VERSIONS = new Set([
  '202512',
  '202601',
  '202602',
  '202603',
  '202604',
  '202605',
  '202606',
  '202607',
  '202608',
  '202609',
  '202610',
  '202611',
]);

export interface LoggedCall {
  method: string;
  /** Raw path and query, as sent on the wire. */
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface LinkedInFake extends FakeControl {
  /** API calls (token endpoint excluded), in order. */
  log: LoggedCall[];
  tokenCalls: number;
  state: FakeState;
}

const FAILURES: Record<FakeFailure, Reply> = {
  expired_token: restliError(401, 'The token used in the request has expired', {
    code: 'EXPIRED_ACCESS_TOKEN',
    serviceErrorCode: 65602,
  }),
  // LinkedIn sends no Retry-After or X-RateLimit-* headers on 429.
  rate_limited: restliError(429, 'Resource level throttle limit for calls to this resource is reached.', {
    code: 'TOO_MANY_REQUESTS',
  }),
  server_error: restliError(500, 'Internal Server Error'),
  malformed: {
    status: 200,
    headers: { 'content-type': 'application/json' },
    text: '{"elements":[{"dateRange":{"st',
  },
};

const BAD_CODE =
  'Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. Or external member binding exists';

function send(res: ServerResponse, r: Reply): void {
  const headers: Record<string, string> = { ...r.headers };
  let body = '';
  if (r.text !== undefined) body = r.text;
  else if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(r.status, headers);
  res.end(body);
}

function parseBody(raw: Buffer, contentType: string): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (contentType.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  if (contentType.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  return undefined;
}

export async function startLinkedInFake(scenario: AdsScenario): Promise<LinkedInFake> {
  const state = buildState(scenario);
  const failures: FakeFailure[] = [];
  const log: LoggedCall[] = [];
  const accessTokens = new Set([FAKE_ACCESS_TOKEN]);
  const refreshTokens = new Map<string, number>(); // token → expiry (epoch ms)
  const usedCodes = new Set<string>();
  let issued = 0;
  let tokenCalls = 0;

  function tokenEndpoint(contentType: string, body: unknown): Reply {
    tokenCalls++;
    const f = (contentType.includes('x-www-form-urlencoded') ? body : {}) as Record<string, string>;
    const invalid = (d: string) => ({
      status: 400,
      json: { error: 'invalid_request', error_description: d },
    });
    if (!f.grant_type) return invalid('A required parameter "grant_type" is missing');
    if (f.client_id !== FAKE_CLIENT.clientId || f.client_secret !== FAKE_CLIENT.clientSecret)
      return {
        status: 401,
        json: { error: 'invalid_client', error_description: 'Client authentication failed' },
      };
    const issue = (refresh: string) => {
      const accessToken = `AQV-issued-${++issued}`;
      accessTokens.add(accessToken);
      const expiry = refreshTokens.get(refresh)!;
      return {
        status: 200,
        json: {
          access_token: accessToken,
          expires_in: 5_184_000,
          refresh_token: refresh,
          refresh_token_expires_in: Math.floor((expiry - Date.now()) / 1000),
          scope: 'r_ads,r_ads_reporting,r_organization_social,rw_ads',
        },
      };
    };
    if (f.grant_type === 'authorization_code') {
      if (f.code !== 'good-code' || !f.redirect_uri || usedCodes.has(f.code)) return invalid(BAD_CODE);
      usedCodes.add(f.code);
      const refresh = `AQX-refresh-${issued + 1}`;
      refreshTokens.set(refresh, Date.now() + 31_536_000_000);
      return issue(refresh);
    }
    if (f.grant_type === 'refresh_token') {
      const expiry = refreshTokens.get(f.refresh_token ?? '');
      if (expiry === undefined || expiry < Date.now())
        return invalid('The provided authorization grant or refresh token is invalid, expired or revoked.');
      // Refreshing does not extend the refresh token's life.
      return issue(f.refresh_token!);
    }
    return {
      status: 400,
      json: { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' },
    };
  }

  function checkHeaders(h: Record<string, string | string[] | undefined>): Reply | undefined {
    const version = typeof h['linkedin-version'] === 'string' ? h['linkedin-version'] : undefined;
    if (!version)
      return restliError(
        400,
        'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
        {
          code: 'VERSION_MISSING',
        },
      );
    if (!FAKE_ACTIVE_VERSIONS.has(version))
      return restliError(426, `Requested version ${version} is not active`, { code: 'NONEXISTENT_VERSION' });
    const auth = typeof h.authorization === 'string' ? h.authorization : '';
    if (!auth.startsWith('Bearer ') || auth.length === 7)
      return restliError(401, 'Empty oauth2 access token', {
        code: 'EMPTY_ACCESS_TOKEN',
        serviceErrorCode: 65604,
      });
    if (!accessTokens.has(auth.slice(7)))
      return restliError(401, 'Invalid access token', {
        code: 'INVALID_ACCESS_TOKEN',
        serviceErrorCode: 65600,
      });
    if (h['x-restli-protocol-version'] !== '2.0.0')
      return restliError(
        400,
        'Invalid query parameters passed to request: Rest.li 2.0 syntax requires X-Restli-Protocol-Version: 2.0.0',
      );
    return undefined;
  }

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const contentType = String(req.headers['content-type'] ?? '');
    const body = parseBody(raw, contentType);
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const query = qi < 0 ? '' : url.slice(qi + 1);
    const method = req.method ?? 'GET';
    try {
      if (method === 'POST' && path === '/oauth/v2/accessToken')
        return send(res, tokenEndpoint(contentType, body));
      if (!path.startsWith('/rest/')) return send(res, restliError(404, 'Not Found'));
      log.push({ method, path, query, headers: req.headers, body });
      const failure = failures.shift();
      if (failure) return send(res, FAILURES[failure]);
      const bad = checkHeaders(req.headers);
      if (bad) return send(res, bad);
      const segments = path.slice('/rest/'.length).split('/');
      const reply = handleApi(
        { method, segments, params: rawParams(query), headers: req.headers, body, contentType },
        state,
        scenario.pageSize,
      );
      return send(res, reply);
    } catch (e) {
      return send(res, restliError(500, `fake crashed: ${(e as Error).message}`));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    inject(failure, count = 1) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    requests: () => log.length,
    entity: (externalId) => entityView(state, externalId),
    log,
    get tokenCalls() {
      return tokenCalls;
    },
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
