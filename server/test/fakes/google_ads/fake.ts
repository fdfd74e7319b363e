/**
 * A local fake of the Google Ads REST API (v23–v26 paths) and Google's OAuth token endpoint:
 * customers:listAccessibleCustomers, googleAds:search (GAQL, fixed server page size, page tokens bound
 * to their query, PAGE_SIZE_NOT_SUPPORTED), <service>:mutate for status and budget updates, and
 * google.rpc.Status errors carrying GoogleAdsFailure details.
 */
import { createHash, randomBytes } from 'node:crypto';
import type {
  AdsScenario,
  FakeControl,
  FakeFailure,
} from '../../../src/modules/connectors/connector.contract.ts';
import { type FakeRequest, type FakeResponse, type FakeServer, startFakeServer } from '../fake-server.ts';
import { buildState, type GoogleAdsState, omnifyStatus, rowsFor } from './data.ts';
import { adsError } from './errors.ts';
import { camel, GaqlError, matches, parseGaql, project, valueAt } from './gaql.ts';
import { mutate } from './mutate.ts';
import { tokenEndpoint } from './oauth.ts';
import { validate } from './schema.ts';

export interface GoogleAdsFakeOptions {
  /** Manager (MCC) account that holds the scenario's account. */
  managerId?: string;
  /** The account is reachable only through the manager, so calls need `login-customer-id`. */
  viaManagerOnly?: boolean;
  /** Extra accessible customers that answer CUSTOMER_NOT_ENABLED (cancelled accounts). */
  disabledCustomers?: string[];
  /** retryDelay of injected quota errors; small by default so suites do not wait long. */
  retryDelay?: string;
}

export interface GoogleAdsFake extends FakeControl {
  /** Every request seen, token calls included. */
  log: FakeRequest[];
  failNext: FakeServer['failNext'];
  state: GoogleAdsState;
  /** Valid credentials issued for the scenario's connection. */
  accessToken: string;
  refreshToken: string;
}

const badRequest = (v: string, code: Record<string, string>, msg: string) =>
  adsError(v, 400, 'INVALID_ARGUMENT', code, msg);
const denied = (v: string, reason: string, msg: string) =>
  adsError(v, 403, 'PERMISSION_DENIED', { authorizationError: reason }, msg);

export async function startGoogleAdsFake(
  sc: AdsScenario,
  opts: GoogleAdsFakeOptions = {},
): Promise<GoogleAdsFake> {
  const server = await startFakeServer();
  const managerId = opts.managerId ?? '9876543210';
  const state = buildState(sc, managerId);
  const disabled = new Set(opts.disabledCustomers ?? []);
  const accessToken = 'ya29.fake-initial-access';
  const refreshToken = '1//fake-initial-refresh';
  const accessTokens = new Set([accessToken]);
  const refreshTokens = new Set([refreshToken]);
  const pageSize = sc.pageSize;

  const authenticate = (req: FakeRequest, v: string): FakeResponse | undefined => {
    const h = req.headers.authorization;
    if (!h)
      return {
        status: 401,
        json: {
          error: {
            code: 401,
            status: 'UNAUTHENTICATED',
            message: 'Request is missing required authentication credential. Expected OAuth 2 access token.',
            details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'CREDENTIALS_MISSING' }],
          },
        },
      };
    const m = /^Bearer (\S+)$/.exec(String(h));
    if (!m)
      return adsError(
        v,
        401,
        'UNAUTHENTICATED',
        { authenticationError: 'OAUTH_TOKEN_HEADER_INVALID' },
        'OAuth token HTTP header is malformed.',
      );
    if (!accessTokens.has(m[1] ?? ''))
      return adsError(
        v,
        401,
        'UNAUTHENTICATED',
        { authenticationError: 'OAUTH_TOKEN_INVALID' },
        'Oauth token in the header is not valid.',
      );
    return undefined;
  };

  const authorize = (req: FakeRequest, v: string, cid: string): FakeResponse | undefined => {
    if (!/^\d+$/.test(cid))
      return badRequest(v, { requestError: 'INVALID_CUSTOMER_ID' }, `Invalid customer ID '${cid}'.`);
    const login = req.headers['login-customer-id'] as string | undefined;
    // (unconfirmed) status code for a malformed login-customer-id; the error code is HeaderError's.
    if (login !== undefined && !/^\d+$/.test(login))
      return badRequest(
        v,
        { headerError: 'INVALID_LOGIN_CUSTOMER_ID' },
        'The login customer ID could not be validated.',
      );
    if (disabled.has(cid))
      return denied(
        v,
        'CUSTOMER_NOT_ENABLED',
        "The customer account can't be accessed because it is not yet enabled or has been deactivated.",
      );
    const viaManager = login === managerId && cid === state.accountId;
    const direct = cid === managerId || !opts.viaManagerOnly;
    if (
      !state.customers.has(cid) ||
      (login !== undefined && login !== cid && !viaManager) ||
      (!direct && !viaManager)
    )
      return denied(
        v,
        'USER_PERMISSION_DENIED',
        "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer ID must be set in the 'login-customer-id' header.",
      );
    return undefined;
  };

  const queryHash = (q: string) => createHash('sha256').update(q).digest('base64url').slice(0, 12);

  const searchHandler = (req: FakeRequest, v: string, cid: string): FakeResponse => {
    const body = req.body as { query?: unknown; pageToken?: unknown; pageSize?: unknown } | undefined;
    if (typeof body !== 'object' || body === null || typeof body.query !== 'string')
      return badRequest(v, { requestError: 'REQUIRED_FIELD_MISSING' }, 'The query field is required.');
    if (body.pageSize !== undefined)
      return badRequest(
        v,
        { requestError: 'PAGE_SIZE_NOT_SUPPORTED' },
        "Setting the page size is not supported. Search Responses will have fixed page size of '10000' rows.",
      );
    let rows: Record<string, unknown>[];
    let fields: string[];
    try {
      const q = parseGaql(body.query);
      validate(q, cid === managerId);
      fields = q.fields;
      rows = rowsFor(state, cid, q).filter((r) => matches(r, q.where));
      if (q.orderBy) {
        const f = q.orderBy.field;
        const dir = q.orderBy.desc ? -1 : 1;
        rows.sort((a, b) => (String(valueAt(a, f)) < String(valueAt(b, f)) ? -dir : dir));
      }
      rows = rows.slice(0, q.limit ?? rows.length).map((r) => project(r, fields));
    } catch (e) {
      if (e instanceof GaqlError) return badRequest(v, { queryError: e.reason }, e.message);
      throw e;
    }
    let offset = 0;
    if (body.pageToken !== undefined) {
      const [o, h] = Buffer.from(String(body.pageToken), 'base64url').toString('utf8').split(':');
      // Page tokens belong to one query: reusing one with another query is an error at Google too.
      if (h !== queryHash(body.query) || !/^\d+$/.test(o ?? ''))
        return badRequest(v, { requestError: 'INVALID_PAGE_TOKEN' }, 'Page token is invalid.');
      offset = Number(o);
    }
    const page = rows.slice(offset, offset + pageSize);
    const next = offset + pageSize < rows.length ? `${offset + pageSize}:${queryHash(body.query)}` : null;
    return {
      headers: { 'request-id': randomBytes(11).toString('base64url') },
      json: {
        ...(page.length ? { results: page } : {}),
        ...(next ? { nextPageToken: Buffer.from(next).toString('base64url') } : {}),
        fieldMask: fields.map((f) => f.split('.').map(camel).join('.')).join(','),
        queryResourceConsumption: String(10 + rows.length),
      },
    };
  };

  const versionOk = (v: string) => /^v2[3-6]$/.test(v);
  const notFound: FakeResponse = {
    status: 404,
    headers: { 'content-type': 'text/html' },
    text: '<html><body>404. Not Found</body></html>',
  };

  server.route('GET', '/:version/:method', (req) => {
    const v = req.params.version ?? '';
    if (!versionOk(v) || req.params.method !== 'customers:listAccessibleCustomers') return notFound;
    const denied = authenticate(req, v);
    if (denied) return denied;
    const ids = [...(opts.viaManagerOnly ? [] : [state.accountId]), managerId, ...disabled];
    return { json: { resourceNames: ids.map((id) => `customers/${id}`) } };
  });

  server.route('POST', '/:version/customers/:cid/:method', (req) => {
    const { version: v = '', cid = '', method = '' } = req.params;
    if (!versionOk(v)) return notFound;
    const refused = authenticate(req, v) ?? authorize(req, v, cid);
    if (refused) return refused;
    if (method === 'googleAds:search') return searchHandler(req, v, cid);
    const service = /^(\w+):mutate$/.exec(method)?.[1];
    if (service) return mutate(state, v, cid, service, req.body);
    return notFound;
  });

  server.route('POST', '/token', tokenEndpoint(accessTokens, refreshTokens), { counted: false });

  const failure =
    (kind: FakeFailure) =>
    (req: FakeRequest): FakeResponse => {
      const v = versionOk(req.params.version ?? '') ? (req.params.version ?? 'v26') : 'v26';
      if (kind === 'expired_token')
        return adsError(
          v,
          401,
          'UNAUTHENTICATED',
          { authenticationError: 'OAUTH_TOKEN_EXPIRED' },
          'OAuth token in the header has expired.',
        );
      if (kind === 'rate_limited')
        return adsError(
          v,
          429,
          'RESOURCE_EXHAUSTED',
          { quotaError: 'RESOURCE_TEMPORARILY_EXHAUSTED' },
          'Too many requests. Retry in 30 seconds.',
          {
            quotaErrorDetails: {
              rateScope: 'ACCOUNT',
              rateName: 'Requests per account',
              retryDelay: opts.retryDelay ?? '0.001s',
            },
          },
        );
      if (kind === 'server_error')
        return adsError(
          v,
          500,
          'INTERNAL',
          { internalError: 'INTERNAL_ERROR' },
          'An internal error has occurred.',
        );
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        text: '{"results":[{"campaign":{"resourceName":"cust',
      };
    };

  return {
    url: server.url,
    log: server.log,
    failNext: server.failNext,
    state,
    accessToken,
    refreshToken,
    inject: (kind, n = 1) => server.failNext(failure(kind), n),
    requests: server.requests,
    entity(externalId) {
      const c = state.campaigns.get(externalId);
      if (c) {
        const budget = [...state.budgets.values()].find((b) => b.resourceName === c.campaignBudget);
        return {
          status: omnifyStatus(c.status),
          dailyBudgetMicros: budget ? Number(budget.amountMicros) : null,
        };
      }
      const e = state.adGroups.get(externalId) ?? state.adGroupAds.get(externalId);
      return e ? { status: omnifyStatus(e.status), dailyBudgetMicros: null } : undefined;
    },
    close: server.close,
  };
}
