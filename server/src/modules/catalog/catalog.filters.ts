/**
 * List filters naming an entity by id (`clientId=`, `campaignId=`, …) must name one of the
 * organization's: a filter naming another organization's id, or one that does not exist, answers
 * 404 `not_found` naming the filter (`details.filter`, `details.ids`) instead of an empty list that
 * reads as "none". The same rule and error shape as the analytics metrics filters.
 */
import { AppError } from '../../platform/errors.ts';
import type { Trx } from '../../storage/db.ts';

const filterTables = {
  clientId: { table: 'clients', label: 'Client' },
  connectionId: { table: 'connections', label: 'Connection' },
  adAccountId: { table: 'ad_accounts', label: 'Ad account' },
  campaignId: { table: 'campaigns', label: 'Campaign' },
  adGroupId: { table: 'ad_groups', label: 'Ad group' },
} as const;

export type IdFilter = keyof typeof filterTables;

/** Throws 404 for the first of `filters` (query parameter → id) naming no entity of the organization. */
export async function assertFilterIds(
  trx: Trx,
  organizationId: string,
  filters: Partial<Record<IdFilter, string | undefined>>,
): Promise<void> {
  for (const [param, id] of Object.entries(filters) as Array<[IdFilter, string | undefined]>) {
    if (!id) continue;
    const { table, label } = filterTables[param];
    const found = await trx
      .selectFrom(table as 'clients')
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!found)
      throw new AppError('not_found', `${label} ${id} was not found (filter ${param})`, {
        filter: param,
        ids: [id],
      });
  }
}
