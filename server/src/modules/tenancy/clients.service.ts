/** Clients: the agency's customers. Email is unique within an organization, not globally. */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { isUniqueViolation } from '../../platform/http.ts';
import { newId } from '../../platform/ids.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { ClientsTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import type { Limits } from '../billing/index.ts';
import { assertSlugFree, freeSlugFor, slugify } from './client-slug.ts';

export const clientStatuses = ['active', 'paused', 'archived'] as const;
export type ClientStatus = (typeof clientStatuses)[number];

export interface Client {
  id: string;
  name: string;
  email: string;
  company: string | null;
  status: ClientStatus;
  monthlyBudgetMicros: number | null;
  currency: string;
  notes: string | null;
  /** The client portal's address: `/portal/<portalSlug>/login`. */
  portalSlug: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ClientInput {
  name: string;
  email: string;
  company?: string | null;
  status?: ClientStatus;
  monthlyBudgetMicros?: number | null;
  currency?: string;
  notes?: string | null;
  portalSlug?: string;
}

const toClient = (r: ClientsTable): Client => ({
  id: r.id,
  name: r.name,
  email: r.email,
  company: r.company,
  status: r.status as ClientStatus,
  monthlyBudgetMicros: r.monthly_budget_micros === null ? null : Number(r.monthly_budget_micros),
  currency: r.currency,
  notes: r.notes,
  portalSlug: r.portal_slug ?? null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function createClients({
  storage,
  audit,
  clock,
  limits,
}: {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  /** The plan's client limit (billing); absent, clients are unlimited. */
  limits?: Pick<Limits, 'assertCanAdd'>;
}) {
  async function find(trx: Executor, organizationId: string, id: string) {
    const row = await trx
      .selectFrom('clients')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Client', id);
    return row;
  }

  async function assertEmailFree(trx: Executor, organizationId: string, email: string, exceptId?: string) {
    let q = trx
      .selectFrom('clients')
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('email', '=', email);
    if (exceptId) q = q.where('id', '!=', exceptId);
    const other = await q.executeTakeFirst();
    if (other)
      throw conflict(`A client with email ${email} already exists in this organization`, {
        field: 'email',
        clientId: other.id,
      });
  }

  async function create(ctx: Ctx, input: ClientInput): Promise<Client> {
    // Before the transaction: the slug space spans organizations (see client-slug.ts).
    if (input.portalSlug) await assertSlugFree(storage, input.portalSlug);
    // Two clients of the same name created at once pick the same free slug; the unique index lets
    // one through and the other tries again (with a random suffix after the second collision).
    for (let attempt = 0; ; attempt++) {
      const portalSlug =
        input.portalSlug ??
        (attempt < 2
          ? await freeSlugFor(storage, input.name)
          : `${slugify(input.name)}-${randomBytes(3).toString('hex')}`);
      try {
        return await insertClient(ctx, input, portalSlug);
      } catch (e) {
        if (input.portalSlug || attempt >= 5 || !isUniqueViolation(e)) throw e;
      }
    }
  }

  function insertClient(ctx: Ctx, input: ClientInput, portalSlug: string): Promise<Client> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const email = input.email.toLowerCase();
      await assertEmailFree(trx, ctx.organizationId, email);
      await limits?.assertCanAdd(trx, ctx.organizationId, 'clients');
      const now = clock.now().toISOString();
      const row: ClientsTable = {
        id: newId('client'),
        organization_id: ctx.organizationId,
        name: input.name,
        email,
        company: input.company ?? null,
        status: input.status ?? 'active',
        monthly_budget_micros: input.monthlyBudgetMicros ?? null,
        currency: input.currency ?? 'USD',
        notes: input.notes ?? null,
        created_at: now,
        updated_at: now,
        portal_slug: portalSlug,
      };
      await trx.insertInto('clients').values(row).execute();
      await audit.recordFor(trx, ctx, {
        action: 'clients.created',
        target: { type: 'client', id: row.id },
        input,
      });
      return toClient(row);
    });
  }

  async function list(
    ctx: Ctx,
    f: { status?: ClientStatus; q?: string; limit: number; cursor?: string },
  ): Promise<Page<Client>> {
    const cursor = decodeCursor(f.cursor, 'id');
    return storage.withTenant(ctx.organizationId, async (trx) => {
      let q = trx.selectFrom('clients').selectAll().where('organization_id', '=', ctx.organizationId);
      if (f.status) q = q.where('status', '=', f.status);
      if (f.q) {
        // Wildcards are dropped rather than escaped: SQLite's LIKE has no default escape character.
        const like = `%${f.q.toLowerCase().replace(/[%_]/g, '')}%`;
        q = q.where((eb) =>
          eb.or([
            eb(eb.fn('lower', ['name']), 'like', like),
            eb('email', 'like', like),
            eb(eb.fn('lower', ['company']), 'like', like),
          ]),
        );
      }
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(f.limit + 1)
        .execute();
      return toPage(rows.map(toClient), f.limit, (c) => c.id);
    });
  }

  const get = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => toClient(await find(trx, ctx.organizationId, id)));

  async function update(ctx: Ctx, id: string, patch: Partial<ClientInput>): Promise<Client> {
    if (patch.portalSlug) await assertSlugFree(storage, patch.portalSlug, id);
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const before = await find(trx, ctx.organizationId, id);
      const email = patch.email?.toLowerCase();
      if (email && email !== before.email) await assertEmailFree(trx, ctx.organizationId, email, id);
      const after: ClientsTable = {
        ...before,
        name: patch.name ?? before.name,
        email: email ?? before.email,
        company: patch.company === undefined ? before.company : patch.company,
        status: patch.status ?? before.status,
        monthly_budget_micros:
          patch.monthlyBudgetMicros === undefined ? before.monthly_budget_micros : patch.monthlyBudgetMicros,
        currency: patch.currency ?? before.currency,
        notes: patch.notes === undefined ? before.notes : patch.notes,
        portal_slug: patch.portalSlug ?? before.portal_slug,
        updated_at: clock.now().toISOString(),
      };
      await trx
        .updateTable('clients')
        .set(after)
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'clients.updated',
        target: { type: 'client', id },
        input: patch,
        metadata: { before: toClient(before), after: toClient(after) },
      });
      return toClient(after);
    });
  }

  async function remove(ctx: Ctx, id: string): Promise<void> {
    await storage.withTenant(ctx.organizationId, async (trx) => {
      const before = await find(trx, ctx.organizationId, id);
      await trx
        .deleteFrom('clients')
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'clients.deleted',
        target: { type: 'client', id },
        metadata: { before: toClient(before) },
      });
    });
  }

  return { create, list, get, update, remove };
}

export type Clients = ReturnType<typeof createClients>;
