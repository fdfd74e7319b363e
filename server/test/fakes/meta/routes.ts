/**
 * The Meta fake's Graph routes: ad accounts, campaigns/ad sets/ads with `fields=` projection,
 * sync insights, async report runs (submit, poll, results) and write-backs, each paged with Graph's
 * cursors (`paging.cursors`, `paging.next` absent on the last page).
 */
import type { AdsScenario } from '../../../src/modules/connectors/connector.contract.ts';
import { type FakeHandler, type FakeRequest, type FakeServer, pageOf } from '../fake-server.ts';
import { graphError, type Obj, parseFields, project } from './graph.ts';
import type { FakeState } from './scenario.ts';

export interface ReportRun {
  range: { since: string; until: string };
  fields: string;
  polls: number;
  failed: boolean;
}

export interface RouteEnv {
  server: FakeServer;
  sc: AdsScenario;
  state: FakeState;
  /** Wraps a handler with the version, token and appsecret_proof checks. */
  api: (handler: (req: FakeRequest) => Obj) => FakeHandler;
  runs: Map<string, ReportRun>;
  /** Whether the next submitted run is to fail. */
  nextRunFails: () => boolean;
  syncRowLimit?: number;
  runningPolls: number;
}

/** A request parameter from the query string or the form body. */
export const val = (req: FakeRequest, k: string): string | undefined => {
  const b = req.body as Record<string, string> | undefined;
  return req.query.get(k) ?? b?.[k];
};

export function findNode(state: FakeState, id: string): [Obj, string] | undefined {
  for (const [type, map] of [
    ['Campaign', state.campaigns],
    ['AdSet', state.adsets],
    ['Ad', state.ads],
  ] as const) {
    const o = map.get(id);
    if (o) return [o, type];
  }
  return undefined;
}

export function registerGraphRoutes(env: RouteEnv): void {
  const { server, sc, state, api, runs } = env;
  const accountId = sc.account.externalId;
  const budgetChanges = new Map<string, number>();
  const fieldsOf = (req: FakeRequest, fallback = 'id') => {
    const f = parseFields(val(req, 'fields') ?? fallback);
    if (!f) throw graphError(400, 100, '(#100) Syntax error in the fields parameter');
    return f;
  };
  const limitOf = (req: FakeRequest) => Math.min(Number(val(req, 'limit') ?? 25) || 25, sc.pageSize);
  /** A page of an edge with Graph's `paging` (no `next` on the last page). */
  const edge = (req: FakeRequest, items: Obj[]): Obj => {
    const after = val(req, 'after');
    if (after !== undefined && !/^\d+$/.test(Buffer.from(after, 'base64url').toString('utf8')))
      throw graphError(400, 100, '(#100) Invalid cursor');
    const { page, next } = pageOf(items, after, limitOf(req));
    const start = after ? Number(Buffer.from(after, 'base64url').toString('utf8')) : 0;
    const paging: Obj = {
      cursors: {
        before: Buffer.from(String(start)).toString('base64url'),
        after: next ?? Buffer.from(String(start + page.length)).toString('base64url'),
      },
    };
    if (next) {
      const u = new URL(`${server.url}${req.path}`);
      for (const [k, v] of req.query) u.searchParams.set(k, v);
      u.searchParams.set('after', next);
      paging.next = u.toString();
    }
    return { data: page, paging };
  };
  const ownAccount = (req: FakeRequest) => {
    const a = state.accounts.find((x) => x.account_id === req.params.accountId);
    if (!a)
      throw graphError(
        400,
        100,
        `(#100) Unsupported get request. Object with ID 'act_${req.params.accountId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
        { error_subcode: 33 },
      );
    return a;
  };
  const insightsQuery = (req: FakeRequest) => {
    if (val(req, 'level') !== 'ad') throw graphError(400, 100, '(#100) This fake serves level=ad only');
    if (val(req, 'time_increment') !== '1')
      throw graphError(400, 100, '(#100) This fake serves time_increment=1 only');
    let range: { since?: unknown; until?: unknown } = {};
    try {
      range = JSON.parse(val(req, 'time_range') ?? 'null') ?? {};
    } catch {}
    if (typeof range.since !== 'string' || typeof range.until !== 'string')
      throw graphError(400, 100, "(#100) Must specify time_range as {'since':YYYY-MM-DD,'until':YYYY-MM-DD}");
    const fields = val(req, 'fields') ?? 'spend';
    project({}, 'AdsInsights', fieldsOf(req, fields));
    return { range: { since: range.since, until: range.until }, fields };
  };
  const rowsFor = (q: { range: { since: string; until: string }; fields: string }) => {
    const fields = [
      ...(parseFields(q.fields) ?? []),
      { name: 'date_start', sub: null },
      { name: 'date_stop', sub: null },
    ];
    return state.insights
      .filter((r) => String(r.date_start) >= q.range.since && String(r.date_start) <= q.range.until)
      .map((r) => project(r, 'AdsInsights', fields));
  };
  const missing = (id: string) =>
    graphError(
      400,
      100,
      `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
      { error_subcode: 33 },
    );

  server.route(
    'GET',
    '/:version/me/adaccounts',
    api((req) =>
      edge(
        req,
        state.accounts.map((a) => project(a, 'AdAccount', fieldsOf(req))),
      ),
    ),
  );
  server.route(
    'GET',
    '/:version/act_:accountId',
    api((req) => project(ownAccount(req), 'AdAccount', fieldsOf(req, 'id,account_id'))),
  );
  for (const [name, type, map] of [
    ['campaigns', 'Campaign', state.campaigns],
    ['adsets', 'AdSet', state.adsets],
    ['ads', 'Ad', state.ads],
  ] as const)
    server.route(
      'GET',
      `/:version/act_:accountId/${name}`,
      api((req) => {
        ownAccount(req);
        const fields = fieldsOf(req);
        return edge(
          req,
          [...map.values()].map((o) => project(o, type, fields, { creative: 'AdCreative' })),
        );
      }),
    );
  server.route(
    'GET',
    '/:version/act_:accountId/insights',
    api((req) => {
      ownAccount(req);
      const rows = rowsFor(insightsQuery(req));
      if (env.syncRowLimit !== undefined && rows.length > env.syncRowLimit)
        throw graphError(
          400,
          100,
          "Please reduce the amount of data you're asking for, then retry your request",
          { error_subcode: 1487534 },
        );
      return edge(req, rows);
    }),
  );
  server.route(
    'POST',
    '/:version/act_:accountId/insights',
    api((req) => {
      ownAccount(req);
      const id = `6200${String(runs.size + 1).padStart(12, '0')}`;
      runs.set(id, { ...insightsQuery(req), polls: 0, failed: env.nextRunFails() });
      return { report_run_id: id };
    }),
  );
  server.route(
    'GET',
    '/:version/:id/insights',
    api((req) => {
      const run = runs.get(req.params.id ?? '');
      if (!run) throw missing(req.params.id ?? '');
      if (run.failed || run.polls <= env.runningPolls)
        throw graphError(400, 100, '(#100) Report is not ready or has failed; poll the report run first');
      return edge(req, rowsFor(run));
    }),
  );
  server.route(
    'GET',
    '/:version/:id',
    api((req) => {
      const id = req.params.id ?? '';
      const run = runs.get(id);
      if (run) {
        run.polls++;
        const running = run.polls <= env.runningPolls;
        const base = {
          id,
          account_id: accountId,
          date_start: run.range.since,
          date_stop: run.range.until,
          time_ref: 1764000000,
        };
        if (running)
          return {
            ...base,
            async_status: run.polls === 1 ? 'Job Not Started' : 'Job Running',
            async_percent_completion: Math.floor((100 * (run.polls - 1)) / env.runningPolls),
            is_running: true,
            time_completed: 0,
          };
        if (run.failed)
          return {
            ...base,
            async_status: 'Job Failed',
            async_percent_completion: 40,
            is_running: false,
            time_completed: 0,
            error_code: -2,
            error_subcode: 2490547,
            error_message: 'Async report failed. Please retry later.',
          };
        return {
          ...base,
          async_status: 'Job Completed',
          async_percent_completion: 100,
          is_running: false,
          time_completed: 1764000100,
        };
      }
      const found = findNode(state, id);
      if (!found) throw missing(id);
      return project(found[0], found[1], fieldsOf(req), { creative: 'AdCreative' });
    }),
  );
  server.route(
    'POST',
    '/:version/:id',
    api((req) => {
      const id = req.params.id ?? '';
      const found = findNode(state, id);
      if (!found) throw missing(id);
      const [o, type] = found;
      const status = val(req, 'status');
      const budget = val(req, 'daily_budget');
      if (status !== undefined && !['ACTIVE', 'PAUSED', 'ARCHIVED', 'DELETED'].includes(status))
        throw graphError(400, 100, '(#100) Param status must be one of {ACTIVE, PAUSED, DELETED, ARCHIVED}');
      if (budget !== undefined) {
        if (type === 'Ad' || !/^\d+$/.test(budget))
          throw graphError(400, 100, '(#100) Invalid parameter', { error_subcode: 1487750 });
        const campaignBudget =
          type === 'AdSet' ? state.campaigns.get(String(o.campaign_id))?.daily_budget : undefined;
        const adsetBudgets =
          type === 'Campaign' &&
          [...state.adsets.values()].some((s) => s.campaign_id === id && s.daily_budget);
        if (campaignBudget || adsetBudgets)
          throw graphError(400, 100, '(#100) Budgets cannot be set on both the campaign and its ad sets');
        const changes = (budgetChanges.get(id) ?? 0) + 1;
        if (changes > 4)
          throw graphError(400, 17, '(#17) User request limit reached', { error_subcode: 1885172 });
        budgetChanges.set(id, changes);
        o.daily_budget = budget;
      }
      if (status !== undefined) o.status = status;
      return { success: true };
    }),
  );
}
