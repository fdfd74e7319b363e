/**
 * A local Meta Marketing API (Graph API v25+) for tests: ad accounts, campaigns, ad sets, ads with
 * creatives, sync and async insights, write-backs, the OAuth token endpoint, Graph error bodies
 * (throttling as HTTP 400 with a code), usage headers and cursor paging.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type {
  AdsScenario,
  FakeControl,
  FakeFailure,
} from '../../../src/modules/connectors/connector.contract.ts';
import { type FakeRequest, type FakeResponse, startFakeServer } from '../fake-server.ts';
import { GraphError, graphError, microsPerMinor, type Obj, omnifyStatus } from './graph.ts';
import { findNode, type ReportRun, registerGraphRoutes, val } from './routes.ts';
import { buildState } from './scenario.ts';

export interface MetaFakeOptions {
  /** Require appsecret_proof made with this secret ("Require App Secret" on in the app). */
  appSecret?: string;
  /** A sync insights query with more rows than this fails with (#100/1487534) too much data. */
  syncRowLimit?: number;
  /** Polls a report run answers "Job Running" before it completes. */
  runningPolls?: number;
  /** The first N report runs end "Job Failed". */
  failRuns?: number;
  /**
   * How injected throttling looks: 'user' (default) is (#17) "User request limit reached", whose
   * counts Meta never shows in headers; 'buc' is (#80000/#80004) with the usage headers at 100 %
   * and estimated_time_to_regain_access = regainMinutes.
   */
  throttle?: 'user' | 'buc';
  regainMinutes?: number;
}

export interface MetaFake extends FakeControl {
  accessToken: string;
  /** Every request served (API and token calls), in order. */
  log: FakeRequest[];
  /** Usage percentage reported in the x-*-usage headers from now on. */
  setUsage(pct: number): void;
  reportRuns(): number;
}

export async function startMetaFake(sc: AdsScenario, opts: MetaFakeOptions = {}): Promise<MetaFake> {
  const server = await startFakeServer();
  const state = buildState(sc);
  const accountId = sc.account.externalId;
  const tokens = new Set<string>();
  const mint = () => {
    const t = `EAAB${randomBytes(12).toString('hex')}`;
    tokens.add(t);
    return t;
  };
  const accessToken = mint();
  let usage = 3;
  let failRuns = opts.failRuns ?? 0;
  const runs = new Map<string, ReportRun>();

  const usageHeaders = (req: FakeRequest, regain = 0): Record<string, string> => {
    const type = req.path.includes('insights') ? 'ads_insights' : 'ads_management';
    const u = {
      call_count: usage,
      total_cputime: Math.max(1, usage - 2),
      total_time: Math.max(1, usage - 1),
    };
    return {
      'x-app-usage': JSON.stringify(u),
      'x-ad-account-usage': JSON.stringify({
        acc_id_util_pct: usage,
        reset_time_duration: 0,
        ads_api_access_tier: 'standard_access',
      }),
      'x-business-use-case-usage': JSON.stringify({
        [accountId]: [
          { type, ...u, estimated_time_to_regain_access: regain, ads_api_access_tier: 'standard_access' },
        ],
      }),
    };
  };
  const errorResponse = (req: FakeRequest, e: GraphError, regain = 0): FakeResponse => ({
    status: e.status,
    headers: {
      ...usageHeaders(req, regain),
      'www-authenticate': 'OAuth "Facebook Platform" "invalid_request"',
    },
    json: { error: e.error },
  });

  /** Version, token and appsecret_proof checks every Graph call goes through, as on graph.facebook.com. */
  const api =
    (handler: (req: FakeRequest) => Obj) =>
    (req: FakeRequest): FakeResponse => {
      try {
        const major = /^v(\d+)\.0$/.exec(req.params.version ?? '');
        if (!major) throw graphError(400, 2500, `Unknown path components: /${req.params.version}`);
        if (Number(major[1]) < 25)
          throw graphError(
            400,
            2635,
            '(#2635) You are calling a deprecated version of the Ads API. Please update to the latest version: v27.0.',
          );
        const auth = /^(?:Bearer|OAuth) (.+)$/.exec(String(req.headers.authorization ?? ''));
        const token = val(req, 'access_token') ?? auth?.[1];
        if (!token)
          throw graphError(400, 104, 'An access token is required to request this resource.', {
            type: 'OAuthException',
          });
        if (!tokens.has(token))
          throw graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token', {
            type: 'OAuthException',
          });
        if (opts.appSecret) {
          const proof = val(req, 'appsecret_proof');
          if (!proof)
            throw graphError(400, 100, 'API calls from the server require an appsecret_proof argument');
          if (proof !== createHmac('sha256', opts.appSecret).update(token).digest('hex'))
            throw graphError(400, 100, 'Invalid appsecret_proof provided in the API argument');
        }
        return { status: 200, headers: usageHeaders(req), json: handler(req) };
      } catch (e) {
        if (e instanceof GraphError) return errorResponse(req, e);
        throw e;
      }
    };

  // OAuth token endpoint (not counted, never failed by injection).
  server.route(
    'GET',
    '/:version/oauth/access_token',
    (req) => {
      const q = (k: string) => req.query.get(k);
      const fail = (code: number, message: string) =>
        errorResponse(req, graphError(400, code, message, { type: 'OAuthException' }));
      if (!q('client_id') || !q('client_secret'))
        return fail(101, 'Error validating application. Invalid application ID.');
      if (q('grant_type') === 'fb_exchange_token') {
        if (!tokens.has(q('fb_exchange_token') ?? '')) return fail(190, 'Invalid OAuth access token.');
        return { json: { access_token: mint(), token_type: 'bearer', expires_in: 5183944 } };
      }
      if (!q('redirect_uri')) return fail(191, 'Missing redirect_uri parameter.');
      if (q('code') !== 'good-code') return fail(100, 'Invalid verification code format.');
      return { json: { access_token: mint(), token_type: 'bearer', expires_in: 5400 } };
    },
    { counted: false },
  );
  registerGraphRoutes({
    server,
    sc,
    state,
    api,
    runs,
    nextRunFails: () => failRuns-- > 0,
    syncRowLimit: opts.syncRowLimit,
    runningPolls: opts.runningPolls ?? 1,
  });

  const failure =
    (f: FakeFailure) =>
    (req: FakeRequest): FakeResponse => {
      if (f === 'expired_token')
        return errorResponse(
          req,
          graphError(
            400,
            190,
            'Error validating access token: Session has expired on Tuesday, 10-Nov-26 09:00:00 PST.',
            { type: 'OAuthException', error_subcode: 463 },
          ),
        );
      if (f === 'rate_limited' && opts.throttle !== 'buc')
        return errorResponse(
          req,
          graphError(400, 17, '(#17) User request limit reached', {
            type: 'OAuthException',
            error_subcode: 2446079,
            is_transient: true,
          }),
        );
      if (f === 'rate_limited') {
        const code = req.path.includes('insights') ? 80000 : 80004;
        const e = graphError(
          400,
          code,
          `(#${code}) There have been too many calls from this ad-account. Wait a bit and try again.`,
          { type: 'OAuthException', error_subcode: 2446079, is_transient: true },
        );
        const before = usage;
        usage = 100;
        const r = errorResponse(req, e, opts.regainMinutes ?? 0);
        usage = before;
        return r;
      }
      if (f === 'server_error')
        return errorResponse(
          req,
          new GraphError(500, {
            message: 'Service temporarily unavailable',
            type: 'OAuthException',
            code: 2,
            is_transient: true,
            fbtrace_id: 'x',
          }),
        );
      return {
        status: 200,
        headers: { 'content-type': 'application/json; charset=UTF-8' },
        text: '{"data":[{"ad_id":"1011',
      };
    };

  return {
    url: server.url,
    accessToken,
    log: server.log,
    inject: (f, count = 1) => server.failNext(failure(f), count),
    requests: () => server.requests(),
    entity(id) {
      const found = findNode(state, id);
      if (!found) return undefined;
      const b = found[0].daily_budget;
      return {
        status: omnifyStatus(found[0].status),
        dailyBudgetMicros: b ? Number(b) * microsPerMinor(state.currency) : null,
      };
    },
    setUsage(pct) {
      usage = pct;
    },
    reportRuns: () => runs.size,
    close: () => server.close(),
  };
}
