/** KPI card: the value over the period and its change against the period just before. */
import type { ReactNode } from 'react';
import { signedPct } from '../lib/format.ts';
import type { Delta } from '../lib/types.ts';
import { cx } from './ui.tsx';

export function Kpi({
  label,
  value,
  delta,
  goodWhenUp = true,
  loading,
}: {
  label: string;
  value: ReactNode;
  delta?: Delta | null;
  /** Spend and CPA rising is not good news: the colour follows the meaning, not the sign. */
  goodWhenUp?: boolean | null;
  loading?: boolean;
}) {
  const r = delta?.changeRatio ?? null;
  const good = r === null || goodWhenUp === null ? null : r === 0 ? null : r > 0 === goodWhenUp;
  return (
    <div className="min-w-0 rounded-xl border border-slate-200 bg-white px-4 py-4 shadow-xs">
      <p className="text-xs font-medium text-slate-500">{label}</p>
      {loading ? (
        <div className="mt-2 h-7 w-24 animate-pulse rounded bg-slate-200/70" />
      ) : (
        // A seven-figure amount in a half-width tile on a phone wraps rather than leaving the tile.
        <p className="mt-1 text-2xl font-semibold tracking-tight wrap-break-word text-slate-900 tabular">
          {value}
        </p>
      )}
      <p className="mt-1 h-4 text-xs">
        {!loading && r !== null && (
          <span
            className={cx(
              'font-medium',
              good === null ? 'text-slate-600' : good ? 'text-emerald-600' : 'text-rose-600',
            )}
          >
            {r > 0 ? '▲' : r < 0 ? '▼' : ''} {signedPct(r)}
          </span>
        )}
      </p>
    </div>
  );
}
