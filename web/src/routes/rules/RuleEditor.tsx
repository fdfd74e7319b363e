/**
 * A rule editor for the common shape — one scope, AND/OR over conditions, one action, a schedule —
 * that writes the API's rule body; the JSON it sends is shown so nothing is hidden.
 */
import { type FormEvent, useState } from 'react';
import { Button, Field, Input, Notice, Select } from '../../components/ui.tsx';
import { useClients } from '../../lib/hooks.ts';

export interface Condition {
  metric: string;
  window: { days: number };
  op: string;
  value: number;
  unit: string;
}
export interface RuleBody {
  name: string;
  description?: string;
  enabled?: boolean;
  scope: { level: string; clientId?: string };
  conditions: { match: 'all' | 'any'; conditions: Condition[] };
  actions: Array<{ type: string; direction?: string; percent?: number }>;
  schedule: { cron: string };
  cooldownHours?: number;
}

const metricUnits: Record<string, string> = {
  spend: 'currency_micros',
  cpa: 'currency_micros',
  cpc: 'currency_micros',
  revenue: 'currency_micros',
  roas: 'ratio',
  ctr: 'percent',
  conversions: 'count',
  clicks: 'count',
  impressions: 'count',
  frequency: 'ratio',
};
const money = (unit: string) => unit === 'currency_micros';

export const emptyRule: RuleBody = {
  name: 'Pause campaigns with a weak ROAS',
  scope: { level: 'campaign' },
  conditions: {
    match: 'all',
    conditions: [
      { metric: 'roas', window: { days: 7 }, op: '<', value: 0.8, unit: 'ratio' },
      { metric: 'spend', window: { days: 7 }, op: '>', value: 200_000_000, unit: 'currency_micros' },
    ],
  },
  actions: [{ type: 'pause' }],
  schedule: { cron: '0 8 * * *' },
  cooldownHours: 24,
};

export function RuleEditor({
  initial,
  onSave,
  saving,
  error,
}: {
  initial: RuleBody;
  onSave: (b: RuleBody) => void;
  saving: boolean;
  error: string | null;
}) {
  const clients = useClients();
  const [r, setR] = useState<RuleBody>(initial);
  const set = (patch: Partial<RuleBody>) => setR((x) => ({ ...x, ...patch }));
  const setCond = (i: number, patch: Partial<Condition>) =>
    set({
      conditions: {
        ...r.conditions,
        conditions: r.conditions.conditions.map((c, j) => (i === j ? { ...c, ...patch } : c)),
      },
    });
  const action = r.actions[0] ?? { type: 'pause' };
  function submit(e: FormEvent) {
    e.preventDefault();
    onSave(r);
  }
  return (
    <form onSubmit={submit} className="space-y-4 px-5 py-4" aria-label="Rule editor">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name">
          <Input value={r.name} onChange={(e) => set({ name: e.target.value })} required />
        </Field>
        <div className="grid grid-cols-2 gap-3">
          <Field label="Level">
            <Select
              value={r.scope.level}
              onChange={(e) => set({ scope: { ...r.scope, level: e.target.value } })}
            >
              <option value="campaign">Campaigns</option>
              <option value="ad_group">Ad groups</option>
              <option value="ad">Ads</option>
            </Select>
          </Field>
          <Field label="Client">
            <Select
              value={r.scope.clientId ?? ''}
              onChange={(e) =>
                set({
                  scope: { level: r.scope.level, ...(e.target.value ? { clientId: e.target.value } : {}) },
                })
              }
            >
              <option value="">All clients</option>
              {(clients.data?.items ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </Select>
          </Field>
        </div>
      </div>
      <fieldset className="rounded-lg border border-slate-200 p-3">
        <legend className="px-1 text-xs font-medium text-slate-600">
          When{' '}
          <select
            aria-label="Match"
            className="rounded border-slate-300 text-xs"
            value={r.conditions.match}
            onChange={(e) => set({ conditions: { ...r.conditions, match: e.target.value as 'all' | 'any' } })}
          >
            <option value="all">all</option>
            <option value="any">any</option>
          </select>{' '}
          of these hold
        </legend>
        <ul className="space-y-2">
          {r.conditions.conditions.map((c, i) => (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: conditions are edited in place by position
              key={i}
              className="grid grid-cols-2 items-end gap-2 sm:grid-cols-[minmax(0,1fr)_6rem_5rem_minmax(0,1fr)_auto]"
            >
              <Select
                aria-label="Metric"
                value={c.metric}
                onChange={(e) =>
                  setCond(i, { metric: e.target.value, unit: metricUnits[e.target.value] ?? 'count' })
                }
              >
                {Object.keys(metricUnits).map((m) => (
                  <option key={m} value={m}>
                    {m.toUpperCase()}
                  </option>
                ))}
              </Select>
              <Select
                aria-label="Window"
                value={c.window.days}
                onChange={(e) => setCond(i, { window: { days: Number(e.target.value) } })}
              >
                {[1, 3, 7, 14, 28].map((d) => (
                  <option key={d} value={d}>
                    {d} d
                  </option>
                ))}
              </Select>
              <Select
                aria-label="Comparison"
                value={c.op}
                onChange={(e) => setCond(i, { op: e.target.value })}
              >
                {['>', '>=', '<', '<='].map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </Select>
              <Input
                aria-label="Threshold"
                type="number"
                step="any"
                value={money(c.unit) ? c.value / 1_000_000 : c.value}
                onChange={(e) =>
                  setCond(i, {
                    value: money(c.unit)
                      ? Math.round(Number(e.target.value) * 1_000_000)
                      : Number(e.target.value),
                  })
                }
              />
              <Button
                variant="ghost"
                size="sm"
                aria-label="Remove condition"
                disabled={r.conditions.conditions.length === 1}
                onClick={() =>
                  set({
                    conditions: {
                      ...r.conditions,
                      conditions: r.conditions.conditions.filter((_, j) => j !== i),
                    },
                  })
                }
              >
                Remove
              </Button>
            </li>
          ))}
        </ul>
        <Button
          size="sm"
          variant="ghost"
          className="mt-2"
          onClick={() =>
            set({
              conditions: {
                ...r.conditions,
                conditions: [
                  ...r.conditions.conditions,
                  {
                    metric: 'cpa',
                    window: { days: 7 },
                    op: '>',
                    value: 100_000_000,
                    unit: 'currency_micros',
                  },
                ],
              },
            })
          }
        >
          + Add condition
        </Button>
        <p className="mt-1 text-xs text-slate-500">
          Money in the account's currency; CTR in percent; ROAS as a ratio.
        </p>
      </fieldset>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Then">
          <Select
            value={action.type === 'budget' ? `budget-${action.direction}` : action.type}
            onChange={(e) => {
              const v = e.target.value;
              set({
                actions: [
                  v.startsWith('budget')
                    ? { type: 'budget', direction: v.split('-')[1], percent: 20 }
                    : { type: v },
                ],
              });
            }}
          >
            <option value="pause">Pause</option>
            <option value="enable">Enable</option>
            <option value="budget-decrease">Decrease budget 20%</option>
            <option value="budget-increase">Increase budget 20%</option>
            <option value="notify">Notify owners and admins</option>
          </Select>
        </Field>
        <Field label="Schedule (cron, UTC)" hint="At most every 15 minutes">
          <Input
            value={r.schedule.cron}
            onChange={(e) => set({ schedule: { cron: e.target.value } })}
            className="font-mono"
          />
        </Field>
        <Field label="Cooldown (hours)">
          <Input
            type="number"
            min={0}
            max={720}
            value={r.cooldownHours ?? 24}
            onChange={(e) => set({ cooldownHours: Number(e.target.value) })}
          />
        </Field>
      </div>
      {error && <Notice tone="red">{error}</Notice>}
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" loading={saving}>
          Save rule
        </Button>
        <details className="text-xs text-slate-500">
          <summary className="cursor-pointer">Request body</summary>
          <pre className="mt-2 max-h-64 overflow-auto rounded bg-slate-950 p-3 text-slate-100">
            {JSON.stringify(r, null, 2)}
          </pre>
        </details>
      </div>
    </form>
  );
}
