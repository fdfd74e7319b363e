/**
 * Names for the actors and targets of audit entries, read where they live, so the log reads
 * "Jane Doe", "Bright Smile Dental" or "Acme agency" instead of ids. Every lookup takes only ids
 * that occur in the organization's own entries, and every tenant-owned table is filtered by the
 * organization: another organization's names never come back.
 */
import type { Executor } from '../../storage/db.ts';

interface Row {
  actor_type: string;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  metadata: string | null;
}

type Found = Array<{ id: string; name: string | null; email?: string | null }>;

/** Target types named by the `name` column of an organization-scoped table of the same ids. */
const namedTables = {
  client: 'clients',
  connection: 'connections',
  rule: 'rules',
  workflow: 'workflows',
  agent: 'agents',
  api_key: 'api_keys',
  ad_account: 'ad_accounts',
  campaign: 'campaigns',
  ad_group: 'ad_groups',
  ad: 'ads',
} as const;

const metadataOf = (r: { metadata: string | null }): Record<string, unknown> | null => {
  if (!r.metadata) return null;
  try {
    const m = JSON.parse(r.metadata) as unknown;
    return m && typeof m === 'object' ? (m as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

const idsOf = (pairs: Array<[string | null, string | null]>, type: string) => [
  ...new Set(pairs.filter(([t, id]) => t === type && id).map(([, id]) => id as string)),
];

function collect(names: Map<string, string>, type: string, found: Found) {
  for (const f of found) {
    const name = f.name || f.email;
    if (name) names.set(`${type}:${f.id}`, name);
  }
}

/** People by id (name, else email): also those who have since left the organization. */
async function people(trx: Executor, ids: string[]): Promise<Found> {
  if (!ids.length) return [];
  return trx.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', ids).execute();
}

/** Types named from an organization-scoped table: portal users, invitations and `namedTables`. */
type ScopedType = 'portal_user' | 'invitation' | keyof typeof namedTables;

/** One type's names by id from its organization-scoped table (only this organization's rows). */
async function scopedNames(
  trx: Executor,
  organizationId: string,
  type: ScopedType,
  ids: string[],
): Promise<Found> {
  if (!ids.length) return [];
  if (type === 'portal_user')
    return trx
      .selectFrom('portal_users')
      .select(['id', 'name', 'email'])
      .where('organization_id', '=', organizationId)
      .where('id', 'in', ids)
      .execute();
  if (type === 'invitation') {
    const found = await trx
      .selectFrom('invitations')
      .select(['id', 'email'])
      .where('organization_id', '=', organizationId)
      .where('id', 'in', ids)
      .execute();
    return found.map((i) => ({ id: i.id, name: i.email }));
  }
  return trx
    .selectFrom(namedTables[type])
    .select(['id', 'name'])
    .where('organization_id', '=', organizationId)
    .where('id', 'in', ids)
    .execute();
}

/**
 * The names of the entries' actors (`type:id` → name): people (also those since removed from the
 * organization, whose entries stay), portal users, API keys and agents of this organization.
 */
export async function actorNames(
  trx: Executor,
  organizationId: string,
  rows: readonly Row[],
): Promise<Map<string, string>> {
  const pairs = rows.map((r): [string, string | null] => [r.actor_type, r.actor_id]);
  const names = new Map<string, string>();
  collect(names, 'user', await people(trx, idsOf(pairs, 'user')));
  for (const type of ['portal_user', 'api_key', 'agent'] as const)
    collect(names, type, await scopedNames(trx, organizationId, type, idsOf(pairs, type)));
  return names;
}

/**
 * The names of the entries' targets (`type:id` → name): the organization itself, a membership by
 * its person (a removed one by the person its entry names in metadata.userId), an invitation by its
 * email, a person, a portal user, and clients, connections, rules, workflows, agents, API keys, ad
 * accounts, campaigns, ad groups and ads by name. A target since deleted is named by the name its
 * newest entry kept (metadata.after.name or metadata.before.name: a client's deletion keeps it).
 */
export async function targetNames(
  trx: Executor,
  organizationId: string,
  rows: readonly Row[],
): Promise<Map<string, string>> {
  const pairs = rows.map((r): [string | null, string | null] => [r.target_type, r.target_id]);
  const names = new Map<string, string>();

  if (idsOf(pairs, 'organization').includes(organizationId)) {
    const org = await trx
      .selectFrom('organizations')
      .select(['id', 'name'])
      .where('id', '=', organizationId)
      .executeTakeFirst();
    if (org) collect(names, 'organization', [org]);
  }

  // A membership is its person: from the membership while it lasts, else from the entry.
  const memberships = idsOf(pairs, 'membership');
  const userOf = new Map<string, string>();
  if (memberships.length) {
    const found = await trx
      .selectFrom('memberships')
      .select(['id', 'user_id'])
      .where('organization_id', '=', organizationId)
      .where('id', 'in', memberships)
      .execute();
    for (const m of found) userOf.set(m.id, m.user_id);
    for (const r of rows) {
      const userId = r.target_type === 'membership' && r.target_id ? metadataOf(r)?.userId : undefined;
      if (typeof userId === 'string' && r.target_id && !userOf.has(r.target_id))
        userOf.set(r.target_id, userId);
    }
  }
  const persons = new Map(
    (await people(trx, [...new Set([...idsOf(pairs, 'user'), ...userOf.values()])])).map((p) => [
      p.id,
      p.name || p.email,
    ]),
  );
  for (const id of idsOf(pairs, 'user')) {
    const name = persons.get(id);
    if (name) names.set(`user:${id}`, name);
  }
  for (const [membershipId, userId] of userOf) {
    const name = persons.get(userId);
    if (name) names.set(`membership:${membershipId}`, name);
  }

  const scopedTypes: ScopedType[] = [
    'invitation',
    'portal_user',
    ...(Object.keys(namedTables) as Array<keyof typeof namedTables>),
  ];
  for (const type of scopedTypes)
    collect(names, type, await scopedNames(trx, organizationId, type, idsOf(pairs, type)));

  // Deleted since: the name its newest entry kept (after a change, or before a deletion), so that
  // every entry of it reads the name it had last, whichever of them a page shows.
  const missing = [
    ...new Set(
      rows
        .filter((r) => r.target_type && r.target_id && !names.has(`${r.target_type}:${r.target_id}`))
        .map((r) => r.target_id as string),
    ),
  ];
  if (missing.length) {
    const kept = await trx
      .selectFrom('audit_log')
      .select(['target_type', 'target_id', 'metadata'])
      .where('organization_id', '=', organizationId)
      .where('target_id', 'in', missing)
      .where('metadata', 'is not', null)
      .orderBy('seq', 'desc')
      .limit(1000)
      .execute();
    for (const r of kept) {
      const key = `${r.target_type}:${r.target_id}`;
      if (names.has(key)) continue;
      const m = metadataOf(r);
      const name = [m?.after, m?.before]
        .map((side) => (side && typeof side === 'object' ? (side as { name?: unknown }).name : undefined))
        .find((n): n is string => typeof n === 'string' && n !== '');
      if (name) names.set(key, name);
    }
  }
  return names;
}
