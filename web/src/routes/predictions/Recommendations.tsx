/**
 * Budget recommendations from ORACLE's allocation over fitted response curves. Approve asks first, in
 * a dialog restating the campaign and its budget from → to; confirmed, it proposes the new daily
 * budget through the actions API (guardrails decide whether it applies at once) and, when it waits
 * for approval and the user may approve, approves it in the same gesture. Dismissing
 * one writes nothing: a proposal made only to be rejected could be applied at once by guardrails
 * that allow the change, so the recommendation is just set aside on this page.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  EmptyState,
  LoadingState,
  Notice,
  StatusBadge,
} from '../../components/ui.tsx';
import { actionsPath, api } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { date, money, ratio } from '../../lib/format.ts';
import type { Allocation, AllocationResult, Campaign, Proposal } from '../../lib/types.ts';
import { PredictionError } from './NoData.tsx';

type Decision = { status: string; proposalId: string; message?: string };

const signed = (v: number) => `${v > 0 ? '+' : ''}${v.toFixed(1)}`;

/** Dismissed recommendations stay set aside in this browser for a week (nothing is recorded). */
const DISMISS_KEY = 'omnify.dismissed-recommendations';
const DISMISS_DAYS = 7;
type Dismissed = Record<string, string>;
function readDismissed(): Dismissed {
  try {
    const all = JSON.parse(localStorage.getItem(DISMISS_KEY) ?? '{}') as Dismissed;
    const now = new Date().toISOString();
    return Object.fromEntries(Object.entries(all).filter(([, until]) => until > now));
  } catch {
    return {};
  }
}
function dismiss(entityId: string) {
  const until = new Date(Date.now() + DISMISS_DAYS * 86_400_000).toISOString();
  localStorage.setItem(DISMISS_KEY, JSON.stringify({ ...readDismissed(), [entityId]: until }));
}

/**
 * A figure's cell: right-aligned in the table, a labelled block in a phone's card. Nine columns fit a
 * 1280 px page's card with narrow padding, headers on two lines and pairs ("a → b") that may break at
 * the arrow; narrower than that the table scrolls sideways with the campaign's name kept in view.
 */
const cell = 'px-2.5 py-2.5 text-right max-sm:block max-sm:p-0 max-sm:text-left';
/** A header: wraps onto a second line rather than widening its column. */
const head = 'px-2.5 py-2.5 align-bottom font-medium leading-tight';
/** The campaign's column: stays in view while the table scrolls sideways (tablet widths). */
const sticky = 'sm:sticky sm:left-0 sm:z-10';

/** "a → b", breaking after the arrow when the column is narrow (never inside an amount). */
function Pair({ from, to }: { from: React.ReactNode; to: React.ReactNode }) {
  return (
    <>
      <span className="whitespace-nowrap">{from} →</span> <span className="whitespace-nowrap">{to}</span>
    </>
  );
}

/** The column's name above a figure, on a phone only (the table's header row is hidden there). */
function PhoneLabel({ children }: { children: React.ReactNode }) {
  return <span className="block text-xs text-slate-500 sm:hidden">{children}</span>;
}

export function Recommendations({ clientId }: { clientId: string }) {
  const { can } = useAuth();
  const qc = useQueryClient();
  const [decisions, setDecisions] = useState<Record<string, Decision>>(() =>
    Object.fromEntries(
      Object.keys(readDismissed()).map((id) => [id, { status: 'dismissed', proposalId: '' }]),
    ),
  );
  const alloc = useQuery({
    queryKey: ['allocation', clientId],
    enabled: !!clientId,
    queryFn: () =>
      api.post<AllocationResult>('/api/v1/oracle/allocations', {
        clientId,
        level: 'campaign',
        objective: 'revenue',
      }),
    staleTime: 10 * 60_000,
  });
  const campaigns = useQuery({
    queryKey: ['campaigns', { clientId }],
    enabled: !!clientId,
    queryFn: () => api.getAll<Campaign>('/api/v1/campaigns', { clientId }),
  });
  const byId = new Map((campaigns.data?.items ?? []).map((c) => [c.id, c]));

  const decide = useMutation({
    mutationFn: async ({
      a,
      approve,
      comment,
    }: {
      a: Allocation;
      approve: boolean;
      comment?: string | null;
    }) => {
      if (!approve) {
        dismiss(a.entityId);
        return { id: a.entityId, status: 'dismissed', proposalId: '' };
      }
      const base = await actionsPath();
      const { proposal } = await api.post<{ proposal: Proposal }>(base, {
        kind: 'budget_change',
        campaignId: a.entityId,
        // The spend change applied to the budget (the campaign may spend less than its budget): the
        // server moves the budget it reads now by this percent.
        percent: a.budgetChangePct,
        reason: `ORACLE budget recommendation (${alloc.data?.predictionId ?? 'allocation'}): spend ${signed(a.changePct)}% to ${money(a.recommendedDailyMicros, alloc.data?.currency ?? 'USD')}/day, budget ${signed(a.budgetChangePct ?? 0)}%`,
        idempotencyKey: `${alloc.data?.predictionId}:${a.entityId}`,
      });
      let p = proposal;
      if (p.status === 'pending_approval' && can('actions:approve'))
        p = await api.post<Proposal>(`${base}/${p.id}/approve`, {
          comment: comment ?? 'Approved from budget recommendations',
        });
      return { id: a.entityId, status: p.status, proposalId: p.id };
    },
    onSuccess: (d) => {
      setDecisions((s) => ({ ...s, [d.id]: { status: d.status, proposalId: d.proposalId } }));
      qc.invalidateQueries({ queryKey: ['proposals'] });
    },
    onError: (e, v) =>
      setDecisions((s) => ({
        ...s,
        [v.a.entityId]: { status: 'error', proposalId: '', message: e.message },
      })),
  });

  const data = alloc.data;
  const cur = data?.currency ?? 'USD';
  // A campaign held because of a recent change stays listed, saying so (else it would vanish).
  const rows = (data?.allocations ?? []).filter((a) => Math.abs(a.changePct) >= 1 || a.recentChange);
  // The history the curves were fitted on (from its first day with data): up to 26 weeks, fewer for
  // a newer account.
  const days = data ? Math.round((Date.parse(data.to) - Date.parse(data.from)) / 86_400_000) + 1 : 0;
  const span = days >= 14 ? `${Math.round(days / 7)} wk` : `${days} d`;
  const spanWords = data
    ? `the ${days >= 14 ? `${Math.round(days / 7)} weeks` : `${days} ${days === 1 ? 'day' : 'days'}`} since ${date(data.from)}`
    : '';
  return (
    <Card>
      <CardHeader
        title="Budget recommendations"
        description={
          data
            ? data.summary.headline
            : 'Response curves per campaign, each kept within ±30% of its current spend'
        }
      />
      {data && (
        <div className="space-y-1.5 px-5 pb-3 text-xs text-slate-500" data-testid="allocation-explained">
          {data.summary.marginalBelowBreakEven && (
            <Notice tone="amber">
              Below break-even at the margin: marginal ROAS {ratio(data.totals.marginalRoas)}, so each
              campaign's last {money(1_000_000, cur)} of spend brings back less revenue than it costs.
            </Notice>
          )}
          <p>{data.summary.objective}</p>
          <p>
            <span className="font-medium text-slate-600">Reported ROAS</span>: revenue ÷ spend over{' '}
            <span data-testid="allocation-span">{spanWords}</span>, as the platforms report it.{' '}
            <span className="font-medium text-slate-600">Fitted ROAS</span>: what the campaign's response
            curve credits to its spend ÷ spend, over the same period (the rest of its reported revenue is the
            baseline the curve expects without the spend).{' '}
            <span className="font-medium text-slate-600">Marginal ROAS</span>: revenue the next{' '}
            {money(1_000_000, cur)} brings at the current → recommended spend; the split moves money to the
            higher ones.
          </p>
        </div>
      )}
      {alloc.isPending ? (
        <LoadingState rows={5} label="Fitting response curves…" />
      ) : alloc.error ? (
        <PredictionError error={alloc.error} onRetry={() => alloc.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title="No changes recommended">
          The current split is already close to the best one.
        </EmptyState>
      ) : (
        // Below sm each row is a small card (name, figures two by two, then the decision) so
        // Approve and Dismiss are on screen on a phone instead of past the card's right edge.
        <div className="sm:overflow-x-auto">
          <table className="min-w-full text-sm max-sm:block" aria-label="Budget recommendations">
            <thead className="bg-slate-50 text-xs text-slate-500 max-sm:hidden">
              <tr>
                <th scope="col" className={`${head} ${sticky} bg-slate-50 pl-5 text-left`}>
                  Campaign
                </th>
                <th
                  scope="col"
                  className={`${head} text-right`}
                  title="Average daily spend over the last 28 days"
                >
                  Spend / day
                </th>
                <th scope="col" className={`${head} text-right`} title="Recommended daily spend">
                  Recommended
                </th>
                <th scope="col" className={`${head} text-right`}>
                  Change
                </th>
                <th
                  scope="col"
                  className={`${head} text-right`}
                  title="What Approve sets: the daily budget moves by the same percent as the spend"
                >
                  Daily budget
                </th>
                <th
                  scope="col"
                  className={`${head} text-right`}
                  title={`Revenue ÷ spend over ${spanWords}, the history the curves were fitted on, as reported`}
                >
                  Reported ROAS ({span})
                </th>
                <th
                  scope="col"
                  className={`${head} text-right`}
                  title="What the response curve credits to the spend ÷ the spend, over the same weeks: what the split works with"
                >
                  Fitted ROAS
                </th>
                <th
                  scope="col"
                  className={`${head} text-right`}
                  title="Revenue the next unit of spend brings, at the current spend → at the recommended spend"
                >
                  Marginal ROAS
                </th>
                <th scope="col" className={`${head} pr-5 text-right`}>
                  Decision
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 tabular max-sm:block">
              {rows.map((a) => {
                const d = decisions[a.entityId];
                const c = byId.get(a.entityId);
                const sameCurrency = !c || c.currency === cur;
                return (
                  <tr
                    key={a.entityId}
                    data-testid="recommendation"
                    className="max-sm:grid max-sm:grid-cols-2 max-sm:gap-x-4 max-sm:gap-y-2 max-sm:px-4 max-sm:py-3"
                  >
                    <td
                      className={`${sticky} min-w-40 bg-white py-2.5 pr-2.5 pl-5 max-sm:col-span-2 max-sm:p-0`}
                    >
                      <Link
                        to={`/campaigns/${a.entityId}`}
                        className="font-medium text-slate-900 hover:underline"
                      >
                        {a.name}
                      </Link>
                      {/* The note moves to the next line whole when the column is narrow. */}
                      {a.binding && (
                        <span className="ml-2 text-xs whitespace-nowrap text-slate-400">
                          at {a.binding} bound
                        </span>
                      )}
                    </td>
                    <td className={cell}>
                      <PhoneLabel>Spend / day</PhoneLabel>
                      {money(a.currentDailyMicros, cur)}
                    </td>
                    <td className={`${cell} font-medium`}>
                      <PhoneLabel>Recommended spend</PhoneLabel>
                      {money(a.recommendedDailyMicros, cur)}
                    </td>
                    <td className={cell}>
                      <PhoneLabel>Change</PhoneLabel>
                      <Badge tone={a.changePct > 0 ? 'green' : 'amber'}>{signed(a.changePct)}%</Badge>
                    </td>
                    <td className={cell} data-testid="budget-change">
                      <PhoneLabel>Daily budget</PhoneLabel>
                      {a.proposedBudgetMicros !== null && a.currentBudgetMicros !== null ? (
                        <Pair
                          from={money(a.currentBudgetMicros, cur)}
                          to={money(a.proposedBudgetMicros, cur)}
                        />
                      ) : (
                        <span className="text-xs text-slate-400">no campaign budget</span>
                      )}
                    </td>
                    <td className={cell} data-testid="observed-roas">
                      <PhoneLabel>Reported ROAS ({span})</PhoneLabel>
                      {ratio(a.observedRoas)}
                    </td>
                    <td
                      className={cell}
                      data-testid="fitted-roas"
                      title={
                        a.fittedRoas !== null
                          ? `At the current spend: ${ratio(a.fittedRoasAtCurrent)}; at the recommended spend: ${ratio(a.fittedRoasAtRecommended)}`
                          : 'No fitted curve: the campaign keeps its spend'
                      }
                    >
                      <PhoneLabel>Fitted ROAS</PhoneLabel>
                      {ratio(a.fittedRoas)}
                    </td>
                    <td className={cell} data-testid="marginal-roas">
                      <PhoneLabel>Marginal ROAS</PhoneLabel>
                      {a.marginalRoasAtCurrent === null ? (
                        '—'
                      ) : (
                        <Pair
                          from={ratio(a.marginalRoasAtCurrent)}
                          to={
                            <span
                              className={
                                (a.marginalRoasAtRecommended ?? 0) < 1 ? 'text-amber-700' : 'text-emerald-700'
                              }
                            >
                              {ratio(a.marginalRoasAtRecommended)}
                            </span>
                          }
                        />
                      )}
                    </td>
                    <td className={`${cell} pr-5 max-sm:col-span-2`}>
                      {a.recentChange && !d ? (
                        a.recentChange.status === 'pending_approval' ? (
                          <Link
                            to="/approvals"
                            className="text-xs font-medium text-amber-700 hover:underline"
                            title="A budget change of this campaign waits for approval; it is not moved again until it is decided"
                          >
                            change waits for approval
                          </Link>
                        ) : (
                          <span
                            className="text-xs text-slate-500"
                            title="Its spend does not show the new budget yet: it is held for 14 days after a change"
                          >
                            budget changed {date(a.recentChange.at)}
                          </span>
                        )
                      ) : d ? (
                        d.status === 'error' ? (
                          <span className="text-xs text-rose-700">{d.message}</span>
                        ) : d.status === 'dismissed' ? (
                          <Badge tone="gray">dismissed</Badge>
                        ) : (
                          <StatusBadge status={d.status} write />
                        )
                      ) : can('campaigns:write') && sameCurrency && a.budgetChangePct !== null ? (
                        // Side by side, or one above the other when the column is narrow.
                        <span className="inline-flex flex-wrap justify-end gap-1.5 max-sm:justify-start">
                          <ConfirmDialog
                            title="Approve this budget change?"
                            summary={
                              a.currentBudgetMicros !== null && a.proposedBudgetMicros !== null ? (
                                <>
                                  {a.name}: daily budget {money(a.currentBudgetMicros, cur)} →{' '}
                                  {money(a.proposedBudgetMicros, cur)} ({signed(a.budgetChangePct)}%)
                                </>
                              ) : (
                                <>
                                  {a.name}: daily budget {signed(a.budgetChangePct)}%
                                </>
                              )
                            }
                            commentLabel={
                              can('actions:approve')
                                ? 'Comment (optional, kept with your approval)'
                                : undefined
                            }
                            confirmLabel={can('actions:approve') ? 'Approve and apply' : 'Propose'}
                            busy={
                              decide.isPending &&
                              decide.variables?.a.entityId === a.entityId &&
                              decide.variables.approve
                            }
                            onConfirm={(comment) => decide.mutate({ a, approve: true, comment })}
                            trigger={
                              <Button
                                size="sm"
                                variant="primary"
                                loading={
                                  decide.isPending &&
                                  decide.variables?.a.entityId === a.entityId &&
                                  decide.variables.approve
                                }
                                aria-label={`Approve recommendation for ${a.name}`}
                              >
                                Approve…
                              </Button>
                            }
                          >
                            <p>
                              Spend {money(a.currentDailyMicros, cur)} →{' '}
                              {money(a.recommendedDailyMicros, cur)} a day ({signed(a.changePct)}%).
                            </p>
                            <p data-testid="confirm-effect">
                              {can('actions:approve')
                                ? 'Approving changes the campaign’s daily budget on the ad platform now, unless a guardrail blocks it or more approvals are needed.'
                                : 'This proposes the change: guardrails may apply it on the ad platform now, or it waits in Approvals for someone who may approve it.'}
                            </p>
                          </ConfirmDialog>
                          <Button
                            size="sm"
                            variant="ghost"
                            onClick={() => decide.mutate({ a, approve: false })}
                            aria-label={`Dismiss recommendation for ${a.name}`}
                            title={`Set it aside in this browser for ${DISMISS_DAYS} days; nothing is changed or recorded`}
                          >
                            Dismiss
                          </Button>
                        </span>
                      ) : (
                        <span className="text-xs text-slate-400">
                          {!sameCurrency
                            ? `Budget in ${c?.currency}`
                            : a.budgetChangePct === null
                              ? 'Set budgets on its ad groups'
                              : 'View only'}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {Object.values(decisions).some((d) => d.status === 'pending_approval') && (
        <div className="px-5 pb-4">
          <Notice tone="amber">
            Some changes wait for another approver.{' '}
            <Link className="font-medium underline" to="/approvals">
              Open approvals
            </Link>
          </Notice>
        </div>
      )}
    </Card>
  );
}
