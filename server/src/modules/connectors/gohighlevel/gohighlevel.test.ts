import { describe, expect, it } from 'vitest';
import { createMemoryBudget } from '../budget.ts';
import { type ConnectorContext, ConnectorError, type RequestBudget } from '../connector.port.ts';
import { crmConnectorContract, makeCrmScenario } from './crm.contract.ts';
import { ghlHarness, startGhl } from './gohighlevel.harness.ts';
import { gohighlevel } from './index.ts';

crmConnectorContract('gohighlevel', ghlHarness);

const crm = gohighlevel.crm!;
const collect = async <T>(it: AsyncIterable<T[]>) => {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
};
const recordingBudget = () => {
  const reports: Array<{ key: string; retryAfterMs?: number; usagePct?: number }> = [];
  const budget: RequestBudget = {
    acquire: async () => {},
    report: (key, info) => void reports.push({ key, ...info }),
  };
  return { budget, reports };
};
const quiet = (ctx: ConnectorContext, budget?: RequestBudget): ConnectorContext => ({
  ...ctx,
  ...(budget ? { budget } : {}),
  sleep: async () => {},
});

describe('gohighlevel requests', () => {
  it('searches contacts with the documented body, then pages with the searchAfter cursor', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc);
    try {
      const since = '2026-11-05T00:00:00.000Z';
      const got = await collect(crm.fetchContacts(ctx, { updatedSince: since }));
      const calls = fake.log.filter((r) => r.path === '/contacts/search');
      expect(calls.length).toBe(
        Math.ceil(got.length / sc.pageSize) + (got.length % sc.pageSize === 0 ? 1 : 0),
      );
      const first = calls[0]!;
      expect(first.method).toBe('POST');
      expect(first.headers.authorization).toBe('Bearer ghl-access-0');
      expect(first.headers.version).toBe('2021-07-28');
      expect(first.headers['content-type']).toBe('application/json');
      expect(first.body).toEqual({
        locationId: sc.accountExternalId,
        pageLimit: 5,
        sort: [{ field: 'dateUpdated', direction: 'asc' }],
        filters: [{ field: 'dateUpdated', operator: 'range', value: { gte: since } }],
      });
      const second = calls[1]!.body as Record<string, unknown>;
      const lastOfFirst = got[4]!;
      expect(second.searchAfter).toEqual([Date.parse(lastOfFirst.updatedAt), lastOfFirst.externalId]);
      expect(second).not.toHaveProperty('page');
    } finally {
      await fake.close();
    }
  });

  it('falls back to page numbers when a full page comes without cursors', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc, { omitSearchAfter: true });
    try {
      const got = await collect(crm.fetchContacts(ctx, {}));
      expect(got.map((c) => c.externalId).sort()).toEqual(sc.contacts.map((c) => c.externalId).sort());
      const pages = fake.log
        .filter((r) => r.path === '/contacts/search')
        .map((r) => (r.body as { page?: number }).page);
      expect(pages).toEqual([undefined, 2, 3, 4]);
    } finally {
      await fake.close();
    }
  });

  it('reads opportunities with snake_case location_id, status=all and the startAfter cursor', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc);
    try {
      await crm.fetchPipelines(ctx);
      await collect(crm.fetchOpportunities(ctx, {}));
      const pipes = fake.log.find((r) => r.path === '/opportunities/pipelines')!;
      expect(Object.fromEntries(pipes.query)).toEqual({ locationId: sc.accountExternalId });
      const opp = fake.log.filter((r) => r.path === '/opportunities/search');
      expect(opp).toHaveLength(3);
      expect(Object.fromEntries(opp[0]!.query)).toEqual({
        location_id: sc.accountExternalId,
        status: 'all',
        limit: '5',
      });
      expect(opp[1]!.query.get('startAfterId')).toMatch(/^op\d\d/);
      expect(Number(opp[1]!.query.get('startAfter'))).toBeGreaterThan(0);
      expect(opp.every((r) => r.headers.version === '2021-07-28')).toBe(true);
    } finally {
      await fake.close();
    }
  });

  it('sends only the fields set on upsert and refuses an upsert it cannot match', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc);
    try {
      await crm.upsertContact(ctx, { email: 'lead1@example.com', firstName: 'Rosa', tags: ['won'] });
      const call = fake.log.find((r) => r.path === '/contacts/upsert')!;
      expect(call.body).toEqual({
        locationId: sc.accountExternalId,
        email: 'lead1@example.com',
        firstName: 'Rosa',
        tags: ['won'],
      });
      const before = fake.requests();
      const err = await crm.upsertContact(ctx, { firstName: 'Nobody' }).catch((e) => e);
      expect(err).toMatchObject({ kind: 'invalid' });
      expect(fake.requests()).toBe(before);
      const bad = await crm.upsertContact(ctx, { email: 'not-an-email' }).catch((e) => e);
      expect(bad).toMatchObject({
        kind: 'invalid',
        status: 422,
        message: expect.stringContaining('email must be an email'),
      });
    } finally {
      await fake.close();
    }
  });

  it('enrols with the contacts Version and sends messages with the conversations Version', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc);
    try {
      const id = sc.contacts[2]!.externalId;
      const workflowId = '78559bb3-b920-461e-b010-7b2a2816d2a9';
      await crm.addContactToWorkflow(ctx, id, workflowId);
      const wf = fake.log.find((r) => r.path.includes('/workflow/'))!;
      expect(wf.path).toBe(`/contacts/${id}/workflow/${workflowId}`);
      expect(wf.headers.version).toBe('2021-07-28');
      expect(wf.body).toEqual({});
      await crm.sendMessage(ctx, { contactExternalId: id, channel: 'SMS', message: 'Hi Rosa' });
      await crm.sendMessage(ctx, {
        contactExternalId: id,
        channel: 'Email',
        subject: 'Quote',
        message: 'Hi <Rosa> & co\nLine 2',
      });
      const sent = fake.log.filter((r) => r.path === '/conversations/messages');
      expect(sent.map((r) => r.headers.version)).toEqual(['2021-04-15', '2021-04-15']);
      expect(sent[0]!.body).toEqual({ type: 'SMS', contactId: id, message: 'Hi Rosa' });
      expect(sent[1]!.body).toEqual({
        type: 'Email',
        contactId: id,
        subject: 'Quote',
        html: 'Hi &lt;Rosa&gt; &amp; co<br>Line 2',
      });
      const noSubject = await crm
        .sendMessage(ctx, { contactExternalId: id, channel: 'Email', message: 'x' })
        .catch((e) => e);
      expect(noSubject).toMatchObject({ kind: 'invalid' });
      const unknown = await crm.addContactToWorkflow(ctx, 'missing', 'wf').catch((e) => e);
      expect(unknown).toMatchObject({ kind: 'invalid', status: 400 });
    } finally {
      await fake.close();
    }
  });
});

describe('gohighlevel failures', () => {
  it('treats a 401 about the Version header as our bug (invalid), not an expired token', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc);
    try {
      const raw = await fetch(`${fake.url}/opportunities/pipelines?locationId=${sc.accountExternalId}`, {
        headers: { authorization: 'Bearer ghl-access-0' },
      });
      expect(raw.status).toBe(401);
      expect(await raw.json()).toMatchObject({ statusCode: 401, message: 'version header was not found.' });
      const err = await crm
        .fetchPipelines({ ...ctx, settings: { ...ctx.settings, apiVersion: '' } })
        .catch((e) => e);
      expect(err).toMatchObject({ kind: 'invalid', vendorCode: 'version' });
      const wrong = await crm
        .fetchPipelines({ ...ctx, settings: { ...ctx.settings, apiVersion: '2020-01-01' } })
        .catch((e) => e);
      expect(wrong).toMatchObject({ kind: 'invalid', vendorCode: 'version' });
    } finally {
      await fake.close();
    }
  });

  it('maps another location to auth and a connection without locationId to invalid, without calling', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc);
    try {
      const other = { ...ctx, tokens: { ...ctx.tokens, extra: { locationId: 'someOtherLocation01' } } };
      expect(await crm.fetchPipelines(other).catch((e) => e)).toMatchObject({ kind: 'auth', status: 403 });
      const before = fake.requests();
      const none = { ...ctx, tokens: { ...ctx.tokens, extra: {} } };
      const err = await collect(crm.fetchContacts(none, {})).catch((e) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ kind: 'invalid' });
      expect(fake.requests()).toBe(before);
    } finally {
      await fake.close();
    }
  });

  it('holds the location for the burst interval when X-RateLimit-Remaining reaches 0', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc, { burstMax: 3, burstIntervalMs: 10_000 });
    try {
      const budget = createMemoryBudget();
      const t0 = Date.now();
      for (let i = 0; i < 3; i++) await crm.fetchPipelines({ ...ctx, budget });
      expect(budget.pausedUntil(`gohighlevel:${sc.accountExternalId}`)).toBeGreaterThanOrEqual(t0 + 10_000);
      expect(budget.pausedUntil('gohighlevel:another')).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it('slows down near the daily limit and stops at once when it is spent', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc, { dailyLimit: 1 });
    try {
      const { budget, reports } = recordingBudget();
      await crm.fetchPipelines({ ...ctx, budget });
      expect(reports).toContainEqual({ key: `gohighlevel:${sc.accountExternalId}`, usagePct: 100 });
      const err = await crm.fetchPipelines(quiet(ctx, budget)).catch((e) => e);
      expect(err).toMatchObject({ kind: 'rate_limited', vendorCode: 'daily_limit', status: 429 });
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(err.retryAfterMs).toBeLessThanOrEqual(86_400_000);
      expect(fake.requests()).toBe(2);
    } finally {
      await fake.close();
    }
  });

  it('waits for Retry-After when a 429 carries one, else for the burst interval', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc);
    try {
      const { budget, reports } = recordingBudget();
      fake.failNext({
        status: 429,
        headers: { 'retry-after': '7' },
        json: { statusCode: 429, message: 'Too Many Requests' },
      });
      fake.inject('rate_limited');
      expect(await crm.fetchPipelines(quiet(ctx, budget))).toHaveLength(2);
      expect(reports.filter((r) => r.retryAfterMs !== undefined).map((r) => r.retryAfterMs)).toEqual([
        7000, 50,
      ]);
    } finally {
      await fake.close();
    }
  });

  it('retries a wrong-shaped success and gives up as transient', async () => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await startGhl(sc);
    try {
      fake.failNext({ json: { pipelines: 'nope' } }, 10);
      const err = await crm.fetchPipelines(quiet(ctx)).catch((e) => e);
      expect(err).toMatchObject({ kind: 'transient' });
      expect(fake.requests()).toBe(6);
    } finally {
      await fake.close();
    }
  });
});
