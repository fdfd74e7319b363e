/**
 * Stripe webhooks: verify, find the organization, re-read the subscription, apply it once.
 *
 * Each event id is stored in `billing_events` in the same transaction as the change it causes and
 * its audit entry: a replayed delivery finds its id and changes nothing (200, `duplicate: true`),
 * and a delivery that failed half-way left nothing behind, so Stripe's retry applies it whole.
 * Processing is synchronous (one subscription read, one short transaction): a 2xx means applied.
 */
import type { BillingConfig } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import { invalidInput } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Storage } from '../../storage/db.ts';
import type { Audit } from '../audit/audit.service.ts';
import { accountOf, saveAccount } from './billing.repo.ts';
import type { StripeEventEnvelope, StripeGateway, SubscriptionSnapshot } from './stripe.gateway.ts';
import { decide, summaryOf } from './subscription.state.ts';

/** Event types that touch a subscription, and the audit action each is recorded as. */
const handled: Record<string, string> = {
  'checkout.session.completed': 'billing.checkout_completed',
  'customer.subscription.created': 'billing.subscription_created',
  'customer.subscription.updated': 'billing.subscription_updated',
  'customer.subscription.deleted': 'billing.subscription_deleted',
  'customer.subscription.paused': 'billing.subscription_updated',
  'customer.subscription.resumed': 'billing.subscription_updated',
  'invoice.paid': 'billing.invoice_paid',
  'invoice.payment_succeeded': 'billing.invoice_paid',
  'invoice.payment_failed': 'billing.payment_failed',
};

export interface WebhookResult {
  received: true;
  duplicate: boolean;
  /** applied | unchanged | stale | other_subscription | subscription_missing | unknown_customer | ignored_type */
  outcome: string;
}

const idOf = (v: unknown): string | undefined =>
  typeof v === 'string'
    ? v
    : v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string'
      ? (v as { id: string }).id
      : undefined;
const field = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (node, k) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined),
    o,
  );

/** Which subscription and customer an event is about, and the organization it names (our metadata). */
export function referencesOf(e: StripeEventEnvelope) {
  const o = e.object;
  if (e.type === 'checkout.session.completed')
    return {
      subscriptionId: o.mode === 'subscription' ? idOf(o.subscription) : undefined,
      customerId: idOf(o.customer),
      organizationHint:
        (o.client_reference_id as string | undefined) ??
        (field(o, 'metadata', 'org_id') as string | undefined),
    };
  if (e.type.startsWith('customer.subscription.'))
    return {
      subscriptionId: idOf(o.id),
      customerId: idOf(o.customer),
      organizationHint: field(o, 'metadata', 'org_id') as string | undefined,
    };
  // invoice.*: the subscription moved under `parent.subscription_details` in the 2025 API versions.
  return {
    subscriptionId: idOf(field(o, 'parent', 'subscription_details', 'subscription')) ?? idOf(o.subscription),
    customerId: idOf(o.customer),
    organizationHint: field(o, 'parent', 'subscription_details', 'metadata', 'org_id') as string | undefined,
  };
}

interface Deps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  billing: BillingConfig;
  gateway: StripeGateway | null;
  /** Told when an organization's billing changed (caches of its plan). */
  onChange?: (organizationId: string) => void;
  logger?: Logger;
}

export function createBillingWebhooks({ storage, audit, clock, billing, gateway, onChange, logger }: Deps) {
  const seen = async (id: string) =>
    Boolean(
      await storage.db.selectFrom('billing_events').select('id').where('id', '=', id).executeTakeFirst(),
    );

  async function record(e: StripeEventEnvelope, organizationId: string | null, outcome: string) {
    await storage.db
      .insertInto('billing_events')
      .values({
        id: e.id,
        organization_id: organizationId,
        type: e.type,
        stripe_created: e.created,
        outcome,
        received_at: clock.now().toISOString(),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /** The organization an event belongs to: by our customer id, else by the org id we put in its metadata. */
  async function organizationOf(refs: ReturnType<typeof referencesOf>): Promise<string | undefined> {
    if (refs.customerId) {
      const byCustomer = await storage.db
        .selectFrom('billing_accounts')
        .select('organization_id')
        .where('stripe_customer_id', '=', refs.customerId)
        .executeTakeFirst();
      if (byCustomer) return byCustomer.organization_id;
    }
    if (!refs.organizationHint) return undefined;
    const org = await storage.db
      .selectFrom('organizations')
      .leftJoin('billing_accounts', 'billing_accounts.organization_id', 'organizations.id')
      .select(['organizations.id', 'billing_accounts.stripe_customer_id'])
      .where('organizations.id', '=', refs.organizationHint)
      .executeTakeFirst();
    // The metadata names an organization that already pays through another customer: not its event.
    if (!org || (org.stripe_customer_id && org.stripe_customer_id !== refs.customerId)) return undefined;
    return org.id;
  }

  async function receive(raw: Buffer, signature: string | undefined): Promise<WebhookResult> {
    if (!gateway)
      throw invalidInput('Stripe webhooks are not configured on this installation (STRIPE_SECRET_KEY)', {
        reason: 'billing_disabled',
      });
    const event = gateway.verifyEvent(raw, signature, clock.now().getTime());
    if (await seen(event.id)) return { received: true, duplicate: true, outcome: 'duplicate' };
    if (!handled[event.type]) {
      await record(event, null, 'ignored_type');
      return { received: true, duplicate: false, outcome: 'ignored_type' };
    }
    const refs = referencesOf(event);
    const organizationId = await organizationOf(refs);
    if (!organizationId) {
      logger?.warn(
        { eventId: event.id, type: event.type, customer: refs.customerId },
        'Stripe event for no known organization',
      );
      await record(event, null, 'unknown_customer');
      return { received: true, duplicate: false, outcome: 'unknown_customer' };
    }
    const readAt = clock.now().toISOString();
    const snap: SubscriptionSnapshot | null = refs.subscriptionId
      ? await gateway.retrieveSubscription(refs.subscriptionId)
      : null;

    const result = await storage.withTenant(organizationId, async (trx) => {
      const now = clock.now().toISOString();
      const inserted = await trx
        .insertInto('billing_events')
        .values({
          id: event.id,
          organization_id: organizationId,
          type: event.type,
          stripe_created: event.created,
          outcome: 'processing',
          received_at: now,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      // Another delivery of the same event got here first.
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0)
        return { duplicate: true, outcome: 'duplicate' };
      const before = await accountOf(trx, organizationId);
      let after = before;
      let outcome: string;
      if (!refs.subscriptionId) outcome = 'unchanged';
      else if (!snap) outcome = 'subscription_missing';
      else if (before?.stripe_customer_id && snap.customerId !== before.stripe_customer_id)
        outcome = 'unknown_customer';
      else {
        const org = await trx
          .selectFrom('organizations')
          .select('created_at')
          .where('id', '=', organizationId)
          .executeTakeFirstOrThrow();
        const d = decide(
          billing,
          { organizationId, organizationCreatedAt: org.created_at, now },
          before,
          snap,
          readAt,
        );
        if (d.apply) {
          await saveAccount(trx, d.next);
          after = d.next;
          outcome = 'applied';
        } else outcome = d.reason;
      }
      await trx.updateTable('billing_events').set({ outcome }).where('id', '=', event.id).execute();
      await audit.record(trx, {
        organizationId,
        actor: { type: 'system', id: 'stripe' },
        action: handled[event.type] as string,
        target: { type: 'billing_account', id: organizationId },
        metadata: {
          eventId: event.id,
          eventType: event.type,
          outcome,
          before: summaryOf(before),
          after: summaryOf(after),
        },
      });
      return { duplicate: false, outcome };
    });
    if (result.outcome === 'applied') onChange?.(organizationId);
    return { received: true, ...result };
  }

  return { receive };
}

export type BillingWebhooks = ReturnType<typeof createBillingWebhooks>;
