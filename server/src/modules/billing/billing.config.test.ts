/** The billing section of the configuration: defaults, overrides, and every problem listed. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.ts';

const base = {
  OMNIFY_DATA_DIR: '/tmp/omnify-billing-config-test',
  OMNIFY_ENCRYPTION_KEY: Buffer.alloc(32, 2).toString('base64'),
  OMNIFY_JWT_SECRET: 'y'.repeat(40),
};
const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig({ ...base, ...env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('billing configuration', () => {
  it('without a Stripe key billing is off, the three default plans exist and nothing is limited', () => {
    const b = loadConfig(base).billing;
    expect(b).toMatchObject({ enabled: false, stripe: null, defaultPlan: 'starter', trialDays: 14 });
    expect(b.plans.map((p) => p.id)).toEqual(['starter', 'professional', 'enterprise']);
    expect(b.plans[0]?.limits).toEqual({
      users: 3,
      clients: 10,
      adAccounts: 10,
      agentRunsPerMonth: 1000,
      apiCallsPerMonth: 10000,
    });
    expect(Object.values(b.selfHostedLimits).every((v) => v === null)).toBe(true);
    expect(b.urls.success).toBe('http://localhost:3000/settings/billing?checkout=success');
  });

  it('with a key: prices per plan, the fake’s address as host/port/protocol, limits per OMNIFY_LIMIT_*', () => {
    const b = loadConfig({
      ...base,
      STRIPE_SECRET_KEY: ' sk_test_abc \n',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      OMNIFY_STRIPE_API_BASE_URL: 'http://127.0.0.1:12111',
      OMNIFY_STRIPE_PRICE_PROFESSIONAL: 'price_pro',
      OMNIFY_LIMIT_CLIENTS: '25',
      OMNIFY_BILLING_TRIAL_DAYS: '30',
    }).billing;
    expect(b.enabled).toBe(true);
    expect(b.stripe).toEqual({
      secretKey: 'sk_test_abc',
      webhookSecret: 'whsec_abc',
      webhookToleranceSeconds: 300,
      api: { host: '127.0.0.1', port: 12111, protocol: 'http' },
    });
    expect(b.plans.find((p) => p.id === 'professional')?.priceId).toBe('price_pro');
    expect(b.plans.find((p) => p.id === 'starter')?.priceId).toBeNull();
    expect(b.selfHostedLimits.clients).toBe(25);
    expect(b.trialDays).toBe(30);
  });

  it('OMNIFY_PLANS_JSON replaces the plans', () => {
    const b = loadConfig({
      ...base,
      OMNIFY_BILLING_DEFAULT_PLAN: 'solo',
      OMNIFY_PLANS_JSON: JSON.stringify({
        solo: {
          name: 'Solo',
          priceId: 'price_solo',
          limits: { users: 1, clients: 2, adAccounts: 3, agentRunsPerMonth: 4, apiCallsPerMonth: null },
        },
      }),
    }).billing;
    expect(b.plans).toEqual([
      {
        id: 'solo',
        name: 'Solo',
        priceId: 'price_solo',
        limits: { users: 1, clients: 2, adAccounts: 3, agentRunsPerMonth: 4, apiCallsPerMonth: null },
      },
    ]);
  });

  it('lists every billing problem at once', () => {
    const problems = problemsOf({
      STRIPE_SECRET_KEY: 'sk_test_abc',
      OMNIFY_PLANS_JSON: JSON.stringify({ starter: { name: 'S', limits: { users: -1 } } }),
      OMNIFY_LIMIT_USERS: 'many',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^STRIPE_WEBHOOK_SECRET: required/),
        expect.stringMatching(/^OMNIFY_PLANS_JSON\.starter\.limits\.users/),
        expect.stringMatching(/^OMNIFY_LIMIT_USERS: must be a whole number/),
      ]),
    );
    expect(problemsOf({ OMNIFY_BILLING_DEFAULT_PLAN: 'gold' })).toEqual([
      expect.stringMatching(/gold is not one of the plans/),
    ]);
    expect(problemsOf({ STRIPE_WEBHOOK_SECRET: 'not-a-secret' })).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET/),
    ]);
  });
});
