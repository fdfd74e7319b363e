/** The billing API's shapes (server billing.schema.ts, field for field) and their wording for people. */
import type { Tone } from '../../components/ui.tsx';
import { date, num } from '../../lib/format.ts';

// The server's billing.schema.ts, field for field.
export const limitNames = [
  'users',
  'clients',
  'adAccounts',
  'agentRunsPerMonth',
  'apiCallsPerMonth',
] as const;
export type LimitName = (typeof limitNames)[number];
/** null: unlimited. */
export type Limits = Record<LimitName, number | null>;

export interface BillingSummary {
  enabled: boolean;
  plan: { id: string; name: string } | null;
  /** self_hosted, trialing, trial_expired, or the Stripe subscription status. */
  status: string;
  entitled: boolean;
  trialEndsAt: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  hasSubscription: boolean;
  limits: Limits;
}
export interface UsageItem {
  used: number;
  allowed: number | null;
  remaining: number | null;
  overLimit: boolean;
}
export interface BillingUsage extends BillingSummary {
  /** YYYY-MM, the calendar month (UTC) the monthly limits count in. */
  period: string;
  usage: Record<LimitName, UsageItem>;
}
export interface Plans {
  enabled: boolean;
  defaultPlan: string;
  trialDays: number;
  items: Array<{ id: string; name: string; limits: Limits; purchasable: boolean }>;
}

const limitNoun: Record<LimitName, string> = {
  users: 'Users',
  clients: 'Clients',
  adAccounts: 'Ad accounts',
  agentRunsPerMonth: 'Agent runs',
  apiCallsPerMonth: 'API calls',
};
/**
 * A limit's label: in the usage meters ("Agent runs this month", "Connected ad accounts") or in a
 * plan's list of limits ("Agent runs / month", "Ad accounts").
 */
export function limitLabel(name: LimitName, where: 'usage' | 'plan' = 'usage'): string {
  const noun = limitNoun[name];
  if (name === 'agentRunsPerMonth' || name === 'apiCallsPerMonth')
    return `${noun}${where === 'usage' ? ' this month' : ' / month'}`;
  if (name === 'adAccounts' && where === 'usage') return 'Connected ad accounts';
  return noun;
}
export const limitSetting: Record<LimitName, string> = {
  users: 'OMNIFY_LIMIT_USERS',
  clients: 'OMNIFY_LIMIT_CLIENTS',
  adAccounts: 'OMNIFY_LIMIT_AD_ACCOUNTS',
  agentRunsPerMonth: 'OMNIFY_LIMIT_AGENT_RUNS_PER_MONTH',
  apiCallsPerMonth: 'OMNIFY_LIMIT_API_CALLS_PER_MONTH',
};

export const statusTone: Record<string, Tone> = {
  trialing: 'blue',
  active: 'green',
  past_due: 'amber',
  incomplete: 'amber',
  trial_expired: 'red',
  unpaid: 'red',
  canceled: 'gray',
  incomplete_expired: 'gray',
  paused: 'gray',
};

const NOTHING_NEW =
  'Nothing is deleted or switched off, but nothing new can be added (users, clients, ad accounts, agent runs, API calls)';

export function daysLeft(iso: string | null): number | null {
  if (!iso) return null;
  return Math.max(0, Math.ceil((Date.parse(iso) - Date.now()) / 86_400_000));
}

/** What the status allows, in plain words. */
export function statusText(b: BillingSummary): string {
  const plan = b.plan?.name ?? 'the plan';
  const left = daysLeft(b.trialEndsAt);
  switch (b.status) {
    case 'trialing':
      return b.hasSubscription
        ? `Subscribed to ${plan}, in the free trial until ${date(b.trialEndsAt)}: the first payment is then. The ${plan} limits apply.`
        : `Free trial of ${plan}: ${left} day${left === 1 ? '' : 's'} left (until ${date(b.trialEndsAt)}). The ${plan} limits apply; subscribe before it ends to keep adding.`;
    case 'trial_expired':
      return `The free trial ended on ${date(b.trialEndsAt)}. ${NOTHING_NEW} until you subscribe.`;
    case 'active':
      return b.cancelAtPeriodEnd
        ? `Active until ${date(b.currentPeriodEnd)}, then the subscription ends (cancelled in the portal). The ${plan} limits apply until then.`
        : `Subscription active. The ${plan} limits apply.`;
    case 'past_due':
      return `The last payment failed and Stripe is retrying it. The ${plan} limits still apply: update the payment method so nothing is interrupted.`;
    case 'unpaid':
      return `Payments failed and Stripe stopped retrying. ${NOTHING_NEW} until the subscription is paid.`;
    case 'canceled':
      return `The subscription has ended. ${NOTHING_NEW} until you subscribe again.`;
    case 'incomplete':
      return `The first payment has not gone through yet. ${NOTHING_NEW} until it does.`;
    case 'incomplete_expired':
      return `The first payment never went through and the subscription expired. ${NOTHING_NEW} until you subscribe again.`;
    case 'paused':
      return `The subscription is paused. ${NOTHING_NEW} until it resumes.`;
    default:
      return b.entitled
        ? `The ${plan} limits apply.`
        : `${NOTHING_NEW} until the subscription is active again.`;
  }
}

/** "2026-11" → "November 2026". */
export function monthName(period: string): string {
  const d = new Date(`${period}-01T00:00:00Z`);
  return Number.isNaN(d.getTime())
    ? period
    : d.toLocaleDateString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

export const limitValue = (v: number | null) => (v === null ? 'Unlimited' : num(v));
