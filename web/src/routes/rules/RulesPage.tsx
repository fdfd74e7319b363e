/** Rules: list, edit, and backtest (what the rule would have done over the last N days). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { axisStyle, Chart } from '../../components/Chart.tsx';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  cx,
  EmptyState,
  ErrorState,
  LoadingState,
  Notice,
  PageHeader,
  Select,
} from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { dateTime } from '../../lib/format.ts';
import { emptyRule, type RuleBody, RuleEditor } from './RuleEditor.tsx';

interface Rule extends Omit<RuleBody, 'description'> {
  id: string;
  description: string | null;
  enabled: boolean;
  nextRunAt: string | null;
  lastRunAt: string | null;
}
/** What one evaluation did, in the words of what happened: matches, proposals, mail sent. */
function RunSummary({
  run,
}: {
  run: {
    evaluated: number;
    matched: number;
    proposed: number;
    notifications: Array<{ to: string[]; subject: string; entities: number }>;
  };
}) {
  const n = (k: number, one: string, many: string) => `${k.toLocaleString('en-US')} ${k === 1 ? one : many}`;
  const mailed = [...new Set(run.notifications.flatMap((x) => x.to))];
  return (
    <>
      {n(run.evaluated, 'entity', 'entities')} evaluated, {n(run.matched, 'matched', 'matched')}.{' '}
      {run.proposed > 0 && (
        <>
          {n(run.proposed, 'change', 'changes')} proposed: those within the guardrails were applied at once,
          the rest wait in{' '}
          <Link className="font-medium underline" to="/approvals">
            Approvals
          </Link>{' '}
          (applied ones are under{' '}
          <Link className="font-medium underline" to="/write-backs">
            Write-backs
          </Link>
          ).{' '}
        </>
      )}
      {mailed.length > 0 && <>Notified {mailed.join(', ')}. </>}
      {run.matched > 0 && run.proposed === 0 && mailed.length === 0 && 'Nothing was proposed or sent.'}
      {run.matched === 0 && 'Nothing to do.'}
    </>
  );
}

interface Backtest {
  from: string;
  to: string;
  note: string;
  days: Array<{
    date: string;
    evaluated: number;
    matched: Array<{ entityId: string; name: string; wouldDo: Array<{ type: string; detail: string }> }>;
  }>;
  totals: {
    daysWithMatches: number;
    matches: number;
    entities: number;
    actions: Record<string, number>;
    skippedForCooldown: number;
  };
}

function BacktestPanel({ rule }: { rule: Rule }) {
  const [days, setDays] = useState(30);
  const bt = useMutation({
    mutationFn: () => api.post<Backtest>(`/api/v1/rules/${rule.id}/backtest`, { days }),
  });
  const option = useMemo(() => {
    const d = bt.data?.days ?? [];
    return {
      xAxis: { type: 'category', data: d.map((x) => x.date.slice(5)), ...axisStyle },
      yAxis: { type: 'value', minInterval: 1, ...axisStyle },
      series: [
        {
          name: 'Entities matched',
          type: 'bar',
          barMaxWidth: 16,
          itemStyle: { color: '#6366f1' },
          data: d.map((x) => x.matched.length),
        },
      ],
    };
  }, [bt.data]);
  const t = bt.data?.totals;
  return (
    <Card>
      <CardHeader
        title="Backtest"
        description="Replays the rule day by day on stored data; writes nothing"
        actions={
          <>
            <Select
              aria-label="Backtest days"
              value={days}
              onChange={(e) => setDays(Number(e.target.value))}
              className="w-auto py-1.5 text-xs"
            >
              {[7, 14, 30, 60, 90].map((d) => (
                <option key={d} value={d}>
                  Last {d} days
                </option>
              ))}
            </Select>
            <Button size="sm" variant="primary" loading={bt.isPending} onClick={() => bt.mutate()}>
              Run backtest
            </Button>
          </>
        }
      />
      {bt.error && (
        <div className="p-4">
          <ErrorState error={bt.error} />
        </div>
      )}
      {bt.data && t && (
        <div className="space-y-4 px-5 py-4">
          <dl className="grid grid-cols-2 gap-4 text-sm sm:grid-cols-4">
            <div>
              <dt className="text-xs text-slate-500">Days with matches</dt>
              <dd className="text-lg font-semibold">{t.daysWithMatches}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Matches</dt>
              <dd className="text-lg font-semibold">{t.matches}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Entities</dt>
              <dd className="text-lg font-semibold">{t.entities}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Would do</dt>
              <dd className="font-medium">
                {Object.entries(t.actions)
                  .map(([k, v]) => `${v} ${k}`)
                  .join(', ') || 'nothing'}
              </dd>
            </div>
          </dl>
          <Chart option={option} height={180} label="Entities matched per day" />
          <p className="text-xs text-slate-500">{bt.data.note}</p>
          <ul className="max-h-64 divide-y divide-slate-100 overflow-auto rounded border border-slate-100 text-sm">
            {bt.data.days
              .filter((d) => d.matched.length > 0)
              .slice(-15)
              .reverse()
              .flatMap((d) =>
                d.matched.map((m) => (
                  <li key={`${d.date}-${m.entityId}`} className="px-3 py-2">
                    <span className="text-slate-500">{d.date}</span> ·{' '}
                    <span className="font-medium">{m.name}</span> —{' '}
                    {m.wouldDo.map((w) => w.detail).join('; ')}
                  </li>
                )),
              )}
          </ul>
        </div>
      )}
    </Card>
  );
}

/**
 * The rule's on/off control: a switch (track and knob, `role="switch"`) with its state in words,
 * so it reads as a control and not as a label.
 */
function OnOffSwitch({
  on,
  busy,
  onChange,
}: {
  on: boolean;
  busy: boolean;
  onChange: (on: boolean) => void;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={on}
      aria-label="Rule on"
      disabled={busy}
      onClick={() => onChange(!on)}
      className={cx(
        'inline-flex items-center gap-2 rounded-md px-2 py-1 text-xs font-medium ring-1 ring-inset disabled:opacity-60',
        on
          ? 'bg-emerald-50 text-emerald-800 ring-emerald-300'
          : 'bg-white text-slate-700 ring-slate-300 hover:bg-slate-50',
      )}
    >
      <span
        aria-hidden="true"
        className={cx(
          'relative inline-block h-4 w-7 rounded-full transition-colors',
          on ? 'bg-emerald-500' : 'bg-slate-300',
        )}
      >
        <span
          className={cx(
            'absolute top-0.5 size-3 rounded-full bg-white shadow transition-all',
            on ? 'left-3.5' : 'left-0.5',
          )}
        />
      </span>
      {on ? 'On' : 'Off'}
    </button>
  );
}

export function RulesPage() {
  const { can } = useAuth();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const selected = params.get('rule');
  const list = useQuery({
    queryKey: ['rules'],
    queryFn: () => api.getAll<Rule>('/api/v1/rules'),
  });
  const rule = list.data?.items.find((r) => r.id === selected);
  const creating = selected === 'new';
  // The rule saved last from this page, to say so (and whether it is on) above the editor.
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (b: RuleBody) =>
      rule ? api.patch<Rule>(`/api/v1/rules/${rule.id}`, b) : api.post<Rule>('/api/v1/rules', b),
    onSuccess: async (r) => {
      await qc.invalidateQueries({ queryKey: ['rules'] });
      setSaved(r.id);
      setParams({ rule: r.id });
    },
  });
  const runNow = useMutation({
    mutationFn: (id: string) =>
      api.post<{
        evaluated: number;
        matched: number;
        proposed: number;
        notifications: Array<{ to: string[]; subject: string; entities: number }>;
      }>(`/api/v1/rules/${id}/run`, {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['rules'] }),
  });
  const toggle = useMutation({
    mutationFn: ({ id, on }: { id: string; on: boolean }) =>
      api.post<Rule>(`/api/v1/rules/${id}/${on ? 'enable' : 'disable'}`, {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['rules'] }),
  });
  const editable = can('agents:manage');
  const bodyOf = (r: Rule): RuleBody => ({
    name: r.name,
    ...(r.description ? { description: r.description } : {}),
    scope: r.scope,
    conditions: r.conditions,
    actions: r.actions,
    schedule: r.schedule,
    cooldownHours: r.cooldownHours,
  });

  return (
    <>
      <PageHeader
        title="Rules"
        description="If-this-then-that on your metrics; their changes go through the guardrails"
        actions={
          editable && (
            <Button variant="primary" onClick={() => setParams({ rule: 'new' })}>
              New rule
            </Button>
          )
        }
      />
      {list.error ? (
        <ErrorState error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <div className="grid grid-cols-1 gap-6 lg:grid-cols-[18rem_minmax(0,1fr)]">
          <Card className="self-start">
            {list.isPending ? (
              <LoadingState />
            ) : list.data.items.length === 0 ? (
              <EmptyState title="No rules yet">{editable ? 'Create one with New rule.' : ''}</EmptyState>
            ) : (
              <ul className="p-2" aria-label="Rules">
                {list.data.items.map((r) => (
                  <li key={r.id}>
                    <button
                      type="button"
                      onClick={() => setParams({ rule: r.id })}
                      aria-current={r.id === selected ? 'true' : undefined}
                      className={cx(
                        'w-full rounded-md px-3 py-2 text-left text-sm',
                        r.id === selected ? 'bg-brand-50 text-brand-700' : 'hover:bg-slate-50',
                      )}
                    >
                      <span className="flex items-center justify-between gap-2">
                        <span className="truncate font-medium" title={r.name}>
                          {r.name}
                        </span>
                        <Badge tone={r.enabled ? 'green' : 'gray'}>{r.enabled ? 'on' : 'off'}</Badge>
                      </span>
                      {r.description && (
                        <span className="mt-0.5 line-clamp-2 text-xs text-slate-600">{r.description}</span>
                      )}
                      <span className="block text-xs text-slate-500">
                        last run {r.lastRunAt ? dateTime(r.lastRunAt) : 'never'}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <div className="space-y-6">
            {creating || rule ? (
              <>
                <Card>
                  <CardHeader
                    title={creating ? 'New rule' : rule?.name}
                    actions={
                      rule && (
                        <span className="inline-flex gap-1.5">
                          {editable && (
                            <OnOffSwitch
                              on={rule.enabled}
                              busy={toggle.isPending}
                              onChange={(on) => toggle.mutate({ id: rule.id, on })}
                            />
                          )}
                          {can('agents:run') && (
                            <Button
                              size="sm"
                              loading={runNow.isPending}
                              onClick={() => {
                                // Proposals within the guardrails are applied on the platform at once.
                                if (
                                  window.confirm(
                                    `Evaluate "${rule.name}" now? Every entity that matches gets its action proposed; changes within the guardrails are applied on the platform at once, the rest wait in Approvals.`,
                                  )
                                )
                                  runNow.mutate(rule.id);
                              }}
                            >
                              Evaluate now
                            </Button>
                          )}
                        </span>
                      )
                    }
                  />
                  {rule && !rule.enabled ? (
                    // Saved rules start off: say so where the save happened, with the way to turn it on.
                    <div className="px-5 pt-3" data-testid="rule-state">
                      <Notice tone="amber">
                        <div className="flex flex-wrap items-center justify-between gap-3">
                          <span>
                            <span className="font-medium">
                              {saved === rule.id ? 'Rule saved, turned off.' : 'This rule is off.'}
                            </span>{' '}
                            It does not run on its schedule until it is turned on
                            {can('agents:run') ? ' (Evaluate now runs it once)' : ''}.
                          </span>
                          {editable && (
                            <Button
                              size="sm"
                              variant="primary"
                              loading={toggle.isPending}
                              onClick={() => toggle.mutate({ id: rule.id, on: true })}
                            >
                              Turn on
                            </Button>
                          )}
                        </div>
                      </Notice>
                    </div>
                  ) : (
                    rule &&
                    saved === rule.id && (
                      <div className="px-5 pt-3" data-testid="rule-state">
                        <Notice tone="green">
                          <span className="font-medium">Rule saved; it is on.</span>{' '}
                          {rule.nextRunAt ? `Next run ${dateTime(rule.nextRunAt)}.` : ''}
                        </Notice>
                      </div>
                    )
                  )}
                  {toggle.error && (
                    <div className="px-5 pt-3">
                      <Notice tone="red">{toggle.error.message}</Notice>
                    </div>
                  )}
                  {runNow.data && (
                    <div className="px-5 pt-3">
                      <Notice tone="green">
                        <RunSummary run={runNow.data} />
                      </Notice>
                    </div>
                  )}
                  {runNow.error && (
                    <div className="px-5 pt-3">
                      <Notice tone="red">{runNow.error.message}</Notice>
                    </div>
                  )}
                  {editable ? (
                    <RuleEditor
                      key={selected ?? 'new'}
                      initial={rule ? bodyOf(rule) : emptyRule}
                      onSave={(b) => save.mutate(b)}
                      saving={save.isPending}
                      error={save.error}
                    />
                  ) : (
                    <pre className="m-4 overflow-auto rounded bg-slate-950 p-3 text-xs text-slate-100">
                      {JSON.stringify(rule && bodyOf(rule), null, 2)}
                    </pre>
                  )}
                </Card>
                {rule && <BacktestPanel key={rule.id} rule={rule} />}
              </>
            ) : (
              <Card>
                <EmptyState title="Select a rule">
                  Pick a rule to edit it and backtest it on your data.
                </EmptyState>
              </Card>
            )}
          </div>
        </div>
      )}
    </>
  );
}
