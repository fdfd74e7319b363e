/**
 * Verb endpoints (approve, reject, revert, sync, a rule's enable/run, …) whose body is optional take
 * a request without one, the way `curl -X POST …/approve` sends it: no body and no content type, or
 * `Content-Type: application/json` with nothing after it. Hostile bodies are still refused: JSON
 * `null`, malformed JSON, unknown fields; and a route that needs a body names the fields it misses.
 */
import http from 'node:http';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialect } from '../src/storage/testing.ts';
import { createTestApp, type Signed, signUp, type TestApp } from './helpers/app.ts';
import { connectSimulator, type SyncedSimulator } from './helpers/simulator.ts';

/** The three ways a bodiless POST arrives. */
const bodiless: Array<[string, Record<string, string>]> = [
  ['no body, no content type', {}],
  ['an empty JSON body without Content-Length', { 'content-type': 'application/json' }],
  [
    'an empty JSON body with Content-Length: 0',
    { 'content-type': 'application/json', 'content-length': '0' },
  ],
];

describe(`bodiless verb endpoints on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let sim: SyncedSimulator;

  const post = (url: string, headers: Record<string, string>, payload?: string) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { ...owner.headers, ...headers },
      ...(payload === undefined ? {} : { payload }),
    } as InjectOptions);
  /** A 60% increase: above the default 20% guardrail, so it waits for approval. */
  const pending = async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/actions',
      headers: owner.headers,
      payload: { kind: 'budget_change', campaignId: sim.campaignId, percent: 60 },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().proposal.status).toBe('pending_approval');
    return res.json().proposal.id as string;
  };
  const statusOf = async (id: string) =>
    (await t.app.inject({ method: 'GET', url: `/api/v1/actions/${id}`, headers: owner.headers })).json()
      .status;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'bodiless');
    sim = await connectSimulator(t, owner, 'bodiless');
    // Changes to one campaign within minutes of each other would need approval for that reason too.
    const policy = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/guardrails',
      headers: owner.headers,
      payload: { settings: { minHoursBetweenChanges: 0 } },
    });
    expect(policy.statusCode, policy.body).toBe(200);
  });
  afterAll(() => t.close());

  for (const [label, headers] of bodiless) {
    it(`approves, reverts and rejects a proposal sent ${label}`, async () => {
      const approved = await pending();
      const approve = await post(`/api/v1/actions/${approved}/approve`, headers);
      expect(approve.statusCode, approve.body).toBe(200);
      expect(approve.json().status).toBe('applied');
      const revert = await post(`/api/v1/actions/${approved}/revert`, headers);
      expect(revert.statusCode, revert.body).toBe(200);
      expect(revert.json().status).toBe('reverted');

      const rejected = await pending();
      const reject = await post(`/api/v1/actions/${rejected}/reject`, headers);
      expect(reject.statusCode, reject.body).toBe(200);
      expect(reject.json().status).toBe('rejected');
    });

    it(`starts an incremental sync, and disables, enables and runs a rule, sent ${label}`, async () => {
      const sync = await post(`/api/v1/connections/${sim.connectionId}/sync`, headers);
      expect(sync.statusCode, sync.body).toBe(202);
      expect(sync.json()).toMatchObject({ kind: 'incremental', connectionId: sim.connectionId });
      await t.services.sync.execute(owner.organizationId, sync.json().id);

      const rule = await t.app.inject({
        method: 'POST',
        url: '/api/v1/rules',
        headers: owner.headers,
        payload: {
          name: `Spend watch (${label})`,
          enabled: false,
          scope: { level: 'campaign' },
          conditions: {
            match: 'all',
            conditions: [
              { metric: 'spend', window: { days: 7 }, op: '<', value: 0, unit: 'currency_micros' },
            ],
          },
          actions: [{ type: 'notify' }],
          schedule: { cron: '0 8 * * *' },
        },
      });
      expect(rule.statusCode, rule.body).toBe(201);
      const id = rule.json().id;
      for (const verb of ['enable', 'disable', 'run']) {
        const res = await post(`/api/v1/rules/${id}/${verb}`, headers);
        expect(res.statusCode, `${verb}: ${res.body}`).toBeLessThan(300);
      }
    });
  }

  it('still refuses JSON null, malformed JSON and unknown fields with 400, and leaves the proposal waiting', async () => {
    const id = await pending();
    const json = { 'content-type': 'application/json' };
    for (const [label, payload, location] of [
      ['JSON null', 'null', 'body'],
      ['a JSON array', '[]', 'body'],
      ['an unknown field', '{"force":true}', 'body'],
    ] as const) {
      const res = await post(`/api/v1/actions/${id}/approve`, json, payload);
      expect(res.statusCode, label).toBe(400);
      expect(res.json().error.code, label).toBe('invalid_input');
      expect(res.json().error.details.issues[0].location, label).toBe(location);
    }
    const malformed = await post(`/api/v1/actions/${id}/approve`, json, '{"comment":');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('invalid_input');
    const whitespace = await post(`/api/v1/actions/${id}/approve`, json, '   ');
    expect(whitespace.statusCode).toBe(400);
    expect(await statusOf(id)).toBe('pending_approval');
    // A body on a route that takes one is still read: the comment is kept.
    const reject = await post(`/api/v1/actions/${id}/reject`, json, '{"comment":"Not this week"}');
    expect(reject.statusCode, reject.body).toBe(200);
    expect(JSON.stringify(reject.json())).toContain('Not this week');
  });

  it('documents the body of these endpoints as optional in the OpenAPI document, and required where a field is', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const required = (path: string, method = 'post') => doc.paths[path][method].requestBody.required;
    expect(required('/api/v1/actions/{id}/approve')).toBe(false);
    expect(required('/api/v1/actions/{id}/revert')).toBe(false);
    expect(required('/api/v1/connections/{id}/sync')).toBe(false);
    expect(required('/api/v1/clients')).toBe(true);
    expect(required('/api/v1/actions')).toBe(true);
  });

  it('answers a missing body on a route that needs one with 400 naming each required field', async () => {
    for (const [, headers] of bodiless) {
      const res = await post('/api/v1/clients', headers);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
      expect(res.json().error.details.issues).toContainEqual(
        expect.objectContaining({
          location: 'body.name',
          code: 'invalid_type',
          message: expect.stringMatching(/^Required/),
        }),
      );
    }
    const clients = await t.app.inject({ method: 'GET', url: '/api/v1/clients', headers: owner.headers });
    expect(clients.json().items).toEqual([]);
  });

  it('takes a DELETE or PATCH sent with Content-Type: application/json and no body, over HTTP and chunked too', async () => {
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    /** Node's http.request: with `chunked` it streams a body that turns out empty (zero-length chunk). */
    const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          `${base}${path}`,
          { method, agent: false, headers: { ...owner.headers, ...headers } },
          (res) => {
            let text = '';
            res.on('data', (d) => {
              text += d;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        if (body !== undefined) req.write(body);
        req.end();
      });
    const ways: Array<[string, Record<string, string>]> = [
      ['no Content-Length', { 'content-type': 'application/json' }],
      ['Content-Length: 0', { 'content-type': 'application/json', 'content-length': '0' }],
      ['an empty chunked body', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }],
    ];
    for (const [label, headers] of ways) {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/clients',
        headers: owner.headers,
        payload: { name: `Bodiless ${label}`, email: 'bodiless@example.com' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id;
      // PATCH needs a field: the missing body is validated as {} and named, not refused as empty JSON.
      const patch = await send('PATCH', `/api/v1/clients/${id}`, headers);
      expect(patch.status, `${label}: ${patch.body}`).toBe(400);
      expect(JSON.parse(patch.body).error.message, label).not.toMatch(/empty|not valid JSON/i);
      const del = await send('DELETE', `/api/v1/clients/${id}`, headers);
      expect(del.status, `${label}: ${del.body}`).toBe(204);
      const gone = await t.app.inject({
        method: 'GET',
        url: `/api/v1/clients/${id}`,
        headers: owner.headers,
      });
      expect(gone.statusCode).toBe(404);
    }
    // A chunked body that carries something is still read.
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/clients',
      headers: owner.headers,
      payload: { name: 'Chunked', email: 'chunked@example.com' },
    });
    const renamed = await send(
      'PATCH',
      `/api/v1/clients/${created.json().id}`,
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      '{"name":"Chunked renamed"}',
    );
    expect(renamed.status, renamed.body).toBe(200);
    expect(JSON.parse(renamed.body).name).toBe('Chunked renamed');
  });
});
