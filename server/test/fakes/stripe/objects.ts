/**
 * Stripe objects as the API returns them for the version stripe-node pins (2026-10-28.endive):
 * billing periods on subscription items, and an invoice's subscription under
 * `parent.subscription_details` (not top-level). Events carry a snapshot of the object as it was
 * when the event happened, so an event delivered late describes an older state.
 */
import { randomBytes } from 'node:crypto';

export const API_VERSION = '2026-10-28.endive';
const DAY = 86_400;

export const stripeId = (prefix: string) =>
  `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;

export interface Price {
  id: string;
  unitAmount: number;
  currency: string;
}

export interface Customer {
  id: string;
  object: 'customer';
  email: string | null;
  name: string | null;
  metadata: Record<string, string>;
  created: number;
  livemode: false;
}

export interface CheckoutSession {
  id: string;
  object: 'checkout.session';
  mode: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid' | 'no_payment_required';
  url: string | null;
  customer: string | null;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  subscription: string | null;
  success_url: string;
  cancel_url: string | null;
  created: number;
  expires_at: number;
  livemode: false;
  /** Not part of Stripe's object: what the session will subscribe to. */
  _lineItems: Array<{ price: string; quantity: number }>;
  _subscriptionData: { metadata: Record<string, string>; trial_end: number | null };
}

export interface Subscription {
  id: string;
  object: 'subscription';
  customer: string;
  status:
    | 'trialing'
    | 'active'
    | 'past_due'
    | 'canceled'
    | 'unpaid'
    | 'incomplete'
    | 'incomplete_expired'
    | 'paused';
  created: number;
  start_date: number;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  ended_at: number | null;
  trial_start: number | null;
  trial_end: number | null;
  metadata: Record<string, string>;
  latest_invoice: string | null;
  livemode: false;
  items: {
    object: 'list';
    data: Array<{
      id: string;
      object: 'subscription_item';
      subscription: string;
      quantity: number;
      current_period_start: number;
      current_period_end: number;
      price: {
        id: string;
        object: 'price';
        currency: string;
        unit_amount: number;
        recurring: { interval: 'month' };
      };
    }>;
    has_more: false;
    url: string;
  };
}

export interface Invoice {
  id: string;
  object: 'invoice';
  customer: string;
  status: 'open' | 'paid';
  billing_reason: string;
  amount_due: number;
  amount_paid: number;
  currency: string;
  attempt_count: number;
  created: number;
  period_start: number;
  period_end: number;
  livemode: false;
  parent: {
    type: 'subscription_details';
    subscription_details: { subscription: string; metadata: Record<string, string> };
  };
}

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
}

export function newSubscription(session: CheckoutSession, price: Price, now: number): Subscription {
  const id = stripeId('sub');
  const trialEnd = session._subscriptionData.trial_end;
  return {
    id,
    object: 'subscription',
    customer: session.customer as string,
    status: trialEnd ? 'trialing' : 'active',
    created: now,
    start_date: now,
    cancel_at_period_end: false,
    canceled_at: null,
    ended_at: null,
    trial_start: trialEnd ? now : null,
    trial_end: trialEnd,
    metadata: { ...session._subscriptionData.metadata },
    latest_invoice: null,
    livemode: false,
    items: {
      object: 'list',
      data: [
        {
          id: stripeId('si'),
          object: 'subscription_item',
          subscription: id,
          quantity: 1,
          current_period_start: now,
          current_period_end: trialEnd ?? now + 30 * DAY,
          price: priceObject(price),
        },
      ],
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
  };
}

export const priceObject = (p: Price) => ({
  id: p.id,
  object: 'price' as const,
  currency: p.currency,
  unit_amount: p.unitAmount,
  recurring: { interval: 'month' as const },
});

export function newInvoice(sub: Subscription, amount: number, reason: string, now: number): Invoice {
  const item = sub.items.data[0];
  return {
    id: stripeId('in'),
    object: 'invoice',
    customer: sub.customer,
    status: 'open',
    billing_reason: reason,
    amount_due: amount,
    amount_paid: 0,
    currency: item?.price.currency ?? 'usd',
    attempt_count: 0,
    created: now,
    period_start: item?.current_period_start ?? now,
    period_end: item?.current_period_end ?? now,
    livemode: false,
    parent: {
      type: 'subscription_details',
      subscription_details: { subscription: sub.id, metadata: { ...sub.metadata } },
    },
  };
}

/** An event with a deep copy of the object as it is now. */
export function newEvent(
  type: string,
  object: unknown,
  now: number,
  previous?: Record<string, unknown>,
): StripeEvent {
  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: API_VERSION,
    created: now,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: {
      object: publicView(structuredClone(object)),
      ...(previous ? { previous_attributes: previous } : {}),
    },
  };
}

/** Drops the fake's private `_fields` from an object before it leaves the fake. */
export function publicView<T>(o: T): T {
  if (o && typeof o === 'object')
    for (const k of Object.keys(o)) if (k.startsWith('_')) delete (o as Record<string, unknown>)[k];
  return o;
}

export const days = (n: number) => n * DAY;
