/** Query helpers shared by pages. */
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from './api.ts';
import { addDays } from './format.ts';
import type { Client, Connection, Me } from './types.ts';

export function useClients() {
  return useQuery({
    queryKey: ['clients'],
    queryFn: () => api.getAll<Client>('/api/v1/clients'),
    staleTime: 60_000,
  });
}

export function useClientNames(): Map<string, string> {
  const q = useClients();
  return new Map((q.data?.items ?? []).map((c) => [c.id, c.name]));
}

export function useConnections() {
  return useQuery({
    queryKey: ['connections'],
    // Not paginated: every connection of the organization (the route takes only clientId, platform).
    queryFn: () => api.get<Page<Connection>>('/api/v1/connections'),
  });
}

/**
 * The last complete day with data: the last synced day, but not today (UTC), which is still running
 * on the platforms. Periods end there, as the platforms' own "last 30 days" and the client portal's
 * (30 days to yesterday) do, so the agency and its client see the same totals for the same period.
 * An account whose data stops earlier (a paused client, a broken connection) anchors on its last day.
 */
export function useLastDay(): string | undefined {
  const q = useQuery({
    queryKey: ['last-day'],
    queryFn: async () => {
      const to = new Date().toISOString().slice(0, 10);
      const r = await api.get<{ rows: Array<{ day?: string; spendMicros: number }> }>(
        '/api/v1/analytics/metrics',
        {
          from: addDays(to, -60),
          to,
          groupBy: 'day',
          sort: '-day',
          limit: 60,
        },
      );
      const yesterday = addDays(to, -1);
      const last = r.rows.find((x) => x.spendMicros > 0 && (x.day ?? '') <= yesterday)?.day;
      return last ?? yesterday;
    },
    staleTime: 5 * 60_000,
  });
  return q.data;
}

export function useMe() {
  return useQuery({ queryKey: ['me'], queryFn: () => api.get<Me>('/api/v1/me') });
}

/**
 * The last `days` days up to the last day with data (`useLastDay`): the period `useMetrics` reads,
 * for whatever else must cover the same days (an export of the table, say). Undefined until known.
 */
export function usePeriod(days = 30): { from?: string; to?: string } {
  const last = useLastDay();
  return last ? { from: addDays(last, -(days - 1)), to: last } : {};
}

type MetricsQuery = Record<string, string | number | undefined>;

/** /analytics/metrics for the last `days` days up to the last day with data. */
export function useMetrics(
  params: MetricsQuery,
  days = 30,
  opts: { compare?: boolean; enabled?: boolean } = {},
) {
  const { from, to: last } = usePeriod(days);
  return useQuery({
    queryKey: ['metrics', params, from, last, opts.compare],
    enabled: !!last && opts.enabled !== false,
    queryFn: () =>
      api.get<import('./types.ts').Metrics>('/api/v1/analytics/metrics', {
        from,
        to: last,
        limit: 5000,
        ...(opts.compare ? { compare: 'previous_period' } : {}),
        ...params,
      }),
  });
}
