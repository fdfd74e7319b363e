/**
 * Who and what an id is, for pages that show actors and targets (audit log, approvals): people's
 * names (email on hover) from the members list; agents, rules, workflows, API keys, clients,
 * campaigns and connections from their lists (the paginated ones followed to their end, up to
 * 5,000). Each list is read under the query key its own page uses (['members'], ['rules'],
 * ['connections'] …), so a page that already has it asks nobody, and kept 5 minutes. Portal users
 * are listed per client (the API has no organization-wide list), so they are fetched only for the
 * clients asked for (`portalUserClients`: the clients of the portal users the audit log shows). A
 * sign-in session has no name: it reads "session", its id on hover. A list the user may not read
 * (API keys for a manager) just leaves its ids unnamed; an id nobody lists (a removed member) stays
 * an id.
 */
import { useQueries, useQuery } from '@tanstack/react-query';
import { api } from './api.ts';
import { useClients, useConnections } from './hooks.ts';

interface Named {
  id: string;
  name: string;
}
export interface Resolved {
  /** What to show: the name, or the id when it is unknown. */
  label: string;
  /** The hover text: email and id, or the id alone. */
  title: string;
  /** The page that shows it, when there is one. */
  to: string | null;
  known: boolean;
}

const once = { staleTime: 5 * 60_000, retry: false } as const;

/**
 * A list under the key and with the request its page uses (`['rules']` and getAll on the Rules
 * page, …), so the two share one request and one cache entry.
 */
function useList<T>(key: readonly unknown[], path: string, paged = false) {
  return useQuery({
    queryKey: key,
    queryFn: () => (paged ? api.getAll<T>(path) : api.get<{ items: T[] }>(path)),
    ...once,
  });
}

/** Prefixed ids (server/src/platform/ids.ts) to the type they name. */
const byPrefix: Record<string, string> = {
  usr: 'user',
  rul: 'rule',
  agt: 'agent',
  wfl: 'workflow',
  key: 'api_key',
  cli: 'client',
  cmp: 'campaign',
  led: 'ledger_entry',
  pou: 'portal_user',
  con: 'connection',
  ses: 'session',
};

/** The type a prefixed id names (`cli_…` → client), when its prefix is known. */
export const typeOfId = (id: string): string | undefined => byPrefix[id.split('_')[0] ?? ''];

const byIdOf = (xs: Named[] | undefined) => new Map((xs ?? []).map((x) => [x.id, x.name]));

/** Where a target type has a page of its own. */
export function pathOf(type: string, id: string | null): string | null {
  if (!id) return null;
  const e = encodeURIComponent(id);
  switch (type) {
    case 'campaign':
      return `/campaigns/${e}`;
    case 'ad':
      return `/ads/${e}`;
    case 'client':
      return `/clients/${e}`;
    case 'rule':
      return `/rules?rule=${e}`;
    case 'workflow':
    case 'workflow_execution':
      return '/workflows';
    case 'agent':
    case 'agent_execution':
      return '/agents';
    case 'ledger_entry':
      return `/ledger/${e}`;
    case 'connection':
      return '/connections';
    case 'proposal':
      return '/approvals?status=all';
    case 'membership':
    case 'invitation':
      return '/settings/team';
    case 'organization':
      return '/settings/organization';
    case 'api_key':
      return '/settings/api-keys';
    default:
      return null;
  }
}

interface PortalUserName {
  id: string;
  clientId: string;
  name: string;
  email: string;
}

/**
 * `portalUserClients`: the clients whose portal users to name ('all': every client, for an entry
 * that does not say its client). Each is one request (GET /clients/:id/portal-users, under the
 * Client page's key), so only the clients of the portal users shown are asked.
 */
export function useNames({ portalUserClients = [] }: { portalUserClients?: readonly string[] | 'all' } = {}) {
  const members = useList<Named & { userId: string; email: string }>(['members'], '/api/v1/members');
  const agents = useList<Named & { kind: string }>(['agents'], '/api/v1/agents');
  const rules = useList<Named>(['rules'], '/api/v1/rules', true);
  const workflows = useList<Named>(['workflows'], '/api/v1/workflows', true);
  const keys = useList<Named>(['api-keys'], '/api/v1/api-keys');
  // The Campaigns page's key with no filter.
  const campaigns = useList<Named>(
    ['campaigns', { clientId: '', platform: '', status: '' }],
    '/api/v1/campaigns',
    true,
  );
  const clients = useClients();
  const connections = useConnections();
  const portalClients =
    portalUserClients === 'all' ? (clients.data?.items ?? []).map((c) => c.id) : portalUserClients;
  const portal = useQueries({
    queries: [...new Set(portalClients)].map((id) => ({
      queryKey: ['portal-users', id],
      queryFn: () => api.get<{ items: PortalUserName[] }>(`/api/v1/clients/${id}/portal-users`),
      ...once,
    })),
  });

  const users = new Map((members.data?.items ?? []).map((m) => [m.userId, m]));
  const portalById = new Map(portal.flatMap((q) => (q.data?.items ?? []).map((u) => [u.id, u] as const)));
  const clientName = byIdOf(clients.data?.items);
  // A proposal names its agent by kind, an audit entry by id.
  const agentBy = new Map(
    (agents.data?.items ?? []).flatMap((a) => [
      [a.id, a],
      [a.kind, a],
    ]),
  );
  const named: Record<string, Map<string, string>> = {
    rule: byIdOf(rules.data?.items),
    workflow: byIdOf(workflows.data?.items),
    api_key: byIdOf(keys.data?.items),
    client: clientName,
    campaign: byIdOf(campaigns.data?.items),
    connection: byIdOf(connections.data?.items),
  };

  /**
   * An actor or target of the given type. A system actor acting for something (a rule's run names
   * the rule) is recognised by its id's prefix.
   */
  function resolve(given: string, id: string | null | undefined): Resolved {
    const type = (given === 'system' && id && typeOfId(id)) || given;
    const to = pathOf(type, id ?? null);
    if (!id) return { label: type, title: type, to, known: false };
    if (type === 'user') {
      const m = users.get(id);
      return m
        ? { label: m.name || m.email, title: `${m.email} · ${id}`, to, known: true }
        : { label: id, title: id, to, known: false };
    }
    if (type === 'portal_user') {
      const u = portalById.get(id);
      if (!u) return { label: id, title: id, to, known: false };
      const at = clientName.get(u.clientId);
      return {
        label: u.name || u.email,
        title: `${u.email}${at ? ` · portal user of ${at}` : ''} · ${id}`,
        to: `/clients/${encodeURIComponent(u.clientId)}`,
        known: true,
      };
    }
    // A session has no name worth showing; "session" says what it is, the id is there on hover.
    if (type === 'session') return { label: 'session', title: id, to, known: true };
    if (type === 'agent') {
      const a = agentBy.get(id);
      return a
        ? { label: a.name, title: `${a.kind} agent · ${a.id}`, to, known: true }
        : { label: id, title: id, to, known: false };
    }
    const name = named[type]?.get(id);
    return name ? { label: name, title: id, to, known: true } : { label: id, title: id, to, known: false };
  }
  return resolve;
}
