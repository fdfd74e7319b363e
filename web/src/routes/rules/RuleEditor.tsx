/**
 * A rule editor — one scope, a top-level AND/OR over conditions and one level of nested AND/OR
 * groups (the API's `conditions` tree), one action (a budget change sized in percent or an amount a
 * day) with an optional notification after it, a schedule — that writes the API's rule body;
 * the JSON it sends is shown so nothing is hidden. Every field of a condition the API knows
 * (`compare`, `unit`) is shown and kept, so a rule made through the API survives an edit here.
 */

import { type FormEvent, type ReactNode, useState } from 'react';
import { Button, Field, Input, Select, Textarea } from '../../components/ui.tsx';
import { metricName } from '../../lib/format.ts';
import { useClients } from '../../lib/hooks.ts';
import { ApiErrorNotice } from '../agents/ApiErrorNotice.tsx';

export interface Condition {
  metric: string;
  window: { days: number };
  op: string;
  value: number;
  unit: string;
  compare?: 'previous_window';
}
export interface ConditionGroup {
  match: 'all' | 'any';
  conditions: Condition[];
}
export type ConditionItem = Condition | ConditionGroup;
export interface RuleBody {
  name: string;
  /** null (in an edit) removes a saved description. */
  description?: string | null;
  enabled?: boolean;
  scope: { level: string; clientId?: string; campaignId?: string; entityIds?: string[] };
  conditions: { match: 'all' | 'any'; conditions: ConditionItem[] };
  actions: Array<{
    type: string;
    direction?: string;
    percent?: number;
    amountMicros?: number;
    emails?: string[];
    message?: string;
  }>;
  schedule: { cron: string };
  cooldownHours?: number;
}

/** The API's limit on the conditions of the tree and of each group (rules.schema.ts). */
export const MAX_CONDITIONS = 20;
/** The API's limit on a rule's description (rules.schema.ts: 1 to 2000 characters, optional). */
export const MAX_DESCRIPTION = 2000;

/**
 * The body sent: a description trimmed; when emptied, null if there was one to remove (a patch),
 * else left out (the API takes none, null on a patch, or 1+ characters).
 */
export function bodyToSend(r: RuleBody, hadDescription = false): RuleBody {
  const { description, ...rest } = r;
  const d = description?.trim();
  return d ? { ...rest, description: d } : hadDescription ? { ...rest, description: null } : rest;
}

export const isGroup = (c: ConditionItem): c is ConditionGroup => 'match' in c;

/** The units each metric may be stated in (the server's allowedUnits), the first the default. */
const metricUnits: Record<string, string[]> = {
  spend: ['currency_micros'],
  cpa: ['currency_micros'],
  cpc: ['currency_micros'],
  revenue: ['currency_micros'],
  roas: ['ratio', 'percent'],
  ctr: ['percent', 'ratio'],
  conversions: ['count'],
  clicks: ['count'],
  impressions: ['count'],
  frequency: ['ratio'],
};
const unitLabel: Record<string, string> = {
  currency_micros: 'money',
  ratio: 'ratio',
  percent: '%',
  count: 'count',
};
const money = (unit: string) => unit === 'currency_micros';
const windowChoices = [1, 3, 7, 14, 28];

const newLeaf = (): Condition => ({
  metric: 'cpa',
  window: { days: 7 },
  op: '>',
  value: 100_000_000,
  unit: 'currency_micros',
});

/** A new rule starts switched off: it acts only once someone turns it on (or evaluates it). */
export const emptyRule: RuleBody = {
  name: 'Pause campaigns with a weak ROAS',
  enabled: false,
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

/** A metric change keeps the unit when the new metric takes it; a previous-window change stays in percent. */
function withMetric(c: Condition, metric: string): Condition {
  const allowed = metricUnits[metric] ?? ['count'];
  const unit = c.compare === 'previous_window' || allowed.includes(c.unit) ? c.unit : (allowed[0] ?? 'count');
  return { ...c, metric, unit };
}

function withCompare(c: Condition, compare: string): Condition {
  if (compare === 'previous_window') return { ...c, compare: 'previous_window', unit: 'percent' };
  const { compare: _dropped, ...rest } = c;
  return withMetric(rest, c.metric);
}

function MatchSelect({
  label,
  value,
  onChange,
}: {
  label: string;
  value: 'all' | 'any';
  onChange: (v: 'all' | 'any') => void;
}) {
  return (
    <select
      aria-label={label}
      className="rounded border-slate-300 text-xs"
      value={value}
      onChange={(e) => onChange(e.target.value as 'all' | 'any')}
    >
      <option value="all">all</option>
      <option value="any">any</option>
    </select>
  );
}

/** One condition: metric, window, value or change against the previous window, comparison, threshold, unit. */
function LeafRow({
  c,
  onChange,
  removeButton,
}: {
  c: Condition;
  onChange: (c: Condition) => void;
  removeButton: ReactNode;
}) {
  const units = c.compare === 'previous_window' ? ['percent'] : (metricUnits[c.metric] ?? [c.unit]);
  const unitChoices = units.includes(c.unit) ? units : [c.unit, ...units];
  const days = windowChoices.includes(c.window.days)
    ? windowChoices
    : [...windowChoices, c.window.days].sort((a, b) => a - b);
  return (
    <div data-testid="condition" className="flex flex-wrap items-center gap-x-3 gap-y-2">
      {/* Each half wraps too: inside a group on a 390 px phone a row has ~270 px. */}
      <div className="flex flex-wrap items-center gap-2">
        <Select
          aria-label="Metric"
          className="w-36"
          value={c.metric}
          onChange={(e) => onChange(withMetric(c, e.target.value))}
        >
          {Object.keys(metricUnits).map((m) => (
            <option key={m} value={m}>
              {metricName(m)}
            </option>
          ))}
        </Select>
        <Select
          aria-label="Window"
          className="w-24"
          value={c.window.days}
          onChange={(e) => onChange({ ...c, window: { days: Number(e.target.value) } })}
        >
          {days.map((d) => (
            <option key={d} value={d}>
              {d} d
            </option>
          ))}
        </Select>
        <Select
          aria-label="Compare"
          className="w-64"
          value={c.compare ?? ''}
          onChange={(e) => onChange(withCompare(c, e.target.value))}
        >
          <option value="">value</option>
          <option value="previous_window">change vs previous window</option>
        </Select>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <Select
          aria-label="Comparison"
          className="w-20"
          value={c.op}
          onChange={(e) => onChange({ ...c, op: e.target.value })}
        >
          {['>', '>=', '<', '<='].map((o) => (
            <option key={o}>{o}</option>
          ))}
        </Select>
        <Input
          aria-label="Threshold"
          className="w-28"
          type="number"
          step="any"
          value={money(c.unit) ? c.value / 1_000_000 : c.value}
          onChange={(e) => {
            // An empty or partial number ("-", "1e") is not a threshold: the last valid one stays.
            if (e.target.value.trim() === '') return;
            const v = Number(e.target.value);
            if (!Number.isFinite(v)) return;
            onChange({ ...c, value: money(c.unit) ? Math.round(v * 1_000_000) : v });
          }}
        />
        <Select
          aria-label="Unit"
          className="w-28"
          value={c.unit}
          disabled={unitChoices.length === 1}
          onChange={(e) => onChange({ ...c, unit: e.target.value })}
        >
          {unitChoices.map((u) => (
            <option key={u} value={u}>
              {unitLabel[u] ?? u}
            </option>
          ))}
        </Select>
        {removeButton}
      </div>
    </div>
  );
}

/** The server's 400: each issue and where for a body that does not match the schema, else its message. */
function SaveError({ error }: { error: unknown }) {
  return <ApiErrorNotice error={error} />;
}

export function RuleEditor({
  initial,
  onSave,
  saving,
  error,
}: {
  initial: RuleBody;
  onSave: (b: RuleBody) => void;
  saving: boolean;
  error: unknown;
}) {
  const clients = useClients();
  const [r, setR] = useState<RuleBody>(initial);
  const set = (patch: Partial<RuleBody>) => setR((x) => ({ ...x, ...patch }));
  const items = r.conditions.conditions;
  const setItems = (next: ConditionItem[]) =>
    setR((x) => ({ ...x, conditions: { ...x.conditions, conditions: next } }));
  const setItem = (i: number, item: ConditionItem) => setItems(items.map((c, j) => (i === j ? item : c)));
  const removeItem = (i: number) => setItems(items.filter((_, j) => j !== i));
  const full = items.length >= MAX_CONDITIONS;
  const scopedOtherwise = r.scope.campaignId
    ? `campaign ${r.scope.campaignId}`
    : r.scope.entityIds
      ? `${r.scope.entityIds.length} chosen ${r.scope.level.replace('_', ' ')}${r.scope.entityIds.length === 1 ? '' : 's'}`
      : null;
  const action = r.actions[0] ?? { type: 'pause' };
  const budgetSize =
    action.type === 'budget'
      ? action.amountMicros !== undefined
        ? ` by ${(action.amountMicros / 1_000_000).toLocaleString('en-US')} a day`
        : ` ${action.percent ?? 20}%`
      : ' 20%';
  /** Picks the first action; a notify action after it (its emails and message) is kept. */
  function setAction(v: string) {
    const kept = r.actions.slice(1).filter((a) => a.type === 'notify' && v !== 'notify');
    const [type, direction] = v.split('-');
    const first =
      type === 'budget'
        ? action.type === 'budget' && action.direction === direction
          ? action
          : { type: 'budget', direction, percent: 20 }
        : action.type === type
          ? action
          : { type: v };
    set({ actions: [first, ...kept] });
  }
  /** The budget change's size: a percent of the current budget, or an amount a day. */
  function setBudgetSize(mode: 'percent' | 'amount', raw: string) {
    if (action.type !== 'budget') return;
    const n = Number(raw);
    const { percent: _p, amountMicros: _a, ...rest } = action;
    const sized =
      raw.trim() === '' || !Number.isFinite(n)
        ? rest
        : mode === 'percent'
          ? { ...rest, percent: n }
          : { ...rest, amountMicros: Math.round(n * 1_000_000) };
    set({ actions: [sized, ...r.actions.slice(1)] });
  }
  const alsoNotify = r.actions.slice(1).find((a) => a.type === 'notify');
  /** A notify action after the first one: on with its emails (none: owners and admins), or off. */
  function setAlsoNotify(on: boolean, emails?: string) {
    const others = r.actions.slice(1).filter((a) => a.type !== 'notify');
    if (!on || action.type === 'notify') {
      set({ actions: [action, ...others] });
      return;
    }
    const list = (emails ?? alsoNotify?.emails?.join(', ') ?? '')
      .split(/[,\s]+/)
      .map((e) => e.trim())
      .filter(Boolean);
    const notify = {
      type: 'notify',
      ...(list.length ? { emails: list } : {}),
      ...(alsoNotify?.message ? { message: alsoNotify.message } : {}),
    };
    set({ actions: [action, ...others, notify] });
  }
  const [emailsText, setEmailsText] = useState(alsoNotify?.emails?.join(', ') ?? '');
  // An emptied description is sent as null (the API keeps one a patch leaves out).
  const hadDescription = Boolean(initial.description?.trim());
  function submit(e: FormEvent) {
    e.preventDefault();
    onSave(bodyToSend(r, hadDescription));
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
          <Field
            label="Client"
            hint={
              scopedOtherwise ? `Now scoped to ${scopedOtherwise}; picking here replaces that` : undefined
            }
          >
            <Select
              value={r.scope.clientId ?? (scopedOtherwise ? '~other' : '')}
              onChange={(e) =>
                set({
                  scope: { level: r.scope.level, ...(e.target.value ? { clientId: e.target.value } : {}) },
                })
              }
            >
              {scopedOtherwise && (
                <option value="~other" disabled>
                  {scopedOtherwise}
                </option>
              )}
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
      <Field
        label="Description (optional)"
        hint={`What the rule is for, for the people who read it later (up to ${MAX_DESCRIPTION} characters)`}
      >
        <Textarea
          rows={3}
          maxLength={MAX_DESCRIPTION}
          value={r.description ?? ''}
          onChange={(e) => set({ description: e.target.value })}
        />
      </Field>
      <fieldset className="rounded-lg border border-slate-200 p-3" aria-label="Conditions">
        <legend className="px-1 text-xs font-medium text-slate-600">
          When{' '}
          <MatchSelect
            label="Match"
            value={r.conditions.match}
            onChange={(match) => set({ conditions: { ...r.conditions, match } })}
          />{' '}
          of these hold
        </legend>
        <ul className="space-y-2">
          {items.map((c, i) => (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: conditions are edited in place by position
              key={i}
            >
              {isGroup(c) ? (
                <fieldset
                  className="rounded-md border border-dashed border-slate-300 bg-slate-50/60 p-2"
                  data-testid="condition-group"
                  aria-label={`Group ${i + 1}`}
                >
                  <legend className="flex items-center gap-1 px-1 text-xs font-medium text-slate-600">
                    Group:{' '}
                    <MatchSelect
                      label="Group match"
                      value={c.match}
                      onChange={(match) => setItem(i, { ...c, match })}
                    />{' '}
                    of these hold
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label="Remove group"
                      disabled={items.length === 1}
                      onClick={() => removeItem(i)}
                    >
                      Remove group
                    </Button>
                  </legend>
                  <ul className="space-y-2">
                    {c.conditions.map((leaf, k) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: conditions are edited in place by position
                      <li key={k}>
                        <LeafRow
                          c={leaf}
                          onChange={(next) =>
                            setItem(i, { ...c, conditions: c.conditions.map((x, j) => (j === k ? next : x)) })
                          }
                          removeButton={
                            <Button
                              variant="ghost"
                              size="sm"
                              aria-label="Remove condition from group"
                              disabled={c.conditions.length === 1}
                              title={
                                c.conditions.length === 1
                                  ? 'A group needs one condition; remove the group instead'
                                  : undefined
                              }
                              onClick={() =>
                                setItem(i, { ...c, conditions: c.conditions.filter((_, j) => j !== k) })
                              }
                            >
                              Remove
                            </Button>
                          }
                        />
                      </li>
                    ))}
                  </ul>
                  <Button
                    size="sm"
                    variant="ghost"
                    className="mt-2"
                    disabled={c.conditions.length >= MAX_CONDITIONS}
                    title={
                      c.conditions.length >= MAX_CONDITIONS
                        ? `A group takes at most ${MAX_CONDITIONS} conditions`
                        : undefined
                    }
                    onClick={() => setItem(i, { ...c, conditions: [...c.conditions, newLeaf()] })}
                  >
                    + Add condition to group
                  </Button>
                </fieldset>
              ) : (
                <LeafRow
                  c={c}
                  onChange={(next) => setItem(i, next)}
                  removeButton={
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label="Remove condition"
                      disabled={items.length === 1}
                      onClick={() => removeItem(i)}
                    >
                      Remove
                    </Button>
                  }
                />
              )}
            </li>
          ))}
        </ul>
        <div className="mt-2 flex flex-wrap items-center gap-2">
          <Button size="sm" variant="ghost" disabled={full} onClick={() => setItems([...items, newLeaf()])}>
            + Add condition
          </Button>
          <Button
            size="sm"
            variant="ghost"
            disabled={full}
            onClick={() =>
              setItems([
                ...items,
                { match: r.conditions.match === 'all' ? 'any' : 'all', conditions: [newLeaf()] },
              ])
            }
          >
            + Add group
          </Button>
          {full && (
            <span className="text-xs text-amber-700">
              At most {MAX_CONDITIONS} conditions and groups at the top level
            </span>
          )}
        </div>
        <p className="mt-1 text-xs text-slate-500">
          Money in the account's currency; CTR and ROAS as a ratio or in percent; a change against the
          previous window in percent. A group nests one level: its own all/any over its conditions.
        </p>
      </fieldset>
      <div
        className={
          action.type === 'budget'
            ? 'grid gap-4 sm:grid-cols-2'
            : 'grid gap-4 sm:grid-cols-[minmax(0,3fr)_minmax(0,2fr)_minmax(0,1.2fr)]'
        }
      >
        <Field label="Then">
          <Select
            value={action.type === 'budget' ? `budget-${action.direction}` : action.type}
            onChange={(e) => setAction(e.target.value)}
          >
            <option value="pause">Pause</option>
            <option value="enable">Enable</option>
            <option value="budget-decrease">
              Decrease budget
              {action.type === 'budget' && action.direction === 'decrease' ? budgetSize : ' 20%'}
            </option>
            <option value="budget-increase">
              Increase budget
              {action.type === 'budget' && action.direction === 'increase' ? budgetSize : ' 20%'}
            </option>
            <option value="notify">
              Notify{' '}
              {action.type === 'notify' && action.emails ? action.emails.join(', ') : 'owners and admins'}
            </option>
          </Select>
        </Field>
        {action.type === 'budget' ? (
          <Field
            label={action.amountMicros !== undefined ? 'By (a day, account currency)' : 'By (%)'}
            hint="Guardrails still cap each change"
          >
            <div className="flex gap-2">
              <Input
                type="number"
                aria-label="Budget change size"
                min={0}
                step="any"
                value={
                  action.amountMicros !== undefined ? action.amountMicros / 1_000_000 : (action.percent ?? '')
                }
                onChange={(e) =>
                  setBudgetSize(action.amountMicros !== undefined ? 'amount' : 'percent', e.target.value)
                }
              />
              <Select
                className="w-32 shrink-0"
                aria-label="Budget change unit"
                value={action.amountMicros !== undefined ? 'amount' : 'percent'}
                onChange={(e) =>
                  setBudgetSize(
                    e.target.value as 'percent' | 'amount',
                    String(
                      action.amountMicros !== undefined
                        ? action.amountMicros / 1_000_000
                        : (action.percent ?? 20),
                    ),
                  )
                }
              >
                <option value="percent">%</option>
                <option value="amount">a day</option>
              </Select>
            </div>
          </Field>
        ) : null}
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
      {action.type !== 'notify' ? (
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={alsoNotify !== undefined}
              onChange={(e) => setAlsoNotify(e.target.checked, emailsText)}
            />
            Also notify
          </label>
          {alsoNotify !== undefined ? (
            <Input
              aria-label="Notify these emails"
              placeholder="owners and admins (or emails, comma-separated)"
              value={emailsText}
              onChange={(e) => {
                setEmailsText(e.target.value);
                setAlsoNotify(true, e.target.value);
              }}
              className="w-full sm:w-auto sm:min-w-[20rem] sm:flex-1"
            />
          ) : null}
        </div>
      ) : null}
      {error ? <SaveError error={error} /> : null}
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" loading={saving}>
          Save rule
        </Button>
        <details className="text-xs text-slate-500">
          <summary className="cursor-pointer">Request body</summary>
          <pre className="mt-2 max-h-64 overflow-auto rounded bg-slate-950 p-3 text-slate-100">
            {JSON.stringify(bodyToSend(r), null, 2)}
          </pre>
        </details>
      </div>
    </form>
  );
}
