/**
 * Tenant isolation across the whole API, driven by the OpenAPI document: every organization-owned URL
 * answers a caller from another organization with 404 (never 403, never data) and writes nothing.
 * A new route with a path parameter fails this suite until it gets a fixture below.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissions } from '../src/modules/auth/permissions.ts';
import { testDialect } from '../src/storage/testing.ts';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from './helpers/app.ts';
import { clientWithData, type PortalSigned, portalUserFor } from './helpers/portal.ts';
import { connectSimulator, type SyncedSimulator } from './helpers/simulator.ts';

type OpenApi = { paths: Record<string, Record<string, unknown>> };
interface Route {
  key: string;
  method: InjectOptions['method'];
  path: string;
}
/** An organization under test: its owner and an API key with every scope. */
interface Org {
  owner: Signed;
  apiKey: string;
  name: string;
}
/** A real resource of the victim organization, and how to call the route on it. */
interface Fixture {
  params: Record<string, string>;
  body?: Record<string, unknown>;
  /** A route for signed-in people only (their own sessions): API keys are refused with 403 there. */
  userOnly?: boolean;
  /** A public route authenticated by a signature (inbound webhooks): another caller's unsigned call is 401. */
  signed?: boolean;
  /** A client-portal route: the attacker is a portal user of the other organization. */
  portal?: boolean;
}

let ipCounter = 0;
/** Each request from its own address, so the per-IP limits of the sign-in routes never answer 429. */
const nextIp = () => {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

describe(`tenant isolation over every route on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Org;
  let b: Org;
  let doc: OpenApi;

  const call = (headers: Record<string, string>, opts: InjectOptions) =>
    t.app.inject({
      ...opts,
      remoteAddress: nextIp(),
      headers: { ...headers, ...(opts.headers as Record<string, string>) },
    });
  const asUser = (org: Org) => org.owner.headers;
  const asKey = (org: Org) => ({ 'x-api-key': org.apiKey });

  /** Every row of every table, as sorted JSON: equal snapshots mean nothing was written anywhere. */
  async function snapshotDatabase(): Promise<Record<string, string[]>> {
    const tables = (await t.storage.db.introspection.getTables())
      .filter(
        (tb) => !tb.isView && (t.storage.searchPath === undefined || tb.schema === t.storage.searchPath),
      )
      .map((tb) => tb.name)
      .sort();
    const out: Record<string, string[]> = {};
    for (const name of tables) {
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(
        t.storage.db,
      );
      out[name] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  }

  async function createOrg(label: string): Promise<Org> {
    const owner = await signUp(t.app, label, `${label} agency`);
    const key = await call(owner.headers, {
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: `${label} key`, scopes: [...permissions] },
    });
    expect(key.statusCode).toBe(201);
    const org = { owner, apiKey: key.json().secret as string, name: `${label} agency` };
    // The first use of a key records last_used_at; do it now so the walks below start from rest.
    expect((await call(asKey(org), { method: 'GET', url: '/api/v1/me' })).statusCode).toBe(200);
    return org;
  }

  async function addMember(org: Org, role: string): Promise<{ membershipId: string; user: Signed }> {
    const invite = await call(asUser(org), {
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email: uniqueEmail(role), role },
    });
    const password = 'member password';
    const joined = await call(
      {},
      {
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: invite.json().email, password, name: role, invitationToken: invite.json().token },
      },
    );
    expect(joined.statusCode).toBe(201);
    const body = joined.json();
    const members = (await call(asUser(org), { method: 'GET', url: '/api/v1/members' })).json().items;
    return {
      membershipId: members.find((m: { userId: string }) => m.userId === body.user.id).id,
      user: {
        token: body.tokens.accessToken,
        refreshToken: body.tokens.refreshToken,
        userId: body.user.id,
        organizationId: body.tokens.organizationId,
        email: body.user.email,
        password,
        headers: { authorization: `Bearer ${body.tokens.accessToken}` },
      },
    };
  }

  async function createClient(org: Org): Promise<string> {
    const res = await call(asUser(org), {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: `${org.name} client`, email: uniqueEmail('client'), company: `${org.name} corp` },
    });
    expect(res.statusCode).toBe(201);
    return res.json().id;
  }

  /** One synced simulator connection per organization (connections, sync runs, ads, actions). */
  const synced = new Map<Org, SyncedSimulator>();
  async function simulatorOf(org: Org): Promise<SyncedSimulator> {
    let s = synced.get(org);
    if (!s) {
      s = await connectSimulator(t, org.owner, org.name.replace(/\W/g, ''));
      synced.set(org, s);
    }
    return s;
  }
  let actionCounter = 0;
  async function appliedAction(org: Org): Promise<string> {
    const s = await simulatorOf(org);
    const res = await call(asUser(org), {
      method: 'POST',
      url: '/api/v1/write-backs',
      payload: {
        type: 'set_daily_budget',
        level: 'campaign',
        entityId: s.campaignId,
        dailyBudgetMicros: 50_000_000 + actionCounter,
        idempotencyKey: `fixture-${++actionCounter}-${org.name}`,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().action.id;
  }

  /** A proposal of the victim waiting for approval (60% is over the default 20% guardrail). */
  async function pendingProposal(org: Org): Promise<string> {
    const s = await simulatorOf(org);
    const res = await call(asUser(org), {
      method: 'POST',
      url: '/api/v1/actions',
      payload: { kind: 'budget_change', campaignId: s.campaignId, percent: 60 },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().proposal.status).toBe('pending_approval');
    return res.json().proposal.id;
  }
  async function appliedProposal(org: Org): Promise<string> {
    const id = await pendingProposal(org);
    const res = await call(asUser(org), {
      method: 'POST',
      url: `/api/v1/actions/${id}/approve`,
      payload: {},
    });
    expect(res.json().status, res.body).toBe('applied');
    return id;
  }

  /** A workflow of the organization with a webhook trigger, and a run of it waiting at its gate step. */
  const workflowsOf = new Map<Org, { id: string; hookId: string; executionId: string }>();
  async function workflowOf(org: Org) {
    let w = workflowsOf.get(org);
    if (!w) {
      const created = await call(asUser(org), {
        method: 'POST',
        url: '/api/v1/workflows',
        payload: {
          name: 'Victim flow',
          steps: [{ id: 'gate', type: 'approval_wait' }],
          triggers: { webhook: true },
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const { id, hookId } = created.json().workflow;
      const run = await call(asUser(org), {
        method: 'POST',
        url: `/api/v1/workflows/${id}/runs`,
        payload: {},
      });
      expect(run.statusCode, run.body).toBe(202);
      w = { id, hookId, executionId: run.json().executionId };
      workflowsOf.set(org, w);
    }
    return w;
  }

  /** A rule of the victim (automation rules). */
  async function ruleOf(org: Org): Promise<string> {
    const res = await call(asUser(org), {
      method: 'POST',
      url: '/api/v1/rules',
      payload: {
        name: 'Spend watch',
        scope: { level: 'campaign' },
        conditions: {
          match: 'all',
          conditions: [{ metric: 'spend', window: { days: 7 }, op: '>', value: 0, unit: 'currency_micros' }],
        },
        actions: [{ type: 'notify' }],
        schedule: { cron: '0 8 * * *' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id;
  }

  async function firstAgent(org: Org): Promise<string> {
    return (await call(asUser(org), { method: 'GET', url: '/api/v1/agents' })).json().items[0].id;
  }

  /** One queued agent run per organization (no worker consumes it here), reused by the fixtures. */
  const queuedRuns = new Map<Org, string>();
  async function queuedRun(org: Org): Promise<string> {
    let id = queuedRuns.get(org);
    if (!id) {
      const res = await call(asUser(org), {
        method: 'POST',
        url: '/api/v1/agents/creative_intelligence/runs',
        payload: { input: { limit: 1 }, wait: false },
      });
      expect(res.statusCode, res.body).toBe(202);
      id = res.json().id as string;
      queuedRuns.set(org, id);
    }
    return id;
  }

  /**
   * Cross-tenant fixtures: for each parameterised route, a real resource of the victim organization
   * and a request that would change it if the route leaked across organizations.
   */
  /** A client of the organization with synced campaigns and a signed-in portal user of that client. */
  const portals = new Map<Org, { campaignId: string; user: PortalSigned }>();
  async function portalOf(org: Org) {
    let p = portals.get(org);
    if (!p) {
      const c = await clientWithData(t, org.owner, `portal${org.name.replace(/\W/g, '')}`);
      p = { campaignId: c.campaignIds[0] as string, user: await portalUserFor(t, org.owner, c.clientId) };
      portals.set(org, p);
    }
    return p;
  }
  async function portalUserId(org: Org): Promise<string> {
    const clientId = await createClient(org);
    const res = await call(asUser(org), {
      method: 'POST',
      url: `/api/v1/clients/${clientId}/portal-users`,
      payload: { email: uniqueEmail('portal'), name: 'Portal user' },
    });
    expect(res.statusCode).toBe(201);
    return res.json().id;
  }

  const fixtures: Record<string, (victim: Org) => Promise<Fixture>> = {
    'GET /api/v1/clients/{clientId}/branding': async (victim) => ({
      params: { clientId: await createClient(victim) },
    }),
    'PUT /api/v1/clients/{clientId}/branding': async (victim) => ({
      params: { clientId: await createClient(victim) },
      body: { agencyName: 'Hijacked', primaryColor: '#ff0000' },
    }),
    'GET /api/v1/clients/{clientId}/portal-users': async (victim) => ({
      params: { clientId: await createClient(victim) },
    }),
    'POST /api/v1/clients/{clientId}/portal-users': async (victim) => ({
      params: { clientId: await createClient(victim) },
      body: { email: uniqueEmail('intruder'), name: 'Intruder' },
    }),
    'DELETE /api/v1/clients/{clientId}/portal-users/{portalUserId}': async (victim) => {
      const id = await portalUserId(victim);
      const row = await t.storage.db
        .selectFrom('portal_users')
        .select('client_id')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return { params: { clientId: row.client_id, portalUserId: id } };
    },
    'GET /api/v1/portal/campaigns/{campaignId}': async (victim) => ({
      params: { campaignId: (await portalOf(victim)).campaignId },
      portal: true,
    }),
    'DELETE /api/v1/auth/sessions/{sessionId}': async (victim) => {
      const login = await call(
        {},
        {
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: victim.owner.email, password: victim.owner.password },
        },
      );
      return { params: { sessionId: login.json().tokens.sessionId }, userOnly: true };
    },
    'PATCH /api/v1/members/{id}': async (victim) => ({
      params: { id: (await addMember(victim, 'viewer')).membershipId },
      body: { role: 'owner' },
    }),
    'DELETE /api/v1/members/{id}': async (victim) => ({
      params: { id: (await addMember(victim, 'viewer')).membershipId },
    }),
    'DELETE /api/v1/invitations/{id}': async (victim) => {
      const res = await call(asUser(victim), {
        method: 'POST',
        url: '/api/v1/invitations',
        payload: { email: uniqueEmail('pending'), role: 'member' },
      });
      return { params: { id: res.json().id } };
    },
    'DELETE /api/v1/api-keys/{id}': async (victim) => {
      const res = await call(asUser(victim), {
        method: 'POST',
        url: '/api/v1/api-keys',
        payload: { name: 'victim key', scopes: ['clients:read'] },
      });
      return { params: { id: res.json().id } };
    },
    'GET /api/v1/clients/{id}': async (victim) => ({ params: { id: await createClient(victim) } }),
    'PATCH /api/v1/clients/{id}': async (victim) => ({
      params: { id: await createClient(victim) },
      body: { name: 'Hijacked', notes: 'changed by another organization' },
    }),
    'DELETE /api/v1/clients/{id}': async (victim) => ({ params: { id: await createClient(victim) } }),
    'GET /api/v1/agents/{id}': async (victim) => ({ params: { id: await firstAgent(victim) } }),
    'GET /api/v1/connections/{id}': async (victim) => ({
      params: { id: (await simulatorOf(victim)).connectionId },
    }),
    'DELETE /api/v1/connections/{id}': async (victim) => ({
      params: { id: (await simulatorOf(victim)).connectionId },
    }),
    'POST /api/v1/connections/{id}/reconnect': async (victim) => ({
      params: { id: (await simulatorOf(victim)).connectionId },
    }),
    'POST /api/v1/connections/{id}/sync': async (victim) => ({
      params: { id: (await simulatorOf(victim)).connectionId },
      body: { kind: 'backfill', days: 3 },
    }),
    'GET /api/v1/connections/{id}/syncs': async (victim) => ({
      params: { id: (await simulatorOf(victim)).connectionId },
    }),
    'GET /api/v1/sync-runs/{id}': async (victim) => ({
      params: { id: (await simulatorOf(victim)).syncRunId },
    }),
    'GET /api/v1/write-backs/{id}': async (victim) => ({ params: { id: await appliedAction(victim) } }),
    'GET /api/v1/ad-accounts/{id}': async (victim) => ({
      params: { id: (await simulatorOf(victim)).adAccountId },
    }),
    'GET /api/v1/campaigns/{id}': async (victim) => ({
      params: { id: (await simulatorOf(victim)).campaignId },
    }),
    'GET /api/v1/ad-groups/{id}': async (victim) => ({
      params: { id: (await simulatorOf(victim)).adGroupId },
    }),
    'GET /api/v1/ads/{id}': async (victim) => ({ params: { id: (await simulatorOf(victim)).adId } }),
    'GET /api/v1/oracle/fatigue/{adId}': async (victim) => ({
      params: { adId: (await simulatorOf(victim)).adId },
    }),
    'GET /api/v1/ledger/{id}': async (victim) => {
      // An applied write-back becomes a ledger entry when the ledger's job records it.
      const actionId = await appliedAction(victim);
      await t.services.ledger.record(victim.owner.organizationId);
      const entry = await t.storage.db
        .selectFrom('ledger_entries')
        .select('id')
        .where('write_action_id', '=', actionId)
        .executeTakeFirstOrThrow();
      return { params: { id: entry.id } };
    },
    'GET /api/v1/actions/{id}': async (victim) => ({ params: { id: await pendingProposal(victim) } }),
    'POST /api/v1/actions/{id}/approve': async (victim) => ({
      params: { id: await pendingProposal(victim) },
      body: { comment: 'approved from another organization' },
    }),
    'POST /api/v1/actions/{id}/reject': async (victim) => ({
      params: { id: await pendingProposal(victim) },
      body: { comment: 'rejected from another organization' },
    }),
    'POST /api/v1/actions/{id}/revert': async (victim) => ({
      params: { id: await appliedProposal(victim) },
      body: { force: true },
    }),
    'GET /api/v1/workflows/{id}': async (victim) => ({ params: { id: (await workflowOf(victim)).id } }),
    'PATCH /api/v1/workflows/{id}': async (victim) => ({
      params: { id: (await workflowOf(victim)).id },
      body: { name: 'Hijacked', enabled: false },
    }),
    'DELETE /api/v1/workflows/{id}': async (victim) => ({ params: { id: (await workflowOf(victim)).id } }),
    'POST /api/v1/workflows/{id}/hook-secret': async (victim) => ({
      params: { id: (await workflowOf(victim)).id },
    }),
    'POST /api/v1/workflows/{id}/runs': async (victim) => ({
      params: { id: (await workflowOf(victim)).id },
      body: { input: { from: 'another organization' } },
    }),
    'GET /api/v1/workflows/{id}/runs': async (victim) => ({ params: { id: (await workflowOf(victim)).id } }),
    'GET /api/v1/workflows/executions/{id}': async (victim) => ({
      params: { id: (await workflowOf(victim)).executionId },
    }),
    'POST /api/v1/workflows/executions/{id}/cancel': async (victim) => ({
      params: { id: (await workflowOf(victim)).executionId },
    }),
    'POST /api/v1/workflows/executions/{id}/steps/{stepId}/approve': async (victim) => ({
      params: { id: (await workflowOf(victim)).executionId, stepId: 'gate' },
      body: { comment: 'approved from another organization' },
    }),
    'POST /api/v1/workflows/executions/{id}/steps/{stepId}/reject': async (victim) => ({
      params: { id: (await workflowOf(victim)).executionId, stepId: 'gate' },
      body: { comment: 'rejected from another organization' },
    }),
    'POST /api/v1/workflows/hooks/{hookId}': async (victim) => ({
      params: { hookId: (await workflowOf(victim)).hookId },
      body: { from: 'an unsigned caller' },
      signed: true,
    }),
    'GET /api/v1/rules/{id}': async (victim) => ({ params: { id: await ruleOf(victim) } }),
    'PATCH /api/v1/rules/{id}': async (victim) => ({
      params: { id: await ruleOf(victim) },
      body: { name: 'Renamed by another organization', enabled: false },
    }),
    'DELETE /api/v1/rules/{id}': async (victim) => ({ params: { id: await ruleOf(victim) } }),
    'POST /api/v1/rules/{id}/enable': async (victim) => ({ params: { id: await ruleOf(victim) } }),
    'POST /api/v1/rules/{id}/disable': async (victim) => ({ params: { id: await ruleOf(victim) } }),
    'POST /api/v1/rules/{id}/run': async (victim) => ({ params: { id: await ruleOf(victim) } }),
    'GET /api/v1/rules/{id}/runs': async (victim) => ({ params: { id: await ruleOf(victim) } }),
    'POST /api/v1/rules/{id}/backtest': async (victim) => ({
      params: { id: await ruleOf(victim) },
      body: { days: 3 },
    }),
    'PATCH /api/v1/agents/{id}': async (victim) => ({
      params: { id: await firstAgent(victim) },
      body: { enabled: false, limits: { maxRunsPerDay: 0 } },
    }),
    'POST /api/v1/agents/{id}/runs': async (victim) => ({
      params: { id: await firstAgent(victim) },
      body: { input: { limit: 1 }, wait: false },
    }),
    'GET /api/v1/agents/{id}/runs': async (victim) => ({ params: { id: await firstAgent(victim) } }),
    'GET /api/v1/agents/{id}/metrics': async (victim) => ({ params: { id: await firstAgent(victim) } }),
    'GET /api/v1/agents/executions/{executionId}': async (victim) => ({
      params: { executionId: await queuedRun(victim) },
    }),
    'POST /api/v1/agents/executions/{executionId}/cancel': async (victim) => ({
      params: { executionId: await queuedRun(victim) },
    }),
  };

  const apiRoutes = (): Route[] =>
    Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => ({
          key: `${m.toUpperCase()} ${path}`,
          method: m.toUpperCase() as InjectOptions['method'],
          path,
        })),
      );
  const parameterised = () => apiRoutes().filter((r) => r.path.includes('{'));
  const fill = (path: string, params: Record<string, string>) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'missing'));

  /** Ids, emails and names of everything organization `org` owns: none may reach another organization. */
  async function markersOf(org: Org): Promise<string[]> {
    const orgId = org.owner.organizationId;
    const out = new Set<string>([orgId, org.name, org.owner.userId, org.owner.email]);
    for (const tb of await t.storage.db.introspection.getTables()) {
      if (tb.isView || (t.storage.searchPath !== undefined && tb.schema !== t.storage.searchPath)) continue;
      const cols = tb.columns.map((c) => c.name);
      if (!cols.includes('organization_id')) continue;
      const { rows } = await sql<
        Record<string, unknown>
      >`select * from ${sql.table(tb.name)} where organization_id = ${orgId}`.execute(t.storage.db);
      // Values unique to the organization; names of default agents are the same everywhere.
      for (const r of rows)
        for (const col of ['id', 'email', 'hash', 'prefix', 'user_id', 'token_hash', 'key_hash'])
          if (typeof r[col] === 'string' && (r[col] as string).length > 6) out.add(r[col] as string);
    }
    return [...out];
  }

  function leakedMarkers(res: LightMyRequestResponse, markers: string[]): string[] {
    return markers.filter((m) => res.body.includes(m));
  }

  beforeAll(async () => {
    t = await createTestApp();
    a = await createOrg('alpha');
    b = await createOrg('bravo');
    doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    // Give both organizations something in every organization-owned table.
    for (const org of [a, b]) {
      await createClient(org);
      await addMember(org, 'member');
      await call(asUser(org), {
        method: 'POST',
        url: '/api/v1/invitations',
        payload: { email: uniqueEmail('open'), role: 'viewer' },
      });
    }
  });
  afterAll(() => t.close());

  it('has a cross-tenant fixture for every route with a path parameter', () => {
    const routes = parameterised();
    expect(routes.length).toBeGreaterThanOrEqual(Object.keys(fixtures).length);
    expect(
      routes.map((r) => r.key).filter((k) => !fixtures[k]),
      'parameterised routes without a cross-tenant fixture: add one to `fixtures`',
    ).toEqual([]);
    expect(Object.keys(fixtures).filter((k) => !routes.some((r) => r.key === k))).toEqual([]);
  });

  /** Calls every parameterised route on the victim's resources as the attacker; collects every failure. */
  async function walk(attacker: Record<string, string>, attackerIsKey: boolean, victim: Org) {
    const problems: string[] = [];
    for (const route of parameterised()) {
      const make = fixtures[route.key];
      if (!make) continue;
      const f = await make(victim);
      // A portal route takes only portal tokens: the attacker is then a portal user of the other organization.
      const headers = f.portal ? (await portalOf(victim === a ? b : a)).user.headers : attacker;
      const before = await snapshotDatabase();
      for (const id of Object.values(f.params))
        expect(JSON.stringify(before), `${route.key}: the fixture id ${id} is not a real row`).toContain(id);
      const res = await call(headers, {
        method: route.method,
        url: fill(route.path, f.params),
        ...(f.body ? { payload: f.body } : {}),
      });
      const expected = f.signed ? 401 : attackerIsKey && f.userOnly ? 403 : 404;
      const code = { 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found' }[expected];
      if (res.statusCode !== expected || res.json().error?.code !== code)
        problems.push(`${route.key}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 200)}`);
      const after = await snapshotDatabase();
      if (JSON.stringify(after) !== JSON.stringify(before))
        problems.push(`${route.key}: the database changed (audit log or the resource was written)`);
    }
    return problems;
  }

  it('a user of another organization gets 404 on every organization-owned URL and nothing is written', async () => {
    expect(await walk(asUser(b), false, a)).toEqual([]);
    // Every parameterised route with a fresh fixture and two snapshots each: minutes on PostgreSQL.
  }, 300_000);

  it('an API key of another organization gets 404 on every organization-owned URL and nothing is written', async () => {
    expect(await walk(asKey(a), true, b)).toEqual([]);
  }, 300_000);

  it('the owner of the resources can reach every fixture, so the 404s above are about the organization', async () => {
    const problems: string[] = [];
    for (const route of parameterised().filter((r) => r.method === 'GET')) {
      const f = await fixtures[route.key]?.(a);
      if (!f) continue;
      const owner = f.portal ? (await portalOf(a)).user.headers : asUser(a);
      const res = await call(owner, { method: 'GET', url: fill(route.path, f.params) });
      if (res.statusCode !== 200) problems.push(`${route.key}: ${res.statusCode}`);
    }
    expect(problems).toEqual([]);
  });

  it('every list and read without parameters shows a caller only their own organization', async () => {
    const aMarkers = await markersOf(a);
    const bMarkers = await markersOf(b);
    expect(aMarkers.length).toBeGreaterThan(20);
    const problems: string[] = [];
    const gets = apiRoutes().filter((r) => r.method === 'GET' && !r.path.includes('{'));
    expect(gets.length).toBeGreaterThan(8);
    for (const route of gets) {
      for (const [who, headers, theirs] of [
        ['user of B', asUser(b), aMarkers],
        ['API key of B', asKey(b), aMarkers],
        ['user of A', asUser(a), bMarkers],
        ['API key of A', asKey(a), bMarkers],
      ] as const) {
        const res = await call(headers, { method: 'GET', url: route.path });
        if (res.statusCode >= 500) problems.push(`${route.key} as ${who}: ${res.statusCode}`);
        const leaked = leakedMarkers(res, theirs);
        if (leaked.length)
          problems.push(`${route.key} as ${who} shows the other organization's ${leaked.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("B's lists hold exactly B's rows", async () => {
    const clientIds = async (org: Org) =>
      (
        await t.storage.db
          .selectFrom('clients')
          .select('id')
          .where('organization_id', '=', org.owner.organizationId)
          .orderBy('id', 'desc')
          .execute()
      ).map((r) => r.id);
    const listed = await call(asUser(b), { method: 'GET', url: '/api/v1/clients?limit=200' });
    expect(listed.json().items.map((c: { id: string }) => c.id)).toEqual(await clientIds(b));
    const audit = await call(asUser(b), { method: 'GET', url: '/api/v1/audit?limit=200' });
    const entries = audit.json().items as Array<{ id: string }>;
    const ownAudit = await t.storage.db
      .selectFrom('audit_log')
      .select('id')
      .where('organization_id', '=', b.owner.organizationId)
      .execute();
    expect(entries.map((e) => e.id).sort()).toEqual(ownAudit.map((r) => r.id).sort());
    const members = await call(asUser(b), { method: 'GET', url: '/api/v1/members' });
    for (const m of members.json().items) {
      const row = await t.storage.db
        .selectFrom('memberships')
        .select('organization_id')
        .where('id', '=', m.id)
        .executeTakeFirstOrThrow();
      expect(row.organization_id).toBe(b.owner.organizationId);
    }
  });

  it('X-Organization-Id naming an organization the user is not a member of gives 404 on every signed-in route', async () => {
    const fixtureParams: Record<string, Record<string, string>> = {};
    for (const route of parameterised())
      fixtureParams[route.key] = (await fixtures[route.key]?.(a))?.params ?? {};
    const problems: string[] = [];
    const before = await snapshotDatabase();
    let checked = 0;
    for (const route of apiRoutes()) {
      const url = fill(route.path, fixtureParams[route.key] ?? {});
      // Public routes (sign-up, sign-in, password reset) take no credentials and ignore the header.
      const anonymous = await call({}, { method: route.method, url });
      if (anonymous.statusCode !== 401) continue;
      // Portal routes take portal tokens only (an agency token is 401 there): covered in modules/portal.
      if (route.path.startsWith('/api/v1/portal/')) continue;
      for (const org of [a.owner.organizationId, 'org_00000000000000000000000000']) {
        const res = await call({ ...asUser(b), 'x-organization-id': org }, { method: route.method, url });
        if (res.statusCode !== 404 || res.json().error?.code !== 'not_found')
          problems.push(
            `${route.key} with X-Organization-Id ${org}: ${res.statusCode} ${res.body.slice(0, 200)}`,
          );
        else if (res.body.includes(a.name) || res.body.includes(a.owner.email))
          problems.push(`${route.key} with X-Organization-Id ${org} shows data of A`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(problems).toEqual([]);
    expect(await snapshotDatabase()).toEqual(before);
  }, 300_000);

  it('X-Organization-Id of an organization the user belongs to switches to it', async () => {
    const { user } = await addMember(a, 'viewer');
    const own = await call(user.headers, { method: 'GET', url: '/api/v1/organization' });
    expect(own.json().id).toBe(a.owner.organizationId);
    const other = await call(
      { ...user.headers, 'x-organization-id': b.owner.organizationId },
      { method: 'GET', url: '/api/v1/organization' },
    );
    expect(other.statusCode).toBe(404);
  });

  it('an API key of organization A cannot read organization B, whatever header it sends', async () => {
    const bClient = await createClient(b);
    const direct = await call(asKey(a), { method: 'GET', url: `/api/v1/clients/${bClient}` });
    expect(direct.statusCode).toBe(404);
    const withHeader = await call(
      { ...asKey(a), 'x-organization-id': b.owner.organizationId },
      { method: 'GET', url: '/api/v1/clients?limit=200' },
    );
    // The key belongs to A: the header cannot move it, and nothing of B appears.
    expect([200, 404]).toContain(withHeader.statusCode);
    expect(withHeader.body).not.toContain(bClient);
    expect(withHeader.body).not.toContain(b.owner.organizationId);
    const org = await call(
      { ...asKey(a), 'x-organization-id': b.owner.organizationId },
      { method: 'GET', url: '/api/v1/organization' },
    );
    expect(org.body).not.toContain(b.owner.organizationId);
  });

  it("ORACLE forecasts and anomalies of another organization's ad, campaign or client are 404 and write nothing", async () => {
    const victim = await simulatorOf(a);
    const victimClient = await createClient(a);
    const before = await snapshotDatabase();
    const problems: string[] = [];
    for (const [entityType, entityId] of [
      ['ad', victim.adId],
      ['campaign', victim.campaignId],
      ['client', victimClient],
    ] as const) {
      for (const [who, headers] of [
        ['user of B', asUser(b)],
        ['API key of B', asKey(b)],
      ] as const) {
        const post = await call(headers, {
          method: 'POST',
          url: '/api/v1/oracle/forecasts',
          payload: { entityType, entityId, metric: 'spend', horizon: 7 },
        });
        const list = await call(headers, {
          method: 'GET',
          url: `/api/v1/oracle/forecasts?entityType=${entityType}&entityId=${entityId}`,
        });
        const scan = await call(headers, {
          method: 'POST',
          url: '/api/v1/oracle/anomalies',
          payload: { entityType, entityId },
        });
        const anomalies = await call(headers, {
          method: 'GET',
          url: `/api/v1/oracle/anomalies?entityType=${entityType}&entityId=${entityId}`,
        });
        for (const [label, res] of [
          ['POST forecasts', post],
          ['GET forecasts', list],
          ['POST anomalies', scan],
          ['GET anomalies', anomalies],
        ] as const)
          if (res.statusCode !== 404 || res.json().error?.code !== 'not_found')
            problems.push(`${label} ${entityType} as ${who}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(await snapshotDatabase()).toEqual(before);
  });

  it.runIf(testDialect() === 'postgres')(
    'on PostgreSQL, row-level security hides other organizations even from a query without a filter',
    async () => {
      const rows = await t.storage.withTenant(b.owner.organizationId, (trx) =>
        trx.selectFrom('clients').select('organization_id').execute(),
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.organization_id))).toEqual(new Set([b.owner.organizationId]));
      const write = t.storage.withTenant(b.owner.organizationId, (trx) =>
        trx
          .insertInto('clients')
          .values({
            id: 'cli_00000000000000000000000001',
            organization_id: a.owner.organizationId,
            name: 'Smuggled',
            email: 'smuggled@example.test',
            company: null,
            status: 'active',
            monthly_budget_micros: null,
            currency: 'USD',
            notes: null,
            created_at: new Date().toISOString(),
            updated_at: new Date().toISOString(),
          })
          .execute(),
      );
      await expect(write).rejects.toThrow(/row-level security/);
    },
  );
});
