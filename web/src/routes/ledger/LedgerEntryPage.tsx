/**
 * One ledger entry in full (GET /api/v1/ledger/:id): the change applied and who asked for it, the
 * platform's state before and after, links to the campaign or ad, client, source and proposal, the
 * times it was applied, recorded and reverted, and each horizon's score with its windows, controls,
 * effect in the metric's units and volume effects. An unknown id, or another organization's, is
 * "not found".
 */
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import {
  Badge,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  type Tone,
} from '../../components/ui.tsx';
import { ApiError, api } from '../../lib/api.ts';
import { date, dateTime, humanize, metricName, money, num, platformName } from '../../lib/format.ts';
import { useClientNames } from '../../lib/hooks.ts';

interface Totals {
  spendMicros: number;
  conversions: number;
  valueMicros: number;
  days: number;
}
export interface Score {
  horizonDays: number;
  scoredAt: string;
  verdict: string;
  reason: string;
  metric: 'roas' | 'cpa' | null;
  effectPct: number | null;
  loPct: number | null;
  hiPct: number | null;
  controls: number;
  details: {
    unit: { level: string; id: string } | null;
    scope: string | null;
    level: number;
    windows: { pre: [string, string]; post: [string, string] | null; postDays: number; cutBy: string | null };
    treated: { pre: Totals; post: Totals } | null;
    effect: {
      metric: 'roas' | 'cpa';
      unit: 'ratio' | 'micros';
      currency: string;
      before: number;
      after: number;
      expected: number;
      difference: number;
      incremental: number;
      incrementalUnit: 'conversions' | 'micros';
    } | null;
    volume: {
      spendPct: number | null;
      spendLoPct: number | null;
      spendHiPct: number | null;
      objectivePct: number | null;
      objectiveLoPct: number | null;
      objectiveHiPct: number | null;
    };
    controls: Array<{ unitId: string; efficiencyChangePct: number | null }>;
  };
}
export interface LedgerEntry {
  id: string;
  writeActionId: string;
  proposalId: string | null;
  source: { type: string; id: string | null };
  kind: string;
  level: string;
  entityId: string;
  /** Absent from servers older than the field. */
  entityName?: string | null;
  clientId: string | null;
  platform: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  changePct: number | null;
  appliedAt: string;
  reverted: boolean;
  revertedAt: string | null;
  verdict: string;
  verdictHorizon: number | null;
  effectPct: number | null;
  scores: Score[];
  pending: Array<{ horizonDays: number; dueAfter: string }>;
  createdAt: string;
}
interface Proposal {
  id: string;
  status: string;
  reason: string | null;
  risk: string;
  expectedImpact: { summary: string; currency: string };
  createdAt: string;
  decidedAt: string | null;
}

export const verdictTone: Record<string, Tone> = {
  helped: 'green',
  hurt: 'red',
  inconclusive: 'gray',
  pending: 'blue',
};

const linkClass = 'text-brand-700 hover:underline';

/** Where an entity of a level is shown in the app; ad groups have no page of their own. */
export function entityPath(level: string, id: string): string | null {
  if (level === 'campaign') return `/campaigns/${id}`;
  if (level === 'ad') return `/ads/${id}`;
  return null;
}

const signed = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : `${v > 0 ? '+' : ''}${v.toFixed(digits)}%`;
const interval = (lo: number | null, hi: number | null) =>
  lo === null || hi === null ? '' : ` (95%: ${signed(lo)} to ${signed(hi)})`;

/** A platform snapshot value: budgets in micros shown as money, the rest as they are. */
function snapshotValue(key: string, v: unknown, currency: string | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number' && /micros$/i.test(key))
    return currency ? money(v, currency) : `${(v / 1_000_000).toFixed(2)} (account currency)`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    // On a phone the label sits above its value: a 10rem label column would leave the value ~140 px.
    <div className="grid gap-0.5 py-1.5 sm:grid-cols-[10rem_minmax(0,1fr)] sm:gap-3">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="min-w-0 break-words text-sm text-slate-900">{children}</dd>
    </div>
  );
}

function TotalsCell({ t, currency }: { t: Totals; currency?: string }) {
  return (
    <>
      {currency ? money(t.spendMicros, currency) : num(t.spendMicros / 1e6, 2)} spend ·{' '}
      {num(t.conversions, 1)} conv. ·{' '}
      {currency ? money(t.valueMicros, currency) : num(t.valueMicros / 1e6, 2)} value · {t.days} d
    </>
  );
}

function ScoreCard({ s }: { s: Score }) {
  const d = s.details;
  const e = d.effect;
  const cur = e?.currency;
  const inUnit = (v: number) =>
    e?.unit === 'micros' ? money(v, e.currency) : e?.unit === 'ratio' ? `${v.toFixed(2)}×` : String(v);
  return (
    <Card>
      <CardHeader
        title={`${s.horizonDays}-day score`}
        description={`Scored ${dateTime(s.scoredAt)}`}
        actions={<Badge tone={verdictTone[s.verdict] ?? 'gray'}>{s.verdict}</Badge>}
      />
      <dl className="divide-y divide-slate-100 px-5 py-3">
        <Row label="Why">{s.reason}</Row>
        <Row label="Metric">{s.metric ? metricName(s.metric) : '—'}</Row>
        <Row label="Effect">
          {signed(s.effectPct)}
          {interval(s.loPct, s.hiPct)}
        </Row>
        <Row label="Unit measured">
          {d.unit ? (
            <>
              {humanize(d.unit.level)}{' '}
              {entityPath(d.unit.level, d.unit.id) ? (
                <Link className={linkClass} to={entityPath(d.unit.level, d.unit.id) ?? '#'}>
                  {d.unit.id}
                </Link>
              ) : (
                <span className="font-mono text-xs">{d.unit.id}</span>
              )}
            </>
          ) : (
            '—'
          )}
        </Row>
        <Row label="Controls">
          {s.controls} untouched {s.controls === 1 ? 'unit' : 'units'}
          {d.scope ? ` in the ${d.scope}` : ''}
        </Row>
        <Row label="Windows">
          before {d.windows.pre[0]} – {d.windows.pre[1]}
          {d.windows.post ? `; after ${d.windows.post[0]} – ${d.windows.post[1]}` : '; no after window'} (
          {d.windows.postDays} d){d.windows.cutBy ? `; cut by ${d.windows.cutBy}` : ''}
        </Row>
        {d.treated && (
          <>
            <Row label="Treated, before">
              <TotalsCell t={d.treated.pre} currency={cur} />
            </Row>
            <Row label="Treated, after">
              <TotalsCell t={d.treated.post} currency={cur} />
            </Row>
          </>
        )}
        {e && (
          <Row label={`${metricName(e.metric)} in its units`}>
            before {inUnit(e.before)} · after {inUnit(e.after)} · expected without the change{' '}
            {inUnit(e.expected)} · difference {inUnit(e.difference)} · incremental{' '}
            {e.incrementalUnit === 'micros'
              ? money(e.incremental, e.currency)
              : `${num(e.incremental, 1)} conversions`}
          </Row>
        )}
        <Row label="Spend per day">
          {signed(d.volume.spendPct)}
          {interval(d.volume.spendLoPct, d.volume.spendHiPct)}
        </Row>
        <Row label="Objective per day">
          {signed(d.volume.objectivePct)}
          {interval(d.volume.objectiveLoPct, d.volume.objectiveHiPct)}
        </Row>
      </dl>
      {d.controls.length > 0 && (
        <details className="border-t border-slate-100 px-5 py-3 text-sm">
          <summary className="cursor-pointer text-xs text-slate-600">
            Each control's own efficiency change ({d.controls.length})
          </summary>
          <ul className="mt-2 grid gap-1 text-xs sm:grid-cols-2">
            {d.controls.map((c) => (
              <li key={c.unitId} className="flex justify-between gap-2">
                <span className="truncate font-mono">{c.unitId}</span>
                <span className="tabular">{signed(c.efficiencyChangePct)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}

export function LedgerEntryPage() {
  const { id = '' } = useParams();
  const names = useClientNames();
  const entry = useQuery({
    queryKey: ['ledger-entry', id],
    queryFn: () => api.get<LedgerEntry>(`/api/v1/ledger/${encodeURIComponent(id)}`),
  });
  const e = entry.data;
  const proposal = useQuery({
    queryKey: ['proposal', e?.proposalId],
    queryFn: () => api.get<Proposal>(`/api/v1/actions/${e?.proposalId}`),
    enabled: Boolean(e?.proposalId),
  });
  const crumbs = (
    <Link to="/ledger" className="hover:text-slate-900 hover:underline">
      Change ledger
    </Link>
  );

  if (entry.error) {
    const notFound = entry.error instanceof ApiError && entry.error.status === 404;
    return (
      <>
        <PageHeader crumbs={crumbs} title={notFound ? 'Ledger entry not found' : 'Ledger entry'} />
        <Card>
          {notFound ? (
            <div role="alert">
              <EmptyState title="Ledger entry not found">
                There is no ledger entry <span className="font-mono">{id}</span> in this organization. The
                address may be mistyped, or the entry belongs to another organization.{' '}
                <Link className={linkClass} to="/ledger">
                  Back to the change ledger
                </Link>
              </EmptyState>
            </div>
          ) : (
            <ErrorState error={entry.error} onRetry={() => entry.refetch()} />
          )}
        </Card>
      </>
    );
  }
  if (!e)
    return (
      <>
        <PageHeader crumbs={crumbs} title="Ledger entry" />
        <Card>
          <LoadingState rows={6} />
        </Card>
      </>
    );

  const currency =
    proposal.data?.expectedImpact.currency ??
    e.scores.find((s) => s.details.effect)?.details.effect?.currency;
  const path = entityPath(e.level, e.entityId);
  const keys = [...new Set([...Object.keys(e.before), ...Object.keys(e.after)])];
  const change = `${humanize(e.kind)}${e.changePct !== null ? ` ${signed(e.changePct)}` : ''} on ${e.level.replace('_', ' ')}${e.entityName ? ` ${e.entityName}` : ''}`;
  const sourcePath =
    e.source.type === 'rule' && e.source.id
      ? `/rules?rule=${encodeURIComponent(e.source.id)}`
      : e.source.type === 'agent'
        ? '/agents'
        : null;
  return (
    <>
      <PageHeader
        crumbs={crumbs}
        title={change}
        description={`${platformName(e.platform)} · applied ${dateTime(e.appliedAt)} by ${e.source.type}`}
        actions={
          <>
            {e.reverted && <Badge tone="amber">reverted</Badge>}
            <Badge tone={verdictTone[e.verdict] ?? 'gray'}>
              {e.verdict}
              {e.verdictHorizon ? ` · ${e.verdictHorizon} d` : ''}
            </Badge>
          </>
        }
      />
      <div className="grid grid-cols-1 gap-6 xl:grid-cols-2">
        <Card>
          <CardHeader title="What changed" />
          <dl className="divide-y divide-slate-100 px-5 py-3" aria-label="Ledger entry">
            <Row label="Change">{humanize(e.kind)}</Row>
            <Row label={humanize(e.level)}>
              {path ? (
                <Link className={linkClass} to={path}>
                  {e.entityName ?? `Open the ${e.level.replace('_', ' ')}`}{' '}
                  <span className="font-mono text-xs">{e.entityId}</span>
                </Link>
              ) : (
                <>
                  {e.entityName ? `${e.entityName} ` : ''}
                  <span className="font-mono text-xs">{e.entityId}</span>
                </>
              )}
            </Row>
            <Row label="Client">
              {e.clientId ? (
                <Link className={linkClass} to={`/clients/${e.clientId}`}>
                  {names.get(e.clientId) ?? e.clientId}
                </Link>
              ) : (
                '—'
              )}
            </Row>
            <Row label="Platform">{platformName(e.platform)}</Row>
            <Row label="Asked for by">
              {humanize(e.source.type)}
              {e.source.id &&
                (sourcePath ? (
                  <>
                    {' '}
                    <Link className={linkClass} to={sourcePath}>
                      {e.source.id}
                    </Link>
                  </>
                ) : (
                  <span className="ml-1 font-mono text-xs">{e.source.id}</span>
                ))}
            </Row>
            <Row label="Proposal">
              {e.proposalId ? (
                <>
                  <Link className={linkClass} to="/approvals">
                    <span className="font-mono text-xs">{e.proposalId}</span>
                  </Link>
                  {proposal.data && (
                    <span className="block text-xs text-slate-500">
                      {humanize(proposal.data.status)} · {proposal.data.risk} risk ·{' '}
                      {proposal.data.expectedImpact.summary}
                      {proposal.data.reason ? ` · ${proposal.data.reason}` : ''}
                    </span>
                  )}
                </>
              ) : (
                'none (applied directly)'
              )}
            </Row>
            <Row label="Change of budget">{e.changePct !== null ? signed(e.changePct) : '—'}</Row>
            <Row label="Estimated effect">
              {e.effectPct !== null ? signed(e.effectPct) : '—'}
              {e.verdictHorizon ? ` (at ${e.verdictHorizon} days)` : ''}
            </Row>
          </dl>
        </Card>
        <div className="space-y-6">
          <Card>
            <CardHeader
              title="On the platform"
              description="The platform's state before and after the write"
            />
            {keys.length === 0 ? (
              <p className="px-5 py-3 text-sm text-slate-500">No snapshot recorded.</p>
            ) : (
              <div className="overflow-x-auto">
                <table className="w-full text-sm" aria-label="Before and after">
                  <thead>
                    <tr className="text-left text-xs text-slate-500">
                      <th className="px-5 py-2 font-medium">Field</th>
                      <th className="px-5 py-2 font-medium">Before</th>
                      <th className="px-5 py-2 font-medium">After</th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {keys.map((k) => (
                      <tr key={k}>
                        <td className="px-5 py-2 font-mono text-xs">{k}</td>
                        <td className="px-5 py-2 tabular">{snapshotValue(k, e.before[k], currency)}</td>
                        <td className="px-5 py-2 tabular">{snapshotValue(k, e.after[k], currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
          <Card>
            <CardHeader title="Record" />
            <dl className="divide-y divide-slate-100 px-5 py-3">
              <Row label="Applied">{dateTime(e.appliedAt)}</Row>
              <Row label="Recorded in the ledger">{dateTime(e.createdAt)}</Row>
              <Row label="Reverted">{e.reverted ? dateTime(e.revertedAt) : 'no'}</Row>
              <Row label="Entry id">
                <span className="font-mono text-xs">{e.id}</span>
              </Row>
              <Row label="Write-back id">
                <span className="font-mono text-xs">{e.writeActionId}</span>{' '}
                <Link className={linkClass} to={`/write-backs?entityId=${encodeURIComponent(e.entityId)}`}>
                  (all write-backs of this {e.level.replace('_', ' ')})
                </Link>
              </Row>
            </dl>
          </Card>
        </div>
      </div>
      <h2 className="mt-8 mb-3 text-sm font-semibold text-slate-900">Scores</h2>
      <div className="space-y-6">
        {e.pending.length > 0 && (
          <Card>
            <ul className="px-5 py-3 text-sm text-slate-600" aria-label="Pending scores">
              {e.pending.map((p) => (
                <li key={p.horizonDays}>
                  {p.horizonDays}-day score: once data after {date(p.dueAfter)} is in
                </li>
              ))}
            </ul>
          </Card>
        )}
        {e.scores.map((s) => (
          <article key={s.horizonDays} aria-label={`${s.horizonDays}-day score`}>
            <ScoreCard s={s} />
          </article>
        ))}
        {e.scores.length === 0 && e.pending.length === 0 && (
          <Card>
            <EmptyState title="No scores">This change has not been scored.</EmptyState>
          </Card>
        )}
      </div>
    </>
  );
}
