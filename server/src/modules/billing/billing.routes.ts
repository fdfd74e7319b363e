/** Billing under /api/v1/billing: plan and usage, Checkout, the customer portal and Stripe's webhook. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BillingConfig } from '../../config.ts';
import { AppError } from '../../platform/errors.ts';
import { ctxOf } from '../auth/auth.plugin.ts';
import { billingSummarySchema, plansSchema, usageSchema, webhookResultSchema } from './billing.schema.ts';
import type { BillingService } from './billing.service.ts';
import type { BillingWebhooks } from './webhooks.service.ts';

interface Deps {
  billing: { service: BillingService; webhooks: BillingWebhooks };
  config: { billing: BillingConfig };
}

export function billingRoutes(app: FastifyInstance, { billing: { service, webhooks }, config }: Deps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const planIds = config.billing.plans.map((p) => p.id) as [string, ...string[]];

  r.get(
    '/api/v1/billing',
    {
      config: { permission: 'billing:read' },
      schema: {
        tags: ['billing'],
        summary: 'The plan, subscription status, trial and period end, and the effective limits',
        response: { 200: billingSummarySchema },
      },
    },
    async (req) => service.summary(ctxOf(req)),
  );

  r.get(
    '/api/v1/billing/usage',
    {
      config: { permission: 'billing:read' },
      schema: {
        tags: ['billing'],
        summary:
          'Usage against every limit: users, clients, connected ad accounts, agent runs and API calls this month',
        response: { 200: usageSchema },
      },
    },
    async (req) => service.usage(ctxOf(req)),
  );

  r.get(
    '/api/v1/billing/plans',
    {
      config: { permission: 'billing:read' },
      schema: {
        tags: ['billing'],
        summary: 'The plans on offer with their limits (null: unlimited) and the trial length',
        response: { 200: plansSchema },
      },
    },
    async () => service.plans(),
  );

  r.post(
    '/api/v1/billing/checkout',
    {
      config: { permission: 'billing:manage' },
      schema: {
        tags: ['billing'],
        summary: 'Start a Stripe Checkout session for a plan; returns the URL to send the user to',
        body: z.strictObject({ plan: z.enum(planIds) }),
        response: { 200: z.object({ url: z.string(), sessionId: z.string() }) },
      },
    },
    async (req) => service.checkout(ctxOf(req), req.body),
  );

  r.post(
    '/api/v1/billing/portal',
    {
      config: { permission: 'billing:manage' },
      schema: {
        tags: ['billing'],
        summary:
          'Open the Stripe customer portal (payment method, invoices, plan changes, cancellation); returns its URL',
        response: { 200: z.object({ url: z.string() }) },
      },
    },
    async (req) => service.portal(ctxOf(req)),
  );

  app.register(async (scope) => {
    // The signature covers the exact bytes Stripe sent: keep them, let the SDK parse.
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/api/v1/billing/webhook',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['billing'],
          summary:
            "Stripe's webhook endpoint (Stripe-Signature verified over the raw body, timestamp within 5 minutes by default); each event is applied once",
          description:
            'Handles checkout.session.completed, customer.subscription.created/updated/deleted, invoice.paid and invoice.payment_failed by re-reading the subscription from Stripe. 400 for a missing, forged or stale signature; 200 for duplicates and for events of other types.',
          // Called by a third party at a URL someone pasted: parameters it adds are ignored, not refused
          // (every other route refuses unknown query keys: installStrictQuerystrings).
          querystring: z.looseObject({}),
          response: { 200: webhookResultSchema },
        },
      },
      async (req) => {
        const raw = req.body as unknown;
        if (!Buffer.isBuffer(raw))
          throw new AppError('unsupported_media_type', 'Send the webhook as application/json');
        const sig = req.headers['stripe-signature'];
        return webhooks.receive(raw, typeof sig === 'string' ? sig : undefined);
      },
    );
  });
}
