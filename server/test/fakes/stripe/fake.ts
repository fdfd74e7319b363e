/**
 * A local fake of the Stripe API endpoints Omnify calls — customers, Checkout sessions, billing
 * portal sessions, subscription retrieval — speaking Stripe's form bodies, object shapes, errors,
 * request ids and idempotency keys, so that the real `stripe` package talks to it (pointed here with
 * its documented `host`/`port`/`protocol` options). Tests drive a subscription's life with
 * `completeCheckout`, `renew`, `failPayment`, `recover`, `markUnpaid`, `changePrice` and `cancel`;
 * each returns the events Stripe would send, and `sign` signs one with the real webhook algorithm
 * (`stripe.webhooks.generateTestHeaderString`: HMAC-SHA256 over `t.payload`).
 */
import Stripe from 'stripe';
import { type FakeRequest, type FakeResponse, type FakeServer, startFakeServer } from '../fake-server.ts';
import {
  checkKey,
  createIdempotencyStore,
  decodeForm,
  type Form,
  missingParam,
  noSuch,
  requestId,
  stripeError,
} from './http.ts';
import {
  type CheckoutSession,
  type Customer,
  days,
  type Invoice,
  newEvent,
  newInvoice,
  newSubscription,
  type Price,
  priceObject,
  publicView,
  type StripeEvent,
  type Subscription,
  stripeId,
} from './objects.ts';

export interface StripeFakeOptions {
  secretKey?: string;
  prices: Price[];
  /** The fake's clock (seconds are taken from it); tests share the app's manual clock. */
  now?: () => Date;
}

export interface StripeFake {
  url: string;
  secretKey: string;
  server: FakeServer;
  customers: Map<string, Customer>;
  sessions: Map<string, CheckoutSession>;
  subscriptions: Map<string, Subscription>;
  invoices: Map<string, Invoice>;
  /** How many POSTs were answered from the idempotency store. */
  idempotentReplays(): number;
  completeCheckout(sessionId: string): { subscription: Subscription; events: StripeEvent[] };
  renew(subscriptionId: string): StripeEvent[];
  failPayment(subscriptionId: string): StripeEvent[];
  recover(subscriptionId: string): StripeEvent[];
  markUnpaid(subscriptionId: string): StripeEvent[];
  changePrice(subscriptionId: string, priceId: string): StripeEvent[];
  cancel(subscriptionId: string): StripeEvent[];
  /** The body and `Stripe-Signature` header of a delivery of `event`, signed with `secret`. */
  sign(event: unknown, secret: string, opts?: { timestamp?: number }): { payload: string; signature: string };
  close(): Promise<void>;
}

const str = (f: Form, k: string): string | undefined =>
  typeof f[k] === 'string' ? (f[k] as string) : undefined;
const obj = (f: Form, k: string): Form =>
  f[k] && typeof f[k] === 'object' && !Array.isArray(f[k]) ? (f[k] as Form) : {};
const strings = (f: Form): Record<string, string> =>
  Object.fromEntries(Object.entries(f).filter((e): e is [string, string] => typeof e[1] === 'string'));

export async function startStripeFake(opts: StripeFakeOptions): Promise<StripeFake> {
  const secretKey = opts.secretKey ?? 'sk_test_omnify_fake';
  const now = () => Math.floor((opts.now?.() ?? new Date()).getTime() / 1000);
  const prices = new Map(opts.prices.map((p) => [p.id, p]));
  const customers = new Map<string, Customer>();
  const sessions = new Map<string, CheckoutSession>();
  const subscriptions = new Map<string, Subscription>();
  const invoices = new Map<string, Invoice>();
  const idempotency = createIdempotencyStore();
  const server = await startFakeServer();
  const signer = new Stripe('sk_test_signer_only');

  const ok = (json: unknown): FakeResponse => ({ status: 200, headers: { 'request-id': requestId() }, json });
  /** Authenticated, idempotent POST handlers over the decoded form. */
  const post = (path: string, handle: (form: Form) => FakeResponse) =>
    server.route('POST', path, (req: FakeRequest) => {
      const denied = checkKey(req, secretKey);
      if (denied) return denied;
      return idempotency.run(req, () => handle(decodeForm(req.rawBody.toString('utf8'))));
    });

  post('/v1/customers', (form) => {
    const c: Customer = {
      id: stripeId('cus'),
      object: 'customer',
      email: str(form, 'email') ?? null,
      name: str(form, 'name') ?? null,
      metadata: strings(obj(form, 'metadata')),
      created: now(),
      livemode: false,
    };
    customers.set(c.id, c);
    return ok(c);
  });

  post('/v1/checkout/sessions', (form) => {
    const mode = str(form, 'mode');
    if (!mode) return missingParam('mode');
    const successUrl = str(form, 'success_url');
    if (!successUrl) return missingParam('success_url');
    const customer = str(form, 'customer');
    if (customer && !customers.has(customer)) return noSuch('customer', customer, 'customer');
    const items = Array.isArray(form.line_items) ? (form.line_items as Form[]) : [];
    if (!items.length) return missingParam('line_items');
    for (const [i, item] of items.entries()) {
      const price = str(item, 'price');
      if (!price) return missingParam(`line_items[${i}][price]`);
      if (!prices.has(price)) return noSuch('price', price, `line_items[${i}][price]`);
    }
    const sub = obj(form, 'subscription_data');
    const trialEnd = str(sub, 'trial_end') ? Number(str(sub, 'trial_end')) : null;
    if (trialEnd !== null && trialEnd < now() + days(2))
      return stripeError(400, {
        type: 'invalid_request_error',
        param: 'subscription_data[trial_end]',
        message: 'The `trial_end` date has to be at least 2 days in the future.',
      });
    const id = stripeId('cs_test');
    const s: CheckoutSession = {
      id,
      object: 'checkout.session',
      mode,
      status: 'open',
      payment_status: 'unpaid',
      url: `${server.url}/c/pay/${id}`,
      customer: customer ?? null,
      client_reference_id: str(form, 'client_reference_id') ?? null,
      metadata: strings(obj(form, 'metadata')),
      subscription: null,
      success_url: successUrl,
      cancel_url: str(form, 'cancel_url') ?? null,
      created: now(),
      expires_at: now() + days(1),
      livemode: false,
      _lineItems: items.map((it) => ({
        price: str(it, 'price') as string,
        quantity: Number(str(it, 'quantity') ?? 1),
      })),
      _subscriptionData: { metadata: strings(obj(sub, 'metadata')), trial_end: trialEnd },
    };
    sessions.set(id, s);
    return ok(publicView(structuredClone(s)));
  });

  post('/v1/billing_portal/sessions', (form) => {
    const customer = str(form, 'customer');
    if (!customer) return missingParam('customer');
    if (!customers.has(customer)) return noSuch('customer', customer, 'customer');
    const id = stripeId('bps');
    return ok({
      id,
      object: 'billing_portal.session',
      customer,
      return_url: str(form, 'return_url') ?? null,
      created: now(),
      livemode: false,
      url: `${server.url}/p/session/${id}`,
    });
  });

  server.route('GET', '/v1/subscriptions/:id', (req) => {
    const denied = checkKey(req, secretKey);
    if (denied) return denied;
    const s = subscriptions.get(req.params.id ?? '');
    return s ? ok(structuredClone(s)) : noSuch('subscription', req.params.id ?? '');
  });

  // The subscription lifecycle, as Stripe would drive it; each step returns the events it emits.
  const subOf = (id: string) => {
    const s = subscriptions.get(id);
    if (!s) throw new Error(`fake has no subscription ${id}`);
    return s;
  };
  const item = (s: Subscription) => {
    const it = s.items.data[0];
    if (!it) throw new Error(`subscription ${s.id} has no item`);
    return it;
  };
  const bill = (s: Subscription, reason: string, paid: boolean) => {
    const inv = newInvoice(s, s.status === 'trialing' ? 0 : item(s).price.unit_amount, reason, now());
    inv.attempt_count = 1;
    if (paid) {
      inv.status = 'paid';
      inv.amount_paid = inv.amount_due;
    }
    invoices.set(inv.id, inv);
    s.latest_invoice = inv.id;
    return inv;
  };
  const setStatus = (s: Subscription, status: Subscription['status']) => {
    const previous = { status: s.status };
    s.status = status;
    return newEvent('customer.subscription.updated', s, now(), previous);
  };

  return {
    url: server.url,
    secretKey,
    server,
    customers,
    sessions,
    subscriptions,
    invoices,
    idempotentReplays: idempotency.replays,
    completeCheckout(sessionId) {
      const session = sessions.get(sessionId);
      if (session?.status !== 'open') throw new Error(`no open checkout session ${sessionId}`);
      const price = prices.get(session._lineItems[0]?.price ?? '') as Price;
      const sub = newSubscription(session, price, now());
      subscriptions.set(sub.id, sub);
      const created = newEvent('customer.subscription.created', sub, now());
      const invoice = bill(sub, 'subscription_create', true);
      session.status = 'complete';
      session.payment_status = invoice.amount_due === 0 ? 'no_payment_required' : 'paid';
      session.subscription = sub.id;
      return {
        subscription: structuredClone(sub),
        events: [
          created,
          newEvent('invoice.paid', invoice, now()),
          newEvent('checkout.session.completed', session, now()),
        ],
      };
    },
    renew(id) {
      const s = subOf(id);
      const it = item(s);
      it.current_period_start = it.current_period_end;
      it.current_period_end = it.current_period_start + days(30);
      const wasTrialing = s.status === 'trialing';
      if (wasTrialing) s.status = 'active';
      const invoice = bill(s, 'subscription_cycle', true);
      return [
        newEvent('invoice.paid', invoice, now()),
        newEvent('customer.subscription.updated', s, now(), wasTrialing ? { status: 'trialing' } : {}),
      ];
    },
    failPayment(id) {
      const s = subOf(id);
      const invoice = bill(s, 'subscription_cycle', false);
      return [newEvent('invoice.payment_failed', invoice, now()), setStatus(s, 'past_due')];
    },
    recover(id) {
      const s = subOf(id);
      const open = invoices.get(s.latest_invoice ?? '');
      if (open?.status !== 'open') throw new Error(`subscription ${id} has no open invoice`);
      open.status = 'paid';
      open.amount_paid = open.amount_due;
      open.attempt_count++;
      return [newEvent('invoice.paid', open, now()), setStatus(s, 'active')];
    },
    markUnpaid(id) {
      return [setStatus(subOf(id), 'unpaid')];
    },
    changePrice(id, priceId) {
      const s = subOf(id);
      const price = prices.get(priceId);
      if (!price) throw new Error(`fake has no price ${priceId}`);
      const previous = { items: structuredClone(s.items) };
      item(s).price = priceObject(price);
      return [newEvent('customer.subscription.updated', s, now(), previous)];
    },
    cancel(id) {
      const s = subOf(id);
      s.status = 'canceled';
      s.canceled_at = now();
      s.ended_at = now();
      return [newEvent('customer.subscription.deleted', s, now())];
    },
    sign(event, secret, o = {}) {
      const payload = JSON.stringify(event, null, 2);
      const signature = signer.webhooks.generateTestHeaderString({
        payload,
        secret,
        timestamp: o.timestamp ?? now(),
      });
      return { payload, signature };
    },
    close: () => server.close(),
  };
}
