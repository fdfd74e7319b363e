/**
 * Billing: the plan and what its status allows, usage against every limit this month, the plans on
 * offer with Stripe Checkout, and the Stripe customer portal. Stripe sends people back here with
 * `?checkout=success|canceled` (the server's default success and cancel URLs). Without a Stripe key
 * (self-hosted) billing is off and the page says which limits apply instead.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  cx,
  ErrorState,
  LoadingState,
  Notice,
  Stat,
} from '../../components/ui.tsx';
import { ApiError, api } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { date, num } from '../../lib/format.ts';
import {
  type BillingUsage,
  daysLeft,
  type LimitName,
  limitLabel,
  limitNames,
  limitSetting,
  limitValue,
  monthName,
  type Plans,
  statusText,
  statusTone,
  type UsageItem,
} from './billing.ts';

/** Sends the browser to the Stripe page the server answered with. */
const go = (url: string) => window.location.assign(url);

export function BillingSettings() {
  const { can } = useAuth();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const returned = params.get('checkout');
  const usage = useQuery({
    queryKey: ['billing', 'usage'],
    queryFn: () => api.get<BillingUsage>('/api/v1/billing/usage'),
    // Back from Checkout, Stripe's webhook may land a moment after the browser: look again for a while.
    refetchInterval: (q) =>
      returned === 'success' && q.state.data && !q.state.data.hasSubscription && q.state.dataUpdateCount < 20
        ? 3000
        : false,
  });
  const plans = useQuery({
    queryKey: ['billing', 'plans'],
    queryFn: () => api.get<Plans>('/api/v1/billing/plans'),
  });
  const checkout = useMutation({
    mutationFn: (plan: string) => api.post<{ url: string }>('/api/v1/billing/checkout', { plan }),
    onSuccess: (r) => go(r.url),
    onError: () => qc.invalidateQueries({ queryKey: ['billing'] }),
  });
  const portal = useMutation({
    /** `path` is the API path a 409 names (`portalUrl`), else the portal endpoint. */
    mutationFn: (path: string | undefined) => api.post<{ url: string }>(path ?? '/api/v1/billing/portal'),
    onSuccess: (r) => go(r.url),
  });
  const manage = can('billing:manage');
  const dismiss = () =>
    setParams(
      (p) => {
        p.delete('checkout');
        return p;
      },
      { replace: true },
    );

  if (usage.isPending) return <LoadingState />;
  if (usage.error) return <ErrorState error={usage.error} onRetry={() => usage.refetch()} />;
  const b = usage.data;
  const alreadySubscribed =
    checkout.error instanceof ApiError &&
    checkout.error.status === 409 &&
    checkout.error.details.reason === 'already_subscribed'
      ? String(checkout.error.details.portalUrl ?? '/api/v1/billing/portal')
      : null;
  // A portal needs a Stripe customer: one that subscribed (now or before), not one only on the free trial.
  const portalOffered =
    b.enabled && manage && (b.hasSubscription || !['trialing', 'trial_expired'].includes(b.status));

  return (
    <>
      {returned === 'success' && (
        <Notice tone="green">
          <span className="flex flex-wrap items-center justify-between gap-2">
            <span>
              Subscription updated. It may take a moment to show here
              {b.hasSubscription ? '.' : ': this page looks again every few seconds.'}
            </span>
            <Button size="sm" variant="ghost" onClick={dismiss}>
              Dismiss
            </Button>
          </span>
        </Notice>
      )}
      {returned === 'canceled' && (
        <Notice tone="amber">
          <span className="flex flex-wrap items-center justify-between gap-2">
            <span>Checkout cancelled: nothing was charged and the plan is unchanged.</span>
            <Button size="sm" variant="ghost" onClick={dismiss}>
              Dismiss
            </Button>
          </span>
        </Notice>
      )}

      {b.enabled ? (
        <Card>
          <CardHeader
            title="Plan"
            description={manage ? undefined : 'Only the organization owner can subscribe or change the plan'}
            actions={
              portalOffered && (
                <Button variant="primary" loading={portal.isPending} onClick={() => portal.mutate(undefined)}>
                  Manage payment and plan
                </Button>
              )
            }
          />
          <div className="space-y-4 px-5 py-4" data-testid="billing-plan">
            <div className="flex flex-wrap items-center gap-2">
              <span className="text-lg font-semibold text-slate-900">{b.plan?.name ?? 'No plan'}</span>
              <Badge tone={statusTone[b.status] ?? 'gray'}>{b.status.replace(/_/g, ' ')}</Badge>
              {b.cancelAtPeriodEnd && <Badge tone="amber">cancels at period end</Badge>}
            </div>
            <p className={cx('text-sm', b.entitled ? 'text-slate-600' : 'font-medium text-rose-700')}>
              {statusText(b)}
            </p>
            <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3">
              {b.status === 'trialing' && (
                <Stat
                  label="Trial ends"
                  value={date(b.trialEndsAt)}
                  sub={`${daysLeft(b.trialEndsAt)} days left`}
                />
              )}
              {b.currentPeriodEnd && (
                <Stat
                  label={b.cancelAtPeriodEnd ? 'Ends on' : 'Current period ends'}
                  value={date(b.currentPeriodEnd)}
                />
              )}
              <Stat label="Subscription" value={b.hasSubscription ? 'Through Stripe' : 'None yet'} />
            </dl>
            {portal.error && <PortalError error={portal.error} />}
          </div>
        </Card>
      ) : (
        <Card>
          <CardHeader title="Billing is off" />
          <div className="space-y-2 px-5 py-4 text-sm text-slate-600" data-testid="billing-off">
            <p>
              This installation runs without Stripe (no <code>STRIPE_SECRET_KEY</code>): there is nothing to
              pay and no plan to choose.
            </p>
            <p>
              {limitNames.every((n) => b.limits[n] === null)
                ? 'No limits are configured, so everything is unlimited.'
                : 'The limits below come from the server configuration; a limit not set there is unlimited.'}
            </p>
            <ul className="grid gap-x-6 gap-y-1 text-xs sm:grid-cols-2">
              {limitNames.map((n) => (
                <li key={n} className="flex justify-between gap-3 border-b border-slate-100 py-1">
                  <code className="truncate text-slate-500" title={limitSetting[n]}>
                    {limitSetting[n]}
                  </code>
                  <span className="font-medium text-slate-800 tabular">{limitValue(b.limits[n])}</span>
                </li>
              ))}
            </ul>
          </div>
        </Card>
      )}

      <Card>
        <CardHeader
          title="Usage"
          description={`Users, clients and ad accounts now; agent runs and API calls (API keys) in ${monthName(b.period)} (UTC)`}
        />
        <ul className="grid gap-x-8 gap-y-4 px-5 py-4 md:grid-cols-2" aria-label="Usage against limits">
          {limitNames.map((n) => (
            <UsageBar key={n} name={n} item={b.usage[n]} entitled={b.entitled} />
          ))}
        </ul>
      </Card>

      {b.enabled && (
        <Card>
          <CardHeader
            title="Plans"
            description={
              b.hasSubscription
                ? 'To change plan, use “Manage payment and plan”: Stripe prorates the change'
                : plans.data
                  ? `Every new organization starts with a ${plans.data.trialDays}-day free trial; subscribing keeps the rest of the trial free`
                  : undefined
            }
          />
          {alreadySubscribed && (
            <div className="px-5 pt-4">
              <Notice tone="amber">
                <span className="flex flex-wrap items-center justify-between gap-2">
                  <span>{checkout.error?.message}</span>
                  <Button
                    size="sm"
                    loading={portal.isPending}
                    onClick={() => portal.mutate(alreadySubscribed)}
                  >
                    Open the billing portal
                  </Button>
                </span>
              </Notice>
            </div>
          )}
          {checkout.error && !alreadySubscribed && (
            <div className="px-5 pt-4">
              <Notice tone="red">{checkout.error.message}</Notice>
            </div>
          )}
          {plans.isPending ? (
            <LoadingState />
          ) : plans.error ? (
            <ErrorState error={plans.error} onRetry={() => plans.refetch()} />
          ) : (
            <ul className="grid gap-4 px-5 py-4 sm:grid-cols-2 lg:grid-cols-3" aria-label="Plans">
              {plans.data.items.map((p) => {
                const current = b.plan?.id === p.id && (b.hasSubscription || b.status === 'trialing');
                return (
                  <li
                    key={p.id}
                    aria-label={p.name}
                    data-testid="plan"
                    className={cx(
                      'flex flex-col rounded-lg border p-4',
                      current ? 'border-brand-500 bg-brand-50/40' : 'border-slate-200',
                    )}
                  >
                    <div className="flex flex-wrap items-center justify-between gap-2">
                      <h3 className="text-sm font-semibold text-slate-900">{p.name}</h3>
                      {current && (
                        <Badge tone="violet">{b.hasSubscription ? 'Current plan' : 'Your trial'}</Badge>
                      )}
                    </div>
                    <dl className="mt-3 flex-1 space-y-1 text-xs">
                      {limitNames.map((n) => (
                        <div key={n} className="flex justify-between gap-3">
                          <dt className="text-slate-500">{limitLabel(n, 'plan')}</dt>
                          <dd className="font-medium text-slate-800 tabular">{limitValue(p.limits[n])}</dd>
                        </div>
                      ))}
                    </dl>
                    {manage && !b.hasSubscription && (
                      <div className="mt-4">
                        {p.purchasable ? (
                          <Button
                            variant={current ? 'primary' : 'secondary'}
                            className="w-full"
                            aria-label={`Subscribe to ${p.name}`}
                            loading={checkout.isPending && checkout.variables === p.id}
                            disabled={checkout.isPending}
                            onClick={() => checkout.mutate(p.id)}
                          >
                            {current ? 'Subscribe' : 'Choose'}
                          </Button>
                        ) : (
                          <p className="text-xs text-slate-500">Not available to buy online</p>
                        )}
                      </div>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </Card>
      )}
    </>
  );
}

function PortalError({ error }: { error: Error }) {
  const noCustomer = error instanceof ApiError && error.details.reason === 'no_customer';
  return (
    <Notice tone={noCustomer ? 'amber' : 'red'}>
      {noCustomer ? 'There is no billing account yet: subscribe to a plan first.' : error.message}
    </Notice>
  );
}

/** used / allowed as a bar; unlimited as such; at or above the allowance highlighted. */
function UsageBar({ name, item, entitled }: { name: LimitName; item: UsageItem; entitled: boolean }) {
  const { used, allowed, overLimit } = item;
  const full = allowed !== null && used >= allowed;
  const share = allowed === null ? 0 : allowed === 0 ? 100 : Math.min(100, (used / allowed) * 100);
  const tone = overLimit
    ? 'bg-rose-500'
    : full
      ? 'bg-amber-500'
      : share >= 80
        ? 'bg-amber-400'
        : 'bg-brand-500';
  return (
    <li data-testid={`usage-${name}`} data-over-limit={overLimit ? 'true' : undefined}>
      <div className="flex items-baseline justify-between gap-3 text-sm">
        <span className="font-medium text-slate-700">{limitLabel(name)}</span>
        <span className={cx('tabular', overLimit ? 'font-semibold text-rose-700' : 'text-slate-600')}>
          {allowed === null ? `${num(used)} · unlimited` : `${num(used)} / ${num(allowed)}`}
        </span>
      </div>
      {allowed !== null && (
        <div
          className="mt-1.5 h-2 w-full overflow-hidden rounded-full bg-slate-100"
          role="progressbar"
          aria-label={`${limitLabel(name)}: ${used} of ${allowed}`}
          aria-valuenow={used}
          aria-valuemin={0}
          aria-valuemax={allowed}
        >
          <div
            className={cx('h-full rounded-full', tone)}
            style={{ width: `${Math.max(share, used ? 2 : 0)}%` }}
          />
        </div>
      )}
      {!entitled ? (
        <p className="mt-1 text-xs text-rose-700">None can be added until the subscription is active</p>
      ) : overLimit ? (
        <p className="mt-1 text-xs text-rose-700">
          Over the plan by {num(used - (allowed ?? 0))}: nothing is removed, but none can be added until usage
          is back under {num(allowed)}
        </p>
      ) : full ? (
        <p className="mt-1 text-xs text-amber-700">At the limit: the next one will be refused</p>
      ) : null}
    </li>
  );
}
