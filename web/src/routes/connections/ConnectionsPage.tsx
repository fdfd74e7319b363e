/**
 * Connections: connect a platform (OAuth: the browser goes to the platform's consent screen and the
 * server's callback brings it back here with ?connected=…), sync status with progress, reconnect.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import {
  Button,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  Field,
  Input,
  LoadingState,
  Notice,
  PageHeader,
  Select,
  StatusBadge,
} from '../../components/ui.tsx';
import { ApiError, api, type Page } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { ago, num, platformName } from '../../lib/format.ts';
import { useClientNames, useClients, useConnections } from '../../lib/hooks.ts';
import type { Connection, SyncRun } from '../../lib/types.ts';

const platforms = ['google_ads', 'meta', 'linkedin', 'gohighlevel', 'simulator'];

/** A platform as GET /api/v1/connections/platforms reports it: is its OAuth app set up on this server? */
interface PlatformInfo {
  platform: string;
  configured: boolean;
  missing: string[];
}

/**
 * Why a sync did not start. A 409 `conflict` naming a run (details.syncRunId) means another sync of
 * the connection is queued or running (the hourly one, a webhook's, another person's): said as such,
 * not as a failure, with the API's message (its kind and progress). Anything else: the message, its
 * code and the request id to quote.
 */
function SyncStartError({ error }: { error: Error }) {
  const e = error instanceof ApiError ? error : null;
  if (e?.status === 409 && typeof e.details.syncRunId === 'string')
    return (
      <Notice tone="amber">
        <p className="font-medium">Already syncing</p>
        <p className="text-xs">{e.message}</p>
      </Notice>
    );
  return (
    <Notice tone="red">
      <p className="text-xs">{error.message}</p>
      {e && (
        <p className="mt-1 text-xs opacity-80">
          {e.code}
          {e.requestId ? ` · request ${e.requestId}` : ''}
        </p>
      )}
    </Notice>
  );
}

function SyncStatus({ c }: { c: Connection }) {
  const { can } = useAuth();
  const qc = useQueryClient();
  const latest = useQuery({
    queryKey: ['syncs', c.id],
    queryFn: () => api.get<Page<SyncRun>>(`/api/v1/connections/${c.id}/syncs`, { limit: 1 }),
    refetchInterval: (q) => {
      const s = q.state.data?.items[0]?.status;
      return s === 'running' || s === 'queued' ? 1500 : false;
    },
  });
  const start = useMutation({
    mutationFn: () =>
      api.post<SyncRun>(
        `/api/v1/connections/${c.id}/sync`,
        c.lastSyncAt ? { kind: 'incremental' } : { kind: 'backfill', days: 90 },
      ),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['syncs', c.id] });
      qc.invalidateQueries({ queryKey: ['connections'] });
    },
    // Another run is in the way: show it (its progress) instead of the stale "last sync".
    onError: (e) => {
      if (e instanceof ApiError && e.status === 409) qc.invalidateQueries({ queryKey: ['syncs', c.id] });
    },
  });
  const run = latest.data?.items[0];
  const active = run && (run.status === 'running' || run.status === 'queued');
  const p = run?.progress?.percent ?? 0;
  // A run that finished while the page is open changed the connection (last sync, status): read it
  // again then, not on every visit (each row's already finished run would refetch the list once more).
  const seen = useRef<string | undefined>(undefined);
  const runKey = run ? `${run.id}:${run.status}` : undefined;
  useEffect(() => {
    if (!runKey) return;
    if (seen.current === undefined) seen.current = runKey;
    else if (seen.current !== runKey && !active) {
      seen.current = runKey;
      qc.invalidateQueries({ queryKey: ['connections'] });
    } else seen.current = runKey;
  }, [runKey, active, qc]);
  return (
    <div className="min-w-48 space-y-1.5" data-testid="sync-status">
      {run ? (
        <>
          <div className="flex items-center gap-2 text-xs">
            <StatusBadge status={run.status} />
            <span className="text-slate-500">
              {run.kind} · {num(run.rowsUpserted)} rows
              {active && run.progress?.etaSeconds ? ` · ${Math.ceil(run.progress.etaSeconds)} s left` : ''}
            </span>
          </div>
          {active && (
            <div
              className="h-1.5 w-full overflow-hidden rounded-full bg-slate-100"
              role="progressbar"
              aria-valuenow={p}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-label="Sync progress"
            >
              <div
                className="h-full rounded-full bg-brand-500 transition-all"
                style={{ width: `${Math.max(3, p)}%` }}
              />
            </div>
          )}
          {run.errors.length > 0 && (
            <p className="text-xs text-rose-700">{run.errors[0]?.message ?? 'errors'}</p>
          )}
        </>
      ) : (
        <span className="text-xs text-slate-400">{latest.isPending ? '…' : 'Never synced'}</span>
      )}
      {can('connections:manage') && !c.needsReconnect && !active && (
        <Button
          size="sm"
          variant="ghost"
          className="-ml-2.5"
          loading={start.isPending}
          onClick={() => start.mutate()}
        >
          {c.lastSyncAt ? 'Sync now' : 'Start first sync'}
        </Button>
      )}
      {start.error && <SyncStartError error={start.error} />}
    </div>
  );
}

function ConnectForm() {
  const clients = useClients();
  const qc = useQueryClient();
  const info = useQuery({
    queryKey: ['connection-platforms'],
    queryFn: () => api.get<{ items: PlatformInfo[] }>('/api/v1/connections/platforms'),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const infoOf = (p: string) => info.data?.items.find((i) => i.platform === p);
  // Until the user picks, the first platform this server can connect (an OAuth app configured).
  const [picked, setPlatform] = useState<string | null>(null);
  const platform = picked ?? platforms.find((p) => infoOf(p)?.configured) ?? 'simulator';
  const missing = infoOf(platform)?.configured === false ? (infoOf(platform)?.missing ?? []) : [];
  const [clientId, setClientId] = useState('');
  const [name, setName] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const connect = useMutation({
    mutationFn: () =>
      api.post<{ connection: Connection; authorizationUrl: string | null }>('/api/v1/connections', {
        platform,
        clientId: clientId || null,
        ...(name ? { name } : {}),
      }),
    onSuccess: (r) => {
      // OAuth platforms: off to the consent screen; the callback brings the browser back here.
      if (r.authorizationUrl) window.location.assign(r.authorizationUrl);
      else {
        setDone(r.connection.name);
        qc.invalidateQueries({ queryKey: ['connections'] });
      }
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    connect.mutate();
  }
  return (
    <Card>
      <CardHeader
        title="Connect a platform"
        description="You will sign in to the platform and grant read and budget access"
      />
      <form
        className="grid gap-4 px-5 py-4 sm:grid-cols-2 lg:grid-cols-4 lg:items-end"
        onSubmit={submit}
        aria-label="Connect a platform"
      >
        <Field
          label="Platform"
          hint={
            missing.length > 0 && (
              <span data-testid="platform-not-configured">
                Not configured on this server: set {missing.join(' and ')}
              </span>
            )
          }
        >
          <Select value={platform} onChange={(e) => setPlatform(e.target.value)}>
            {platforms.map((p) => (
              <option key={p} value={p}>
                {`${platformName(p)}${infoOf(p)?.configured === false ? ' (not configured)' : ''}`}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Client">
          <Select value={clientId} onChange={(e) => setClientId(e.target.value)}>
            <option value="">No client</option>
            {(clients.data?.items ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Name (optional)">
          <Input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder={`${platformName(platform)} account`}
          />
        </Field>
        <Button type="submit" variant="primary" loading={connect.isPending} disabled={missing.length > 0}>
          Connect {platformName(platform)}
        </Button>
        {connect.error && (
          <div className="sm:col-span-2 lg:col-span-4">
            <Notice tone="red">{connect.error.message}</Notice>
          </div>
        )}
        {done && (
          <div className="sm:col-span-2 lg:col-span-4">
            <Notice tone="green">Connected {done}. Start its first sync below.</Notice>
          </div>
        )}
      </form>
    </Card>
  );
}

export function ConnectionsPage() {
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const q = useConnections();
  const names = useClientNames();
  const connected = params.get('connected');
  const oauthError = params.get('oauthError');
  const reconnect = useMutation({
    mutationFn: (id: string) => api.post<{ authorizationUrl: string }>(`/api/v1/connections/${id}/reconnect`),
    onSuccess: (r) => window.location.assign(r.authorizationUrl),
  });
  const needs = (q.data?.items ?? []).filter((c) => c.needsReconnect);

  return (
    <>
      <PageHeader title="Connections" description="Ad platforms and CRMs Omnify syncs for your clients" />
      <div className="space-y-6">
        {connected && (
          <Notice tone="green">
            Connected. Start its first sync below to bring in campaigns and metrics.{' '}
            <button type="button" className="font-medium underline" onClick={() => setParams({})}>
              Dismiss
            </button>
          </Notice>
        )}
        {oauthError && <Notice tone="red">The platform did not complete the connection: {oauthError}</Notice>}
        {needs.length > 0 && (
          <Notice tone="amber">
            {needs.length === 1 ? `${needs[0]?.name} needs` : `${needs.length} connections need`} to be
            reconnected: the platform rejected the stored credentials. Syncs are paused until then.
          </Notice>
        )}
        {can('connections:manage') && <ConnectForm />}
        <Card>
          <CardHeader title="Connected accounts" />
          {q.isPending ? (
            <LoadingState rows={4} />
          ) : q.error ? (
            <ErrorState error={q.error} onRetry={() => q.refetch()} />
          ) : q.data.items.length === 0 ? (
            <EmptyState title="Nothing connected yet">
              Connect Google Ads, Meta, LinkedIn or GoHighLevel above.
            </EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100">
              {q.data.items.map((c) => (
                <li
                  key={c.id}
                  className={`grid gap-3 px-5 py-4 sm:grid-cols-[1fr_auto] sm:items-center ${c.id === connected ? 'bg-emerald-50/50' : ''}`}
                  data-testid="connection"
                >
                  <div className="min-w-0">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="font-medium text-slate-900">{c.name}</span>
                      <StatusBadge status={c.needsReconnect ? 'needs_reconnect' : c.status} />
                    </div>
                    <p className="mt-0.5 text-xs text-slate-500">
                      {platformName(c.platform)} ·{' '}
                      {c.clientId ? (names.get(c.clientId) ?? 'client') : 'agency'} · last synced{' '}
                      {ago(c.lastSyncAt)}
                    </p>
                    {c.lastError && <p className="mt-1 text-xs text-rose-700">{c.lastError}</p>}
                  </div>
                  <div className="flex items-start gap-3">
                    {c.needsReconnect && can('connections:manage') ? (
                      <Button
                        variant="primary"
                        size="sm"
                        loading={reconnect.isPending}
                        onClick={() => reconnect.mutate(c.id)}
                      >
                        Reconnect
                      </Button>
                    ) : (
                      <SyncStatus c={c} />
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )}
          {reconnect.error && (
            <div className="px-5 pb-4">
              <Notice tone="red">{reconnect.error.message}</Notice>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
