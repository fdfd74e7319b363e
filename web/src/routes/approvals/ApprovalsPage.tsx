/**
 * The approvals queue: proposed changes and workflow steps waiting for a person, and the history of
 * proposals with revert. Approve and Revert change the live ad platform, so each asks first, in a
 * dialog that restates the change.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
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
  PartialList,
  StatusBadge,
} from '../../components/ui.tsx';
import { actionsPath, api, HISTORY_CAP } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { ago, dateTime, humanize, money } from '../../lib/format.ts';
import { type Resolved, useNames } from '../../lib/names.ts';
import type { Proposal } from '../../lib/types.ts';
import { useStepDecision } from '../../lib/workflows.ts';
import { ApiErrorNotice } from '../agents/ApiErrorNotice.tsx';

const tabs = [
  { key: 'pending_approval', label: 'Waiting for approval' },
  { key: 'applied', label: 'Applied' },
  { key: 'unknown', label: 'Outcome unknown' },
  { key: '', label: 'All' },
] as const;

/** The proposal as the API sends it, with the structured impact and timestamps this page reads. */
type Row = Omit<Proposal, 'expectedImpact'> & {
  expectedImpact: {
    summary?: string;
    currency?: string;
    note?: string | null;
    dailyBudgetDeltaMicros?: number;
    monthlyBudgetDeltaMicros?: number;
    avgDailySpendMicros7d?: number;
  } | null;
  appliedAt?: string | null;
  revertedAt?: string | null;
};

const currencyOf = (p: Row) => p.expectedImpact?.currency || 'USD';
const signedMoney = (micros: number, currency: string) =>
  `${micros > 0 ? '+' : ''}${money(micros, currency)}`;

/** The server writes the summary (money in the entity's currency); older servers' have none. */
function describe(p: Row): string {
  const s = p.expectedImpact?.summary;
  if (s) return s.charAt(0).toUpperCase() + s.slice(1);
  if (p.kind === 'budget_change')
    return `Daily budget ${money(p.before?.dailyBudgetMicros ?? null, currencyOf(p))} → ${money(p.after?.dailyBudgetMicros ?? null, currencyOf(p))}`;
  return `${humanize(p.kind)} ${p.level.replace(/_/g, ' ')}`;
}

/** What the change does to spend, from the structured fields, formatted like the rest of the dashboard. */
function Impact({ p }: { p: Row }) {
  const cur = currencyOf(p);
  const i = p.expectedImpact;
  const monthly =
    i?.monthlyBudgetDeltaMicros !== undefined && i.monthlyBudgetDeltaMicros !== 0
      ? ` · ${signedMoney(i.monthlyBudgetDeltaMicros, cur)} a month`
      : '';
  if (p.kind === 'budget_change')
    return (
      <p className="mt-0.5 text-xs text-slate-600 tabular" data-testid="impact">
        Daily budget {money(p.before?.dailyBudgetMicros ?? null, cur)} →{' '}
        <span className="font-medium">{money(p.after?.dailyBudgetMicros ?? null, cur)}</span>
        {monthly}
      </p>
    );
  if ((p.kind === 'pause' || p.kind === 'enable') && i?.dailyBudgetDeltaMicros !== undefined)
    return (
      <p className="mt-0.5 text-xs text-slate-600 tabular" data-testid="impact">
        Spend {signedMoney(i.dailyBudgetDeltaMicros, cur)} a day
        {/* The server's summary above says which 7 days a pause's average is of (up to which day);
            only a proposal without one (an older server's) gets the plain words here. */}
        {p.kind === 'pause' && !i.summary ? ' (its 7-day average)' : ''}
        {monthly}
      </p>
    );
  return null;
}

/** When it was proposed, decided, applied, reverted, or until when it waits: dates as elsewhere. */
function when(p: Row): string {
  const parts = [`proposed ${dateTime(p.createdAt)}`];
  if (p.status === 'pending_approval' && p.expiresAt) parts.push(`expires ${dateTime(p.expiresAt)}`);
  if (p.appliedAt) parts.push(`applied ${dateTime(p.appliedAt)}`);
  else if (p.decidedAt) parts.push(`decided ${dateTime(p.decidedAt)}`);
  if (p.revertedAt) parts.push(`reverted ${dateTime(p.revertedAt)}`);
  return parts.join(' · ');
}

/** Who proposed it: a person's name (email on hover), the agent's or the rule's name (linked). */
function Source({ source, who }: { source: Row['source']; who: Resolved }) {
  const name = <span className="font-medium text-slate-700">{who.label}</span>;
  return (
    <span data-testid="proposal-source">
      by {source.type}
      {source.id && (
        <>
          {' '}
          {who.to && who.known ? (
            <Link to={who.to} title={who.title} className="hover:underline">
              {name}
            </Link>
          ) : (
            <span title={who.title}>{name}</span>
          )}
        </>
      )}
    </span>
  );
}

/** The entity's level in words ("campaign", "ad set"). */
const levelWords = (p: Row) => p.level.replace(/_/g, ' ');

/**
 * Approve or Revert behind a confirmation: the dialog restates the change and what the click does
 * on the platform; both take an optional comment (Approve: stored with the approval; Revert: in the
 * audit entry).
 */
function ConfirmDecision({
  p,
  verb,
  busy,
  onConfirm,
  trigger,
}: {
  p: Row;
  verb: 'approve' | 'revert';
  busy: boolean;
  onConfirm: (comment: string | null) => void;
  trigger: ReactNode;
}) {
  // With several approvals required, one more approval may only be counted, not applied.
  const last = p.approvals.length + 1 >= p.requiredApprovals;
  const what =
    verb === 'revert'
      ? `Reverting puts the ${levelWords(p)} back as it was before this change, on the ad platform, at once.`
      : last
        ? `Approving applies this change on the ad platform at once.`
        : `Your approval is ${p.approvals.length + 1} of the ${p.requiredApprovals} needed; the change is applied on the ad platform once all are in.`;
  return (
    <ConfirmDialog
      title={verb === 'revert' ? 'Revert this change?' : 'Approve this change?'}
      summary={describe(p)}
      commentLabel={
        verb === 'revert'
          ? 'Reason (optional, kept in the audit log)'
          : 'Comment (optional, kept with your approval)'
      }
      confirmLabel={verb === 'revert' ? 'Revert on the platform' : last ? 'Approve and apply' : 'Approve'}
      tone={verb === 'revert' ? 'danger' : 'primary'}
      busy={busy}
      onConfirm={onConfirm}
      trigger={trigger}
    >
      <Impact p={p} />
      <p>{what}</p>
    </ConfirmDialog>
  );
}

function ProposalRow({ p, base, resolve }: { p: Row; base: string; resolve: ReturnType<typeof useNames> }) {
  const { can } = useAuth();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const act = useMutation({
    mutationFn: ({ verb, comment }: { verb: 'approve' | 'reject' | 'revert'; comment?: string | null }) =>
      api.post<Proposal>(`${base}/${p.id}/${verb}`, comment ? { comment } : {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['proposals'] }),
    onError: (e) => setError(e.message),
  });
  const entityLink =
    p.level === 'campaign' ? `/campaigns/${p.entityId}` : p.level === 'ad' ? `/ads/${p.entityId}` : null;
  const approver = can('actions:approve');
  return (
    <li className="px-5 py-4" data-testid="proposal">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <StatusBadge status={p.status} write />
            <Badge tone={p.risk === 'high' ? 'red' : p.risk === 'medium' ? 'amber' : 'gray'}>
              {p.risk} risk
            </Badge>
            <span className="text-xs text-slate-500">
              <Source source={p.source} who={resolve(p.source.type, p.source.id)} /> · {ago(p.createdAt)}
            </span>
          </div>
          <p className="mt-1.5 text-sm font-medium text-slate-900">
            {entityLink ? (
              <Link to={entityLink} className="hover:underline">
                {describe(p)}
              </Link>
            ) : (
              describe(p)
            )}
          </p>
          <Impact p={p} />
          {p.reason && <p className="mt-0.5 text-xs text-slate-500">{p.reason}</p>}
          <p className="mt-0.5 text-xs text-slate-400">{when(p)}</p>
          <ul className="mt-2 flex flex-wrap gap-1.5">
            {p.checks.map((c) => (
              <li key={c.check}>
                <Badge
                  tone={c.outcome === 'pass' ? 'gray' : c.outcome === 'blocked' ? 'red' : 'amber'}
                  title={c.message}
                >
                  {c.outcome === 'pass' ? '✓' : c.outcome === 'blocked' ? '✕' : '!'} {humanize(c.check)}
                </Badge>
              </li>
            ))}
          </ul>
          {p.status === 'pending_approval' && p.requiredApprovals > 1 && (
            <p className="mt-1 text-xs text-slate-500">
              {p.approvals.length} of {p.requiredApprovals} approvals
            </p>
          )}
          {p.status === 'unknown' ? (
            <div className="mt-2 rounded-md border border-orange-200 bg-orange-50 px-3 py-2 text-xs text-orange-900">
              <p className="font-medium">
                Could not confirm on the platform whether this change landed — check the{' '}
                {p.level.replace(/_/g, ' ')} there. Omnify does not retry it, and it cannot be reverted from
                here.
              </p>
              {p.error && <p className="mt-0.5">{p.error}</p>}
              {entityLink && (
                <Link to={entityLink} className="mt-1 inline-block font-medium underline">
                  Open the {p.level.replace(/_/g, ' ')} in Omnify
                </Link>
              )}
            </div>
          ) : (
            p.error && <p className="mt-1 text-xs text-rose-700">{p.error}</p>
          )}
        </div>
        {approver && (
          <div className="flex gap-2">
            {p.status === 'pending_approval' && (
              <>
                <ConfirmDecision
                  p={p}
                  verb="approve"
                  busy={act.isPending && act.variables?.verb === 'approve'}
                  onConfirm={(comment) => act.mutate({ verb: 'approve', comment })}
                  trigger={
                    <Button
                      variant="primary"
                      size="sm"
                      loading={act.isPending && act.variables?.verb === 'approve'}
                    >
                      Approve…
                    </Button>
                  }
                />
                <Button
                  size="sm"
                  loading={act.isPending && act.variables?.verb === 'reject'}
                  onClick={() => act.mutate({ verb: 'reject' })}
                >
                  Reject
                </Button>
              </>
            )}
            {p.status === 'blocked' && (
              <Button size="sm" onClick={() => act.mutate({ verb: 'reject' })}>
                Dismiss
              </Button>
            )}
            {p.status === 'applied' && (
              <ConfirmDecision
                p={p}
                verb="revert"
                busy={act.isPending}
                onConfirm={(comment) => act.mutate({ verb: 'revert', comment })}
                trigger={
                  <Button size="sm" variant="danger" loading={act.isPending}>
                    Revert…
                  </Button>
                }
              />
            )}
          </div>
        )}
      </div>
      {error && (
        <div className="mt-2">
          <Notice tone="red">{error}</Notice>
        </div>
      )}
    </li>
  );
}

/** An approval step of a workflow run, as GET /api/v1/workflows/approvals lists it. */
interface WorkflowWait {
  executionId: string;
  stepId: string;
  workflowId: string;
  workflowName: string;
  message: string | null;
  requiredApprovals: number;
  approvals: Array<{ by: string | null }>;
  trigger: string;
  startedBy: { id: string; name: string | null } | null;
  startedAt: string;
}

/**
 * A workflow run waiting at an approval step: the workflow, its question, who started the run and
 * when, and Approve / Reject through the same step routes as the Workflows page.
 */
function WorkflowWaitRow({ w }: { w: WorkflowWait }) {
  const { can, me } = useAuth();
  const decide = useStepDecision(w.executionId, w.stepId);
  const given = w.approvals.length;
  const myId = me?.user?.id;
  const mine = !!myId && w.approvals.some((a) => a.by === myId);
  const starter =
    w.startedBy === null
      ? `by ${humanize(w.trigger)} trigger`
      : `by ${w.startedBy.name ?? 'a former member'}`;
  const question = w.message ?? `Step ${humanize(w.stepId)} waits for approval`;
  // With two approvals required, the first one is only counted.
  const last = given + 1 >= w.requiredApprovals;
  return (
    <li className="px-5 py-4" data-testid="workflow-approval">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone="amber">Workflow step</Badge>
            <Link to="/workflows" className="text-sm font-medium text-slate-900 hover:underline">
              {w.workflowName}
            </Link>
          </div>
          <p className="mt-1.5 text-sm text-slate-800">{question}</p>
          <p className="mt-0.5 text-xs text-slate-500" data-testid="workflow-approval-started">
            Run started {starter} · <span title={dateTime(w.startedAt)}>{ago(w.startedAt)}</span>
          </p>
          {w.requiredApprovals > 1 && (
            <p className="mt-1 text-xs text-slate-500">
              {given} of {w.requiredApprovals} approvals{mine ? ' (yours is in)' : ''}
            </p>
          )}
        </div>
        {can('actions:approve') && (
          <div className="flex gap-2">
            {/* As for proposals: Approve asks first, restating the step's question. */}
            <ConfirmDialog
              title="Approve this workflow step?"
              summary={question}
              commentLabel="Comment (optional, kept with your approval)"
              confirmLabel={last ? 'Approve and continue the run' : 'Approve'}
              busy={decide.isPending && decide.variables?.decision === 'approve'}
              onConfirm={(comment) => decide.mutate({ decision: 'approve', comment })}
              trigger={
                <Button
                  variant="primary"
                  size="sm"
                  loading={decide.isPending && decide.variables?.decision === 'approve'}
                >
                  Approve…
                </Button>
              }
            >
              <p>
                Workflow <span className="font-medium text-slate-900">{w.workflowName}</span>, run started{' '}
                {starter} {ago(w.startedAt)}.
              </p>
              <p>
                {last
                  ? 'Approving lets the run go on to its next steps at once; changes they propose still go through the guardrails.'
                  : `Your approval is ${given + 1} of the ${w.requiredApprovals} needed; the run goes on once all are in.`}
              </p>
            </ConfirmDialog>
            <Button
              size="sm"
              loading={decide.isPending && decide.variables?.decision === 'reject'}
              onClick={() => decide.mutate({ decision: 'reject' })}
            >
              Reject
            </Button>
          </div>
        )}
      </div>
      {decide.error && (
        <div className="mt-2">
          <ApiErrorNotice error={decide.error} />
        </div>
      )}
    </li>
  );
}

/** Workflow runs waiting for a person, above the proposals in the pending tab (none: nothing shown). */
function WorkflowWaits() {
  const q = useQuery({
    queryKey: ['wf-approvals'],
    queryFn: () => api.getAll<WorkflowWait>('/api/v1/workflows/approvals', {}, HISTORY_CAP),
  });
  if (q.isPending || (!q.error && q.data.items.length === 0)) return null;
  return (
    <Card className="mb-4">
      <CardHeader
        title="Workflow runs waiting for approval"
        description="A workflow waits at an approval step until someone who may approve changes decides"
      />
      {q.error ? (
        <ErrorState error={q.error} onRetry={() => q.refetch()} />
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Workflow runs waiting for approval">
          {q.data.items.map((w) => (
            <WorkflowWaitRow key={`${w.executionId}:${w.stepId}`} w={w} />
          ))}
        </ul>
      )}
      <PartialList page={q.data} narrow="Decide on these to see the rest." />
    </Card>
  );
}

export function ApprovalsPage() {
  // The tab is in the address (`?status=unknown`, `?status=all`) so other pages can link to it.
  const [params, setParams] = useSearchParams();
  const asked = params.get('status');
  const status =
    asked === 'all' ? '' : (tabs.find((t) => t.key && t.key === asked)?.key ?? 'pending_approval');
  const setStatus = (key: string) => setParams(key === 'pending_approval' ? {} : { status: key || 'all' });
  const resolve = useNames();
  const { can } = useAuth();
  const base = useQuery({
    queryKey: ['actions-base'],
    queryFn: actionsPath,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const q = useQuery({
    queryKey: ['proposals', status, base.data],
    enabled: !!base.data,
    queryFn: () => api.getAll<Row>(base.data ?? '', { status }, HISTORY_CAP),
  });
  return (
    <>
      <PageHeader
        title="Approvals"
        description="Changes proposed by agents, rules and people, checked against your guardrails, and workflow runs waiting for a person"
      />
      <div role="tablist" aria-label="Proposal status" className="mb-4 flex gap-1 border-b border-slate-200">
        {tabs.map((t) => (
          <button
            key={t.key}
            type="button"
            role="tab"
            aria-selected={status === t.key}
            onClick={() => setStatus(t.key)}
            className={cx(
              '-mb-px border-b-2 px-3 py-2 text-sm font-medium',
              status === t.key
                ? 'border-brand-600 text-brand-700'
                : 'border-transparent text-slate-500 hover:text-slate-800',
            )}
          >
            {t.label}
          </button>
        ))}
      </div>
      {status === 'pending_approval' && can('agents:read') && <WorkflowWaits />}
      <Card>
        {q.isPending ? (
          <LoadingState rows={5} />
        ) : q.error ? (
          <ErrorState error={q.error} onRetry={() => q.refetch()} />
        ) : q.data.items.length === 0 ? (
          <EmptyState
            title={
              status === 'pending_approval'
                ? 'No proposed change waits for approval'
                : status === 'unknown'
                  ? 'Nothing to check by hand'
                  : 'No proposals yet'
            }
          >
            {status === 'unknown'
              ? 'A change lands here when its platform call was interrupted and Omnify could not confirm afterwards whether the platform took it.'
              : 'Agents, rules and budget recommendations propose changes here when the guardrails ask for a person.'}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100">
            {q.data.items.map((p) => (
              <ProposalRow key={p.id} p={p} base={base.data ?? ''} resolve={resolve} />
            ))}
          </ul>
        )}
        <PartialList
          page={q.data}
          narrow="The newest are first; the API lists the rest (GET /api/v1/actions with a cursor)."
        />
      </Card>
    </>
  );
}
