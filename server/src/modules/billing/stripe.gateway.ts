/**
 * The Stripe calls billing makes, behind a small port; the SDK and its types stay in this file.
 * The SDK is configured only through its documented options: `host`, `port` and `protocol` when
 * OMNIFY_STRIPE_API_BASE_URL points it elsewhere (tests: a local fake), network retries (which
 * reuse the SDK's idempotency key) and a timeout. Webhooks are verified by the SDK's
 * `constructEvent` (HMAC-SHA256 over `timestamp.raw-body`, any `v1` signature, timestamp tolerance).
 */
import Stripe from 'stripe';
import type { BillingConfig } from '../../config.ts';
import { AppError, invalidInput } from '../../platform/errors.ts';

/** The subscription as Stripe holds it now. */
export interface SubscriptionSnapshot {
  id: string;
  customerId: string;
  status: string;
  priceId: string | null;
  /** Unix seconds. */
  created: number;
  trialEnd: number | null;
  currentPeriodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  metadata: Record<string, string>;
}

/** A verified webhook event: its id, type, time and the object it carries (as sent, untyped). */
export interface StripeEventEnvelope {
  id: string;
  type: string;
  created: number;
  object: Record<string, unknown>;
}

export interface CheckoutInput {
  customerId: string;
  organizationId: string;
  plan: string;
  priceId: string;
  successUrl: string;
  cancelUrl: string;
  /** Unix seconds: carries the rest of the free trial over to the subscription. */
  trialEnd: number | null;
}

export interface StripeGateway {
  createCustomer(
    input: { organizationId: string; name: string; email: string | null },
    idempotencyKey: string,
  ): Promise<string>;
  createCheckoutSession(input: CheckoutInput, idempotencyKey: string): Promise<{ id: string; url: string }>;
  createPortalSession(input: { customerId: string; returnUrl: string }): Promise<{ id: string; url: string }>;
  /** null when Stripe has no such subscription. */
  retrieveSubscription(id: string): Promise<SubscriptionSnapshot | null>;
  /** Verifies the signature and age of a delivery; throws `invalid_input` otherwise. */
  verifyEvent(raw: Buffer, signature: string | undefined, receivedAtMs: number): StripeEventEnvelope;
}

/** A Stripe failure as our error: the call failed upstream; the request id lets Stripe support find it. */
function upstream(e: unknown): never {
  if (e instanceof Stripe.errors.StripeError)
    throw new AppError(
      'upstream_failed',
      `Stripe: ${e.message}`,
      {
        stripe: {
          type: (e.raw as { type?: string } | undefined)?.type ?? e.type,
          code: e.code ?? null,
          requestId: e.requestId ?? null,
          status: e.statusCode ?? null,
        },
      },
      { cause: e },
    );
  throw e;
}

const toSnapshot = (s: Stripe.Subscription): SubscriptionSnapshot => {
  const item = s.items.data[0];
  return {
    id: s.id,
    customerId: typeof s.customer === 'string' ? s.customer : s.customer.id,
    status: s.status,
    priceId: item?.price.id ?? null,
    created: s.created,
    trialEnd: s.trial_end,
    // Since the 2025 API versions the billing period lives on each item.
    currentPeriodEnd: item?.current_period_end ?? null,
    cancelAtPeriodEnd: s.cancel_at_period_end,
    metadata: { ...s.metadata },
  };
};

export function createStripeGateway(cfg: NonNullable<BillingConfig['stripe']>): StripeGateway {
  const stripe = new Stripe(cfg.secretKey, {
    ...(cfg.api ? { host: cfg.api.host, port: cfg.api.port, protocol: cfg.api.protocol } : {}),
    maxNetworkRetries: 2,
    timeout: 15_000,
    appInfo: { name: 'Omnify' },
  });

  return {
    async createCustomer(input, idempotencyKey) {
      const c = await stripe.customers
        .create(
          {
            name: input.name,
            ...(input.email ? { email: input.email } : {}),
            metadata: { org_id: input.organizationId },
          },
          { idempotencyKey },
        )
        .catch(upstream);
      return c.id;
    },

    async createCheckoutSession(input, idempotencyKey) {
      const metadata = { org_id: input.organizationId, plan: input.plan };
      const session = await stripe.checkout.sessions
        .create(
          {
            mode: 'subscription',
            customer: input.customerId,
            client_reference_id: input.organizationId,
            line_items: [{ price: input.priceId, quantity: 1 }],
            success_url: input.successUrl,
            cancel_url: input.cancelUrl,
            metadata,
            subscription_data: { metadata, ...(input.trialEnd ? { trial_end: input.trialEnd } : {}) },
          },
          { idempotencyKey },
        )
        .catch(upstream);
      if (!session.url)
        throw new AppError('upstream_failed', 'Stripe returned a Checkout session without a URL');
      return { id: session.id, url: session.url };
    },

    async createPortalSession(input) {
      const s = await stripe.billingPortal.sessions
        .create({ customer: input.customerId, return_url: input.returnUrl })
        .catch(upstream);
      return { id: s.id, url: s.url };
    },

    async retrieveSubscription(id) {
      try {
        return toSnapshot(await stripe.subscriptions.retrieve(id));
      } catch (e) {
        if (e instanceof Stripe.errors.StripeError && e.code === 'resource_missing') return null;
        return upstream(e);
      }
    },

    verifyEvent(raw, signature, receivedAtMs) {
      if (!cfg.webhookSecret)
        throw invalidInput('Stripe webhooks are not configured on this installation (STRIPE_WEBHOOK_SECRET)');
      if (!signature)
        throw invalidInput('The Stripe-Signature header is missing', { reason: 'missing_signature' });
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(
          raw,
          signature,
          cfg.webhookSecret,
          cfg.webhookToleranceSeconds,
          undefined,
          receivedAtMs,
        );
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        throw invalidInput(`Stripe signature verification failed: ${message}`, {
          reason: /tolerance/i.test(message) ? 'timestamp_outside_tolerance' : 'invalid_signature',
        });
      }
      return {
        id: event.id,
        type: event.type,
        created: event.created,
        object: event.data.object as unknown as Record<string, unknown>,
      };
    },
  };
}
