/** Last 7 / 30 / 90 days, as a segmented control (radio group semantics for keyboard users). */
import { cx } from './ui.tsx';

export const periods = [7, 30, 90] as const;
export type Period = (typeof periods)[number];

export function PeriodPicker({ value, onChange }: { value: Period; onChange: (p: Period) => void }) {
  return (
    <fieldset
      aria-label="Period"
      className="inline-flex rounded-md bg-white p-0.5 shadow-xs ring-1 ring-slate-300 ring-inset"
    >
      {periods.map((p) => (
        <button
          key={p}
          type="button"
          aria-pressed={value === p}
          onClick={() => onChange(p)}
          className={cx(
            'rounded px-3 py-1.5 text-xs font-medium',
            value === p ? 'bg-slate-900 text-white' : 'text-slate-600 hover:bg-slate-100',
          )}
        >
          {p} days
        </button>
      ))}
    </fieldset>
  );
}
