/**
 * "Export CSV": downloads /api/v1/analytics/metrics as CSV for the period and filters a table shows,
 * with the signed-in session (the API wants the Authorization header, so it is fetched, not linked).
 * Hidden from roles without `analytics:read`, the permission the metrics route checks.
 */
import { useState } from 'react';
import { ApiError, download } from '../lib/api.ts';
import { useAuth } from '../lib/auth.tsx';
import { csvFileName, saveBlob } from '../lib/export.ts';
import { Icon } from './icons.tsx';
import { Button, cx } from './ui.tsx';

export function ExportCsv({
  params,
  from,
  to,
  name,
  size = 'md',
  className,
}: {
  /** Metrics query without the period: groupBy, filters, sort. */
  params: Record<string, string | undefined>;
  /** The period, both days included; the button waits (disabled) until it is known. */
  from?: string;
  to?: string;
  /** What the file is, before its dates: ['campaigns', clientName] → omnify-campaigns-<client>-<from>-<to>.csv */
  name: Array<string | undefined | null>;
  /** md beside the form fields of a table's toolbar, sm in a card header. */
  size?: 'sm' | 'md';
  className?: string;
}) {
  const { can } = useAuth();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!can('analytics:read')) return null;

  async function run() {
    if (!from || !to) return;
    setBusy(true);
    setError(null);
    try {
      const blob = await download('/api/v1/analytics/metrics', {
        from,
        to,
        limit: 10_000,
        ...params,
        format: 'csv',
      });
      saveBlob(blob, csvFileName(name, from, to));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const e = error instanceof ApiError ? error : null;
  return (
    <div className={cx('flex flex-wrap items-center gap-2', className)}>
      <Button
        size={size}
        onClick={run}
        loading={busy}
        disabled={!from || !to}
        aria-busy={busy}
        title={from && to ? `Metrics from ${from} to ${to} as a spreadsheet file (CSV)` : undefined}
      >
        {!busy && <Icon name="download" className="size-3.5" />}
        {busy ? 'Exporting…' : 'Export CSV'}
      </Button>
      {error != null && (
        <p role="alert" className="text-xs text-rose-700">
          Export failed: {e?.message ?? (error instanceof Error ? error.message : 'something went wrong')}
          {e ? ` (${e.code}${e.requestId ? ` · request ${e.requestId}` : ''})` : ''}
        </p>
      )}
    </div>
  );
}
