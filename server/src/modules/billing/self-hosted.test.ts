/** A self-hosted installation without Stripe: billing off, limits from OMNIFY_LIMIT_* or none. */
import { describe, expect, it } from 'vitest';
import { as, createTestApp, signUp, uniqueEmail } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';

describe(`self-hosted without Stripe on ${testDialect()}`, () => {
  it('billing is off and nothing is limited unless configured; Checkout is unavailable', async () => {
    const t = await createTestApp();
    try {
      const owner = await signUp(t.app, 'self-hosted');
      const b = (await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/billing' }))).json();
      expect(b).toMatchObject({ enabled: false, plan: null, status: 'self_hosted', entitled: true });
      expect(Object.values(b.limits).every((v) => v === null)).toBe(true);
      for (let i = 0; i < 12; i++) {
        const res = await t.app.inject(
          as(owner, {
            method: 'POST',
            url: '/api/v1/clients',
            payload: { name: 'C', email: uniqueEmail('c') },
          }),
        );
        expect(res.statusCode).toBe(201);
      }
      const checkout = await t.app.inject(
        as(owner, { method: 'POST', url: '/api/v1/billing/checkout', payload: { plan: 'starter' } }),
      );
      expect(checkout.statusCode).toBe(409);
      expect(checkout.json().error.details.reason).toBe('billing_disabled');
      const plans = (await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/billing/plans' }))).json();
      expect(plans.items.map((p: { id: string; purchasable: boolean }) => [p.id, p.purchasable])).toEqual([
        ['starter', false],
        ['professional', false],
        ['enterprise', false],
      ]);
    } finally {
      await t.close();
    }
  });

  it('limits from OMNIFY_LIMIT_*: the second client is created, the third refused, with no upgrade path', async () => {
    const t = await createTestApp({ env: { OMNIFY_LIMIT_CLIENTS: '2' } });
    try {
      const owner = await signUp(t.app, 'self-hosted-limited');
      const add = () =>
        t.app.inject(
          as(owner, {
            method: 'POST',
            url: '/api/v1/clients',
            payload: { name: 'C', email: uniqueEmail('c') },
          }),
        );
      expect([(await add()).statusCode, (await add()).statusCode]).toEqual([201, 201]);
      const refused = await add();
      expect(refused.statusCode).toBe(402);
      expect(refused.json().error).toMatchObject({
        code: 'plan_limit',
        details: { limit: 'clients', used: 2, allowed: 2, plan: null, status: 'self_hosted', upgrade: null },
      });
      expect(refused.json().error.message).toContain('OMNIFY_LIMIT_');
    } finally {
      await t.close();
    }
  });
});
