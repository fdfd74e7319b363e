/** Billing rows and usage counts. Every function takes the organization id and filters on it. */
import type { Executor, Storage } from '../../storage/db.ts';
import type { BillingAccountsTable } from '../../storage/schema.ts';

export type CountedLimit = 'users' | 'clients' | 'adAccounts';
export type Meter = 'agent_runs' | 'api_calls';

export async function accountOf(trx: Executor, organizationId: string) {
  return trx
    .selectFrom('billing_accounts')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
}

/** The organization's creation time (its free trial starts there) and its billing row, in one query. */
export async function organizationWithAccount(trx: Executor, organizationId: string) {
  const row = await trx
    .selectFrom('organizations')
    .leftJoin('billing_accounts', 'billing_accounts.organization_id', 'organizations.id')
    .select(['organizations.created_at as org_created_at'])
    .selectAll('billing_accounts')
    .where('organizations.id', '=', organizationId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { org_created_at, ...account } = row;
  return {
    createdAt: org_created_at,
    account: account.organization_id ? (account as BillingAccountsTable) : undefined,
  };
}

export async function saveAccount(trx: Executor, row: BillingAccountsTable) {
  const { organization_id, created_at, ...rest } = row;
  await trx
    .insertInto('billing_accounts')
    .values(row)
    .onConflict((oc) => oc.column('organization_id').doUpdateSet(rest))
    .execute();
}

/**
 * Serialises limit checks of one organization (count, then add) on PostgreSQL; SQLite runs one
 * write transaction at a time anyway. FOR NO KEY UPDATE does not block inserts that reference the row.
 */
export async function lockForLimits(storage: Storage, trx: Executor, organizationId: string) {
  if (storage.dialect !== 'postgres') return;
  await trx
    .selectFrom('organizations')
    .select('id')
    .where('id', '=', organizationId)
    .forNoKeyUpdate()
    .execute();
}

export async function countOf(
  trx: Executor,
  organizationId: string,
  limit: CountedLimit,
  opts: { exceptAdAccountId?: string } = {},
): Promise<number> {
  let row: { n: number | string | bigint } | undefined;
  if (limit === 'users')
    row = await trx
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
  else if (limit === 'clients')
    row = await trx
      .selectFrom('clients')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
  else {
    let q = trx
      .selectFrom('ad_accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organizationId)
      .where('enabled', '=', 1);
    if (opts.exceptAdAccountId) q = q.where('id', '!=', opts.exceptAdAccountId);
    row = await q.executeTakeFirst();
  }
  return Number(row?.n ?? 0);
}

export async function meterCount(trx: Executor, organizationId: string, metric: Meter, period: string) {
  const row = await trx
    .selectFrom('billing_usage')
    .select('count')
    .where('organization_id', '=', organizationId)
    .where('metric', '=', metric)
    .where('period', '=', period)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

export async function meterAdd(
  trx: Executor,
  organizationId: string,
  metric: Meter,
  period: string,
  n: number,
  now: string,
) {
  await trx
    .insertInto('billing_usage')
    .values({ organization_id: organizationId, metric, period, count: n, updated_at: now })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'metric', 'period']).doUpdateSet((eb) => ({
        count: eb('billing_usage.count', '+', eb.ref('excluded.count')),
        updated_at: now,
      })),
    )
    .execute();
}
