/**
 * Hostile input against every write route of the OpenAPI document: malformed JSON, wrong shapes and
 * types, unknown and missing fields, bodies over 1 MB, huge strings, NUL characters, wrong content
 * types, bad query parameters and cursors. Every answer must be a 4xx with the error body, never a
 * 5xx, and nothing may be written anywhere in the database.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorStatus } from '../src/platform/errors.ts';
import { errorBodySchema } from '../src/platform/http.ts';
import { encodeCursor } from '../src/platform/pagination.ts';
import { testDialect } from '../src/storage/testing.ts';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from './helpers/app.ts';
import { type PortalSigned, portalUserFor } from './helpers/portal.ts';
import { connectSimulator, type SyncedSimulator } from './helpers/simulator.ts';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  enum?: unknown[];
  format?: string;
}
interface Operation {
  parameters?: Array<{ in: string; name: string; schema?: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };
type Body = Record<string, unknown>;

/** How to call a write route with a valid request; `body: null` marks a route that takes no body. */
interface WriteCase {
  body: (() => Body) | null;
  params?: () => Record<string, string>;
  /** Routes that need no credentials (sign-up, sign-in, password reset). */
  public?: boolean;
  /** Routes authenticated by a signature over the raw body (webhooks): unsigned input is a 401. */
  signed?: boolean;
  /** Client-portal routes: called with a spare portal user's token (agency tokens are 401 there). */
  portal?: boolean;
  /**
   * The house-format 400 the valid request gets after validation, when it cannot succeed here (an
   * invitation token nobody issued): its issue must name this location, anything else is a problem.
   */
  refusedAfterValidationAt?: string;
}

const KB = 1024;
const HUGE = 'x'.repeat(100 * KB);

let ipCounter = 0;
/** Each request from its own address, so the per-IP limits of the sign-in routes never answer 429. */
const nextIp = () => {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

/** Every row of every table, as sorted JSON: equal snapshots mean nothing was written. */
async function snapshotDatabase(t: TestApp): Promise<Record<string, string[]>> {
  const tables = (await t.storage.db.introspection.getTables())
    .filter((tb) => !tb.isView && (t.storage.searchPath === undefined || tb.schema === t.storage.searchPath))
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

function typesOf(s: JsonSchema | undefined): Set<string> {
  const out = new Set<string>();
  if (!s) return out;
  for (const ty of Array.isArray(s.type) ? s.type : s.type ? [s.type] : []) out.add(ty);
  for (const sub of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) for (const ty of typesOf(sub)) out.add(ty);
  if (s.enum?.some((v) => typeof v === 'string')) out.add('string');
  return out;
}

/** Paths of every property of a body schema, nested objects included. */
function fieldPaths(
  schema: JsonSchema,
  prefix: string[] = [],
): Array<{ path: string[]; schema: JsonSchema }> {
  const out: Array<{ path: string[]; schema: JsonSchema }> = [];
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    const path = [...prefix, name];
    out.push({ path, schema: sub });
    const objectSchema = [sub, ...(sub.anyOf ?? [])].find((x) => x.properties);
    if (objectSchema) out.push(...fieldPaths(objectSchema, path));
  }
  return out;
}

function withValueAt(body: Body, path: string[], value: unknown): Body {
  const copy = structuredClone(body);
  let node: Body = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null || Array.isArray(node[key])) node[key] = {};
    node = node[key] as Body;
  }
  node[path[path.length - 1] as string] = value;
  return copy;
}

function without(body: Body, key: string): Body {
  const copy = structuredClone(body);
  delete copy[key];
  return copy;
}

const fill = (path: string, params: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'missing'));

/** Checks one rejected answer; returns a description of what is wrong with it, if anything. */
function problemWith(label: string, res: LightMyRequestResponse, allowed: number[]): string | undefined {
  if (!allowed.includes(res.statusCode))
    return `${label}: expected ${allowed.join('/')}, got ${res.statusCode} ${res.body.slice(0, 300)}`;
  let body: unknown;
  try {
    body = res.json();
  } catch {
    return `${label}: the error body is not JSON: ${res.body.slice(0, 200)}`;
  }
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return `${label}: the error body has the wrong shape: ${res.body.slice(0, 300)}`;
  const { code, requestId } = parsed.data.error;
  if (!(code in errorStatus)) return `${label}: unknown error code ${code}`;
  if (errorStatus[code as keyof typeof errorStatus] !== res.statusCode)
    return `${label}: code ${code} does not match status ${res.statusCode}`;
  if (requestId !== res.headers['x-request-id']) return `${label}: requestId differs from X-Request-Id`;
  return undefined;
}

const isSchemaRejection = (res: LightMyRequestResponse) =>
  res.statusCode === 400 && Array.isArray(res.json().error?.details?.issues);

describe(`hostile request input on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let spare: Signed;
  let doc: OpenApi;
  let viewerMembershipId: string;
  let clientId: string;
  let agentId: string;
  let executionId: string;
  let sim: SyncedSimulator;
  let proposalId: string;
  let ruleId: string;
  let workflowId: string;
  let workflowExecutionId: string;
  let workflowHookId: string;
  let portalUser: PortalSigned;
  let portalSpare: PortalSigned;
  /** Portal routes take portal tokens; every other signed-in route the owner's. */
  const callerFor = (path: string) =>
    path.startsWith('/api/v1/portal/') && path !== '/api/v1/portal/branding' ? portalUser : owner;

  const send = (who: Pick<Signed, 'headers'> | null, opts: InjectOptions) =>
    t.app.inject({
      ...opts,
      remoteAddress: nextIp(),
      headers: { ...(who ? who.headers : {}), ...(opts.headers as Record<string, string>) },
    });

  /** The valid request of every write route. A route missing here fails the walk. */
  const writeCases: Record<string, WriteCase> = {
    'PUT /api/v1/branding': { body: () => ({ agencyName: 'Input agency', primaryColor: '#123456' }) },
    'PUT /api/v1/clients/{clientId}/branding': {
      params: () => ({ clientId }),
      body: () => ({ primaryColor: '#abcdef', supportEmail: 'help@input.example' }),
    },
    'POST /api/v1/clients/{clientId}/portal-users': {
      params: () => ({ clientId }),
      body: () => ({ email: uniqueEmail('portal'), name: 'Portal reader' }),
    },
    'POST /api/v1/portal/auth/login': {
      public: true,
      body: () => ({ email: portalUser.email, password: portalUser.password }),
    },
    'POST /api/v1/portal/auth/accept': {
      public: true,
      body: () => ({ token: 'x'.repeat(43), password: 'another good password' }),
      refusedAfterValidationAt: 'body.token',
    },
    'POST /api/v1/portal/auth/refresh': {
      public: true,
      body: () => ({ refreshToken: portalSpare.refreshToken }),
    },
    'POST /api/v1/portal/auth/logout': { portal: true, body: null },
    'POST /api/v1/auth/register': {
      public: true,
      body: () => ({
        email: uniqueEmail('input'),
        password: 'correct horse battery',
        name: 'Input',
        organizationName: 'Input agency',
      }),
    },
    'POST /api/v1/auth/login': {
      public: true,
      body: () => ({ email: owner.email, password: owner.password }),
    },
    'POST /api/v1/auth/refresh': { public: true, body: () => ({ refreshToken: spare.refreshToken }) },
    'POST /api/v1/auth/logout': { body: null },
    'POST /api/v1/auth/mfa/enroll': { body: null },
    'POST /api/v1/auth/mfa/verify': { body: () => ({ code: '123456' }) },
    'POST /api/v1/auth/mfa/disable': { body: () => ({ code: '123456' }) },
    'POST /api/v1/auth/mfa/recovery-codes': { body: () => ({ code: '123456' }) },
    'POST /api/v1/auth/password-reset': { public: true, body: () => ({ email: owner.email }) },
    'POST /api/v1/auth/password-reset/confirm': {
      public: true,
      body: () => ({ token: 'x'.repeat(43), password: 'another good password' }),
    },
    'POST /api/v1/organizations': { body: () => ({ name: 'Second agency', reportingCurrency: 'EUR' }) },
    'PATCH /api/v1/organization': { body: () => ({ name: 'Renamed agency' }) },
    'PATCH /api/v1/members/{id}': {
      params: () => ({ id: viewerMembershipId }),
      body: () => ({ role: 'viewer' }),
    },
    'POST /api/v1/invitations': { body: () => ({ email: uniqueEmail('invitee'), role: 'member' }) },
    'POST /api/v1/invitations/accept': { body: () => ({ token: 'x'.repeat(43) }) },
    'POST /api/v1/invitations/lookup': { public: true, body: () => ({ token: 'x'.repeat(43) }) },
    'POST /api/v1/api-keys': { body: () => ({ name: 'Reporting', scopes: ['clients:read'] }) },
    'POST /api/v1/clients': { body: () => ({ name: 'Acme', email: uniqueEmail('client') }) },
    'PATCH /api/v1/clients/{id}': {
      params: () => ({ id: clientId }),
      body: () => ({ name: 'Acme Renamed' }),
    },
    'PATCH /api/v1/agents/{id}': { params: () => ({ id: agentId }), body: () => ({ enabled: false }) },
    'POST /api/v1/agents/{id}/runs': {
      params: () => ({ id: 'creative_intelligence' }),
      body: () => ({ input: { limit: 2 }, wait: false }),
    },
    'POST /api/v1/agents/executions/{executionId}/cancel': { params: () => ({ executionId }), body: null },
    'PUT /api/v1/retention': { body: () => ({ auditDays: 400, executionsDays: 30, metricsDays: 60 }) },
    'POST /api/v1/connections': {
      body: () => ({ platform: 'simulator', settings: { seed: 'input', days: '7' } }),
    },
    'POST /api/v1/connections/{id}/reconnect': { params: () => ({ id: sim.connectionId }), body: null },
    'POST /api/v1/connections/{id}/sync': {
      params: () => ({ id: sim.connectionId }),
      body: () => ({ kind: 'incremental' }),
    },
    // Signed by HighLevel over the raw body: every unsigned variant is refused (401) before parsing.
    'POST /api/v1/webhooks/gohighlevel': { public: true, signed: true, body: null },
    // Billing is off here: Checkout and the portal answer 409; Stripe's webhook refuses unsigned bodies with 400.
    'POST /api/v1/billing/checkout': { body: () => ({ plan: 'professional' }) },
    'POST /api/v1/billing/portal': { body: null },
    'POST /api/v1/billing/webhook': {
      public: true,
      body: () => ({ id: 'evt_input', object: 'event', type: 'invoice.paid' }),
    },
    'PUT /api/v1/analytics/fx-rates': {
      body: () => ({ rates: [{ date: '2026-11-01', base: 'EUR', quote: 'USD', rate: 1.08 }] }),
    },
    'POST /api/v1/oracle/anomalies': { body: () => ({ entityType: 'ad', entityId: sim.adId }) },
    'POST /api/v1/oracle/allocations': { body: () => ({ objective: 'conversions', maxChangePct: 20 }) },
    'POST /api/v1/oracle/forecasts': {
      body: () => ({ entityType: 'campaign', entityId: sim.campaignId, metric: 'spend', horizon: 7 }),
    },
    'POST /api/v1/actions': {
      body: () => ({ kind: 'budget_change', campaignId: sim.campaignId, percent: 5, reason: 'Input walk' }),
    },
    'POST /api/v1/actions/{id}/approve': {
      params: () => ({ id: proposalId }),
      body: () => ({ comment: 'Looks right' }),
    },
    'POST /api/v1/actions/{id}/reject': {
      params: () => ({ id: proposalId }),
      body: () => ({ comment: 'No' }),
    },
    'POST /api/v1/actions/{id}/revert': {
      params: () => ({ id: proposalId }),
      body: () => ({ force: false }),
    },
    'POST /api/v1/workflows': {
      body: () => ({ name: 'Input walk', steps: [{ id: 'gate', type: 'approval_wait' }] }),
    },
    'PATCH /api/v1/workflows/{id}': { params: () => ({ id: workflowId }), body: () => ({ name: 'Renamed' }) },
    'POST /api/v1/workflows/{id}/hook-secret': { params: () => ({ id: workflowId }), body: null },
    'POST /api/v1/workflows/{id}/runs': {
      params: () => ({ id: workflowId }),
      body: () => ({ input: { a: 1 } }),
    },
    'POST /api/v1/workflows/executions/{id}/cancel': {
      params: () => ({ id: workflowExecutionId }),
      body: null,
    },
    'POST /api/v1/workflows/executions/{id}/steps/{stepId}/approve': {
      params: () => ({ id: workflowExecutionId, stepId: 'gate' }),
      body: () => ({ comment: 'Fine' }),
    },
    'POST /api/v1/workflows/executions/{id}/steps/{stepId}/reject': {
      params: () => ({ id: workflowExecutionId, stepId: 'gate' }),
      body: () => ({ comment: 'No' }),
    },
    // HMAC-signed over the raw body with the workflow's secret: unsigned variants are refused (401).
    'POST /api/v1/workflows/hooks/{hookId}': {
      public: true,
      signed: true,
      params: () => ({ hookId: workflowHookId }),
      body: null,
    },
    'PUT /api/v1/guardrails': { body: () => ({ settings: { autoApproveBudgetChangePct: 15 } }) },
    'POST /api/v1/write-backs': {
      body: () => ({
        type: 'set_status',
        level: 'ad',
        entityId: sim.adId,
        status: 'paused',
        idempotencyKey: 'input-walk-0001',
      }),
    },
    'POST /api/v1/rules': {
      body: () => ({
        name: 'Spend watch',
        scope: { level: 'campaign' },
        conditions: {
          match: 'all',
          conditions: [{ metric: 'spend', window: { days: 7 }, op: '>', value: 0, unit: 'currency_micros' }],
        },
        actions: [{ type: 'notify' }],
        schedule: { cron: '0 8 * * *' },
      }),
    },
    'PATCH /api/v1/rules/{id}': { params: () => ({ id: ruleId }), body: () => ({ name: 'Spend watch 2' }) },
    'POST /api/v1/rules/{id}/enable': { params: () => ({ id: ruleId }), body: null },
    'POST /api/v1/rules/{id}/disable': { params: () => ({ id: ruleId }), body: null },
    'POST /api/v1/rules/{id}/run': { params: () => ({ id: ruleId }), body: null },
    'POST /api/v1/rules/{id}/backtest': { params: () => ({ id: ruleId }), body: () => ({ days: 3 }) },
  };
  /** Write routes for which `{}` is a valid body; add one here deliberately. */
  const acceptsEmptyBody = new Set<string>([
    'POST /api/v1/connections/{id}/sync',
    'POST /api/v1/actions/{id}/approve',
    'POST /api/v1/actions/{id}/reject',
    'POST /api/v1/actions/{id}/revert',
    'PATCH /api/v1/rules/{id}',
    'PATCH /api/v1/workflows/{id}',
    'POST /api/v1/workflows/{id}/runs',
    'POST /api/v1/workflows/executions/{id}/steps/{stepId}/approve',
    'POST /api/v1/workflows/executions/{id}/steps/{stepId}/reject',
  ]);

  const writeRoutes = () =>
    Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([m]) => ['post', 'put', 'patch'].includes(m))
          .map(([m, op]) => ({ key: `${m.toUpperCase()} ${path}`, method: m.toUpperCase(), path, op })),
      );

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'input-owner');
    spare = await signUp(t.app, 'input-spare');
    doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    sim = await connectSimulator(t, owner, 'inputwalk');
    const invite = await send(owner, {
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email: uniqueEmail('viewer'), role: 'viewer' },
    });
    const joined = await send(null, {
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        email: invite.json().email,
        password: 'viewer password',
        name: 'Viewer',
        invitationToken: invite.json().token,
      },
    });
    expect(joined.statusCode).toBe(201);
    const members = (await send(owner, { method: 'GET', url: '/api/v1/members' })).json().items;
    viewerMembershipId = members.find((m: { role: string }) => m.role === 'viewer').id;
    const client = await send(owner, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: 'Target', email: uniqueEmail('target') },
    });
    clientId = client.json().id;
    agentId = (await send(owner, { method: 'GET', url: '/api/v1/agents' })).json().items[0].id;
    const queued = await send(owner, {
      method: 'POST',
      url: '/api/v1/agents/creative_intelligence/runs',
      payload: { input: { limit: 1 }, wait: false },
    });
    expect(queued.statusCode, queued.body).toBe(202);
    executionId = queued.json().id;
    const proposal = await send(owner, {
      method: 'POST',
      url: '/api/v1/actions',
      payload: { kind: 'budget_change', campaignId: sim.campaignId, percent: 60 },
    });
    expect(proposal.statusCode, proposal.body).toBe(201);
    proposalId = proposal.json().proposal.id;
    const rule = await send(owner, {
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
    expect(rule.statusCode, rule.body).toBe(201);
    ruleId = rule.json().id;
    const workflow = await send(owner, {
      method: 'POST',
      url: '/api/v1/workflows',
      payload: {
        name: 'Input target',
        steps: [{ id: 'gate', type: 'approval_wait' }],
        triggers: { webhook: true },
      },
    });
    expect(workflow.statusCode, workflow.body).toBe(201);
    workflowId = workflow.json().workflow.id;
    workflowHookId = workflow.json().workflow.hookId;
    const workflowRun = await send(owner, {
      method: 'POST',
      url: `/api/v1/workflows/${workflowId}/runs`,
      payload: {},
    });
    expect(workflowRun.statusCode, workflowRun.body).toBe(202);
    workflowExecutionId = workflowRun.json().executionId;
    portalUser = await portalUserFor(t, owner, clientId);
    portalSpare = await portalUserFor(t, owner, clientId);
  });
  afterAll(() => t.close());

  it('has a valid request for every write route of the OpenAPI document', () => {
    const routes = writeRoutes();
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.map((r) => r.key).filter((k) => !writeCases[k])).toEqual([]);
  });

  it('answers every malformed body of every write route with a 4xx error body and writes nothing', async () => {
    const problems: string[] = [];
    for (const { key, method, path, op } of writeRoutes()) {
      const c = writeCases[key];
      if (!c) continue;
      const who = c.public ? null : c.portal ? portalSpare : owner;
      const url = fill(path, c.params?.() ?? {});
      const raw = (label: string, payload: string, contentType: string | undefined, allowed: number[]) =>
        send(who, {
          method: method as InjectOptions['method'],
          url,
          payload,
          headers: contentType === undefined ? {} : { 'content-type': contentType },
        }).then((res) => {
          const p = problemWith(`${key} ${label}`, res, allowed);
          if (p) problems.push(p);
        });
      const json = (label: string, body: unknown) =>
        raw(label, JSON.stringify(body), 'application/json', [400]);

      const before = await snapshotDatabase(t);
      // Rejected by the parser or the size limit before any handler runs, body schema or not
      // (a signed route keeps the raw bytes and refuses them for want of a signature).
      const unparsable = c.signed ? [401] : [400];
      await raw('malformed JSON', '{"name": "half', 'application/json', unparsable);
      // An empty body sent as JSON is no body (platform/http.ts): a 400 naming the required fields,
      // but a valid request where no body or `{}` is (test/api-empty-body.test.ts runs those).
      if (c.signed || (c.body !== null && !acceptsEmptyBody.has(key)))
        await raw('empty JSON body', '', 'application/json', unparsable);
      await raw(
        '1.1 MB body',
        JSON.stringify({ padding: 'x'.repeat(1.1 * KB * KB) }),
        'application/json',
        [413],
      );
      await raw('XML', '<name>x</name>', 'application/xml', [415]);
      await raw('form encoded', 'name=x', 'application/x-www-form-urlencoded', [415]);
      await raw('no content type', '{"name":"x"}', '', [415]);

      const schema = op.requestBody?.content['application/json']?.schema;
      if (c.body && schema) {
        const valid = c.body();
        await raw('text/plain', JSON.stringify(valid), 'text/plain', [400, 415]);
        await raw(
          '__proto__ key',
          `{"__proto__":{"admin":true},${JSON.stringify(valid).slice(1)}`,
          'application/json',
          [400],
        );
        await raw(
          'deeply nested JSON',
          `{"nested":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
          'application/json',
          [400],
        );
        await json('a JSON array', [valid]);
        await json('JSON null', null);
        await json('a JSON string', 'text');
        await json('an unknown extra field', { ...valid, unexpectedField: 'x' });
        if (!acceptsEmptyBody.has(key)) await json('an empty object', {});
        for (const name of schema.required ?? [])
          await json(`without required ${name}`, without(valid, name));
        for (const field of fieldPaths(schema)) {
          const name = field.path.join('.');
          const types = typesOf(field.schema);
          await json(
            `${name} as the wrong type`,
            withValueAt(valid, field.path, types.has('object') ? 'x' : { x: 1 }),
          );
          await json(
            `${name} as the wrong scalar`,
            withValueAt(valid, field.path, types.has('string') ? 12345 : '12345'),
          );
          if (types.has('array'))
            await json(`${name} with a wrong item`, withValueAt(valid, field.path, [{ x: 1 }]));
          if (types.has('string')) {
            await json(`${name} as a 100 KB string`, withValueAt(valid, field.path, HUGE));
            const current = field.path.reduce<unknown>((node, k) => (node as Body | undefined)?.[k], valid);
            const text = typeof current === 'string' ? current : 'text';
            await json(`${name} with a NUL character`, withValueAt(valid, field.path, `${text}\u0000`));
          }
        }
      }
      expect(await snapshotDatabase(t), `${key} wrote to the database`).toEqual(before);

      // The valid request passes validation, so the rejections above came from the mutations.
      if (c.body) {
        const res = await send(who, { method: method as InjectOptions['method'], url, payload: c.body() });
        const refusedAsExpected =
          c.refusedAfterValidationAt !== undefined &&
          res.statusCode === 400 &&
          ((issues: Array<{ location?: string }>) =>
            issues.length > 0 && issues.every((i) => i.location === c.refusedAfterValidationAt))(
            res.json().error?.details?.issues ?? [],
          );
        if ((isSchemaRejection(res) && !refusedAsExpected) || res.statusCode >= 500)
          problems.push(
            `${key}: the valid request was rejected: ${res.statusCode} ${res.body.slice(0, 300)}`,
          );
      }
    }
    expect(problems).toEqual([]);
    // Walks every write route (60+ with many mutations each): minutes on a loaded machine.
  }, 300_000);

  it('answers a bad body without credentials with 401 on every signed-in write route, writing nothing', async () => {
    const problems: string[] = [];
    const before = await snapshotDatabase(t);
    for (const { key, method, path } of writeRoutes()) {
      const c = writeCases[key];
      if (!c || c.public) continue;
      const res = await send(null, {
        method: method as InjectOptions['method'],
        url: fill(path, c.params?.() ?? {}),
        payload: '{"broken',
        headers: { 'content-type': 'application/json' },
      });
      const p = problemWith(`${key} anonymous`, res, [401]);
      if (p) problems.push(p);
    }
    expect(problems).toEqual([]);
    expect(await snapshotDatabase(t)).toEqual(before);
  });

  it('rejects bad query parameters of every list with 400: limits, cursors, enums, dates, huge and NUL text', async () => {
    const problems: string[] = [];
    const before = await snapshotDatabase(t);
    const gets = Object.entries(doc.paths).flatMap(([path, ops]) =>
      ops.get && path.startsWith('/api/v1/') && !path.includes('{') ? [{ path, op: ops.get }] : [],
    );
    const query = async (label: string, path: string, qs: string, allowed: number[]) => {
      const res = await send(callerFor(path), { method: 'GET', url: `${path}?${qs}` });
      const p = problemWith(`GET ${path} ${label}`, res, allowed);
      if (p) problems.push(p);
    };
    let checkedLists = 0;
    for (const { path, op } of gets) {
      for (const param of (op.parameters ?? []).filter((p) => p.in === 'query')) {
        const types = typesOf(param.schema);
        const n = param.name;
        if (types.has('string')) {
          await query(`${n} of 100 KB`, path, `${n}=${HUGE}`, [400]);
          await query(`${n} with NUL`, path, `${n}=a%00b`, [400]);
        }
        if (param.schema?.enum) await query(`${n} not in the enum`, path, `${n}=not-a-value`, [400]);
        if (param.schema?.format === 'date-time')
          await query(`${n} not a date`, path, `${n}=yesterday`, [400]);
        if (n === 'limit') {
          checkedLists++;
          for (const bad of ['abc', '100000', '0', '-5', '1.5', '', '1e400'])
            await query(`limit=${bad}`, path, `limit=${encodeURIComponent(bad)}`, [400]);
          await query('limit twice', path, 'limit=5&limit=6', [400]);
        }
        if (n === 'cursor') {
          for (const bad of [
            '%25%25%25',
            encodeCursor('not a cursor'),
            encodeCursor('9'.repeat(40)),
            encodeCursor("cli_0' or 1=1 --"),
          ])
            await query(`cursor=${bad}`, path, `cursor=${bad}`, [400]);
        }
      }
    }
    expect(checkedLists).toBeGreaterThanOrEqual(2);
    expect(problems).toEqual([]);
    expect(await snapshotDatabase(t)).toEqual(before);
  }, 300_000);

  it('rejects a cursor taken from another kind of list with 400 instead of failing in the database', async () => {
    const seqCursor = encodeCursor('42');
    const idCursor = encodeCursor(clientId);
    const auditWithId = await send(owner, { method: 'GET', url: `/api/v1/audit?cursor=${idCursor}` });
    expect(problemWith('audit with an id cursor', auditWithId, [400])).toBeUndefined();
    expect(auditWithId.json().error.code).toBe('invalid_input');
    const clientsWithSeq = await send(owner, { method: 'GET', url: `/api/v1/clients?cursor=${seqCursor}` });
    expect(problemWith('clients with a seq cursor', clientsWithSeq, [400])).toBeUndefined();
    // The right kinds still page.
    expect((await send(owner, { method: 'GET', url: `/api/v1/audit?cursor=${seqCursor}` })).statusCode).toBe(
      200,
    );
    expect((await send(owner, { method: 'GET', url: `/api/v1/clients?cursor=${idCursor}` })).statusCode).toBe(
      200,
    );
  });

  it('rejects oversized, NUL-carrying and unknown ids in the path with a 4xx error body, writing nothing', async () => {
    const problems: string[] = [];
    const before = await snapshotDatabase(t);
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/') || !path.includes('{')) continue;
      for (const m of Object.keys(ops)) {
        const method = m.toUpperCase() as InjectOptions['method'];
        const c = writeCases[`${m.toUpperCase()} ${path}`];
        const payload = c?.body ? c.body() : undefined;
        for (const [label, id, allowed] of [
          ['a 65-character id', 'a'.repeat(65), [400]],
          ['an id with NUL', 'cli_\u0000', [400]],
          ['an unknown id', 'cli_00000000000000000000000000', [404]],
        ] as const) {
          const url = path.replace(/\{\w+\}/g, encodeURIComponent(id));
          const res = await send(callerFor(path), { method, url, ...(payload ? { payload } : {}) });
          const p = problemWith(`${m.toUpperCase()} ${path} with ${label}`, res, [...allowed]);
          if (p) problems.push(p);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(await snapshotDatabase(t)).toEqual(before);
  });

  // Errors Fastify raises before routing go through `frameworkErrors` in main/api.ts.
  it('answers a URL with invalid percent-encoding or a 100 KB id with the error body', async () => {
    const badEncoding = await send(owner, { method: 'GET', url: '/api/v1/clients/%C3%28' });
    const longId = await send(owner, { method: 'GET', url: `/api/v1/clients/${HUGE}` });
    expect([
      problemWith('bad percent-encoding', badEncoding, [400, 404]),
      problemWith('a 100 KB id', longId, [400, 404, 414]),
    ]).toEqual([undefined, undefined]);
  });
});
