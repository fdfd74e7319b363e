/**
 * The existence check that most writes and reads start with: does this id name a row of the
 * caller's organization? Another organization's id gets the same 404 as an id that does not exist,
 * so ids cannot be probed across tenants.
 */
import { notFound } from '../platform/errors.ts';
import type { Executor } from './db.ts';

const owned = {
  client: { table: 'clients', label: 'Client' },
  campaign: { table: 'campaigns', label: 'Campaign' },
  ad_group: { table: 'ad_groups', label: 'Ad group' },
  ad: { table: 'ads', label: 'Ad' },
  ad_account: { table: 'ad_accounts', label: 'Ad account' },
} as const;

export type OwnedKind = keyof typeof owned;

/** Throws `not_found` (404) unless `id` is a `kind` of organization `organizationId`. */
export async function assertOwned(
  trx: Executor,
  organizationId: string,
  kind: OwnedKind,
  id: string,
): Promise<void> {
  const { table, label } = owned[kind];
  const row = await trx
    .selectFrom(table)
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound(label, id);
}

/** The ids of `ids` that name no `kind` of organization `organizationId` (in the order given). */
export async function missingOwned(
  trx: Executor,
  organizationId: string,
  kind: OwnedKind,
  ids: readonly string[],
): Promise<string[]> {
  if (!ids.length) return [];
  const found = await trx
    .selectFrom(owned[kind].table)
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('id', 'in', [...ids])
    .execute();
  const known = new Set(found.map((r) => r.id));
  return ids.filter((id) => !known.has(id));
}
