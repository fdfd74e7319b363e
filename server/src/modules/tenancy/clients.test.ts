import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';

interface ClientBody {
  id: string;
  name: string;
  email: string;
  company: string | null;
  status: string;
  monthlyBudgetMicros: number | null;
  currency: string;
  notes: string | null;
}

describe(`clients on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let b: Signed;
  const send = (who: Signed, opts: InjectOptions) =>
    t.app.inject({ ...opts, headers: { ...who.headers, ...(opts.headers as Record<string, string>) } });
  const create = async (who: Signed, body: Record<string, unknown>) => {
    const res = await send(who, { method: 'POST', url: '/api/v1/clients', payload: body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as ClientBody;
  };
  const auditCount = async (who: Signed) =>
    (await t.services.audit.list(who.organizationId, { limit: 200 })).items.length;

  /** Follows nextCursor from the first page to the last; returns every id in the order served. */
  async function pageThrough(who: Signed, query: string, limit: number, between?: () => Promise<void>) {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/clients?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await send(who, { method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { items: ClientBody[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
      pages++;
      if (pages === 1) await between?.();
    } while (cursor && pages < 100);
    return { ids, pages };
  }

  beforeAll(async () => {
    t = await createTestApp();
    a = await signUp(t.app, 'clients-a');
    b = await signUp(t.app, 'clients-b');
  });
  afterAll(() => t.close());

  it('creates, reads, updates and deletes a client, auditing each change', async () => {
    const created = await create(a, {
      name: '  Northwind  ',
      email: 'Buyer@Northwind.Example',
      company: 'Northwind Traders',
      monthlyBudgetMicros: 12_500_000_000,
      currency: 'EUR',
      notes: 'Prefers Meta',
    });
    expect(created).toMatchObject({
      name: 'Northwind',
      email: 'buyer@northwind.example',
      company: 'Northwind Traders',
      status: 'active',
      monthlyBudgetMicros: 12_500_000_000,
      currency: 'EUR',
      notes: 'Prefers Meta',
    });
    const read = await send(a, { method: 'GET', url: `/api/v1/clients/${created.id}` });
    expect(read.json()).toEqual(created);

    const patched = await send(a, {
      method: 'PATCH',
      url: `/api/v1/clients/${created.id}`,
      payload: { status: 'paused', monthlyBudgetMicros: null, notes: null },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      status: 'paused',
      monthlyBudgetMicros: null,
      notes: null,
      name: 'Northwind',
    });
    expect((await send(a, { method: 'GET', url: `/api/v1/clients/${created.id}` })).json().status).toBe(
      'paused',
    );

    const deleted = await send(a, { method: 'DELETE', url: `/api/v1/clients/${created.id}` });
    expect(deleted.statusCode).toBe(204);
    expect((await send(a, { method: 'GET', url: `/api/v1/clients/${created.id}` })).statusCode).toBe(404);
    expect((await send(a, { method: 'DELETE', url: `/api/v1/clients/${created.id}` })).statusCode).toBe(404);

    const trail = await t.services.audit.list(a.organizationId, { limit: 50, targetId: created.id });
    expect(trail.items.map((e) => e.action)).toEqual([
      'clients.deleted',
      'clients.updated',
      'clients.created',
    ]);
    const updated = trail.items[1];
    expect(updated?.metadata).toMatchObject({
      before: { status: 'active', monthlyBudgetMicros: 12_500_000_000 },
      after: { status: 'paused', monthlyBudgetMicros: null },
    });
    expect(updated?.actor).toEqual({ type: 'user', id: a.userId, name: 'clients-a' });
  });

  it('keeps email unique within an organization, case-insensitively, with 409; another organization may use it', async () => {
    const first = await create(a, { name: 'Shared One', email: 'shared@example.test' });
    const before = await auditCount(a);
    const dup = await send(a, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: 'Shared Two', email: 'SHARED@example.test' },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({
      code: 'conflict',
      details: { field: 'email', clientId: first.id },
    });

    const other = await create(a, { name: 'Other', email: uniqueEmail('other') });
    const steal = await send(a, {
      method: 'PATCH',
      url: `/api/v1/clients/${other.id}`,
      payload: { email: 'Shared@Example.test' },
    });
    expect(steal.statusCode).toBe(409);
    expect((await send(a, { method: 'GET', url: `/api/v1/clients/${other.id}` })).json().email).toBe(
      other.email,
    );
    expect(await auditCount(a)).toBe(before + 1); // only the creation of `other`

    // Re-saving a client with its own email is not a conflict.
    const same = await send(a, {
      method: 'PATCH',
      url: `/api/v1/clients/${first.id}`,
      payload: { email: 'shared@example.test', name: 'Shared Renamed' },
    });
    expect(same.statusCode).toBe(200);

    const inB = await create(b, { name: 'Shared in B', email: 'shared@example.test' });
    expect(inB.email).toBe('shared@example.test');
  });

  it('pages through every client exactly once, newest first, even when clients are added meanwhile', async () => {
    const org = await signUp(t.app, 'pager');
    const created: string[] = [];
    for (let i = 0; i < 23; i++)
      created.push((await create(org, { name: `Client ${i}`, email: uniqueEmail('p') })).id);
    let late: string | undefined;
    const { ids, pages } = await pageThrough(org, '', 5, async () => {
      late = (await create(org, { name: 'Late', email: uniqueEmail('late') })).id;
    });
    expect(pages).toBe(5);
    expect(new Set(ids).size).toBe(ids.length);
    // Newest first; a client created after the first page is not served twice nor out of order.
    expect(ids).toEqual([...created].reverse());
    expect(ids).not.toContain(late);
    const again = await pageThrough(org, '', 7);
    expect(again.ids).toEqual([late, ...[...created].reverse()]);
    const one = await pageThrough(org, '', 200);
    expect(one.pages).toBe(1);
    expect(one.ids).toHaveLength(24);
  });

  it('filters by status and searches name, email and company case-insensitively, also across pages', async () => {
    const org = await signUp(t.app, 'filters');
    const acme = await create(org, {
      name: 'ACME Rockets',
      email: 'ops@acme.example',
      company: 'Acme Holdings',
    });
    const globex = await create(org, {
      name: 'Globex',
      email: 'hank@globex.example',
      company: 'Globex Corporation',
      status: 'paused',
    });
    const initech = await create(org, {
      name: 'Initech',
      email: 'bill@initech.example',
      company: 'ACME subsidiary',
      status: 'archived',
    });
    const paused: string[] = [];
    for (let i = 0; i < 5; i++)
      paused.push(
        (await create(org, { name: `Paused ${i}`, email: uniqueEmail('pz'), status: 'paused' })).id,
      );
    const list = async (qs: string) =>
      (await send(org, { method: 'GET', url: `/api/v1/clients?${qs}` }))
        .json()
        .items.map((c: ClientBody) => c.id);

    expect(await list('q=acme')).toEqual([initech.id, acme.id]);
    expect(await list('q=GLOBEX.EXAMPLE')).toEqual([globex.id]);
    expect(await list('q=holdings')).toEqual([acme.id]);
    expect(await list('q=acme&status=archived')).toEqual([initech.id]);
    expect(await list('q=no-such-client')).toEqual([]);
    expect(await list('status=active')).toEqual([acme.id]);
    const pausedPages = await pageThrough(org, '&status=paused', 2);
    expect(pausedPages.ids).toEqual([...paused].reverse().concat(globex.id));
    expect(pausedPages.pages).toBe(3);
    // Other organizations' clients never match a search.
    await create(b, { name: 'ACME in B', email: uniqueEmail('acme-b') });
    expect(await list('q=acme')).toEqual([initech.id, acme.id]);
  });

  it('a client of another organization is 404 for read, change and delete, and stays as it was', async () => {
    const mine = await create(a, { name: 'Private', email: uniqueEmail('private') });
    for (const opts of [
      { method: 'GET' },
      { method: 'PATCH', payload: { name: 'Taken over' } },
      { method: 'DELETE' },
    ] as const) {
      const res = await send(b, { ...opts, url: `/api/v1/clients/${mine.id}` });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await send(a, { method: 'GET', url: `/api/v1/clients/${mine.id}` })).json()).toEqual(mine);
    const bTrail = await t.services.audit.list(b.organizationId, { limit: 200, targetId: mine.id });
    expect(bTrail.items).toEqual([]);
  });
});
