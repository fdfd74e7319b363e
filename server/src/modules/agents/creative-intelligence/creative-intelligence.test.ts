import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../../test/helpers/app.ts';
import { connectSimulator } from '../../../../test/helpers/simulator.ts';
import { testDialect } from '../../../storage/testing.ts';
import { systemCtx } from '../../auth/context.ts';
import { runDirect } from '../agent-kit/testing.ts';
import { scoreAida } from './aida.ts';
import { checkBrand, checkLengths, checkPolicy } from './checks.ts';
import { creativeIntelligence, creativeOutput } from './index.ts';
import { suggestVariations } from './templates.ts';

type Output = ReturnType<typeof creativeOutput.parse>;

describe('creative copy checks (pure)', () => {
  it('scores each AIDA stage from visible signals and says why', () => {
    const weak = scoreAida({ headline: 'Our company', body: 'We exist.', callToAction: null });
    const strong = scoreAida({
      headline: 'Save 30% on Solar Today',
      body: 'Join 8,000 households already saving with us. Get your quote today.',
      callToAction: 'GET_QUOTE',
    });
    expect(strong.overall).toBeGreaterThan(weak.overall);
    expect(weak.action.score).toBe(20);
    expect(strong.action.reasons.map((r) => r.signal)).toEqual(
      expect.arrayContaining(['cta_verb', 'cta_button', 'urgency']),
    );
    expect(strong.desire.reasons.map((r) => r.signal)).toContain('social_proof');
    for (const s of ['attention', 'interest', 'desire', 'action'] as const)
      expect(strong[s].score).toBe(Math.min(100, 20 + strong[s].reasons.reduce((t, r) => t + r.points, 0)));
  });

  it('checks Google RSA hard limits and Meta recommendations', () => {
    const copy = {
      headline: 'Dental Implants With Same Week Results',
      body: 'x'.repeat(91),
      callToAction: null,
    };
    const google = checkLengths(copy, 'google_ads');
    expect(google.find((l) => l.field === 'headline')).toMatchObject({
      limit: 30,
      length: 38,
      ok: false,
      kind: 'max',
    });
    expect(google.find((l) => l.field === 'body')).toMatchObject({ limit: 90, ok: false });
    expect(checkLengths(copy, 'meta').every((l) => l.ok)).toBe(true);
  });

  it('flags prohibited claims, personal attributes, capitals and punctuation', () => {
    const found = checkPolicy(
      {
        headline: 'GUARANTEED Weight Loss!!',
        body: 'Are you overweight? Results guaranteed.',
        callToAction: null,
      },
      'google_ads',
    );
    expect(new Set(found.map((f) => f.rule))).toEqual(
      new Set([
        'prohibited_claim',
        'personal_attributes',
        'all_caps',
        'excessive_punctuation',
        'headline_exclamation',
      ]),
    );
    expect(
      checkPolicy(
        { headline: 'Dashboards Your CFO Will Trust', body: 'Book a demo.', callToAction: null },
        'linkedin',
      ),
    ).toEqual([]);
  });

  it('checks brand guidelines and rewrites copy so the checks pass', () => {
    const copy = {
      headline: 'CHEAP Implants, Guaranteed!!',
      body: "You're going to love our cheap prices!",
      callToAction: 'BOOK_NOW',
    };
    const guidelines = {
      bannedWords: ['cheap'],
      requiredPhrases: ['Most insurance accepted'],
      tone: 'formal' as const,
    };
    const brand = checkBrand(copy, guidelines);
    expect(brand.compliant).toBe(false);
    expect(brand.issues.map((i) => i.rule)).toEqual(
      expect.arrayContaining(['banned_word', 'missing_required_phrase', 'tone']),
    );
    const policy = checkPolicy(copy, 'google_ads');
    const [fixed] = suggestVariations({
      copy,
      platform: 'google_ads',
      policy,
      brand: brand.issues,
      guidelines,
      weakStages: ['action'],
    });
    expect(fixed).toBeDefined();
    const v = {
      headline: fixed?.headline ?? null,
      body: fixed?.body ?? null,
      callToAction: copy.callToAction,
    };
    expect(checkPolicy(v, 'google_ads').filter((p) => p.severity === 'violation')).toEqual([]);
    expect(checkBrand(v, guidelines)).toEqual({ compliant: true, issues: [] });
    expect(checkLengths(v, 'google_ads').every((l) => l.ok)).toBe(true);
  });
});

describe(`creative intelligence agent on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let other: Signed;
  let agentId: string;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'creative');
    other = await signUp(t.app, 'intruder');
    await connectSimulator(t, owner, 'creative');
    const agents = await t.services.agents.list(systemCtx(owner.organizationId));
    agentId = agents.find((a) => a.kind === 'creative_intelligence')?.id as string;
  }, 120_000);
  afterAll(() => t?.close());

  const run = (input: unknown, organizationId = owner.organizationId, id = agentId) =>
    runDirect<Output>(creativeIntelligence, input, { services: t.services, organizationId, agentId: id });

  it('reviews the live ads of the organization with their fatigue and validated output', async () => {
    const { output, steps } = await run({ limit: 10 });
    expect(creativeOutput.safeParse(output).success).toBe(true);
    expect(steps.map((s) => s.tool)).toEqual([
      'list_ads',
      'fatigue_status',
      'analyze_copies',
      'suggest_variations',
    ]);
    expect(output.items.length).toBeGreaterThan(0);
    const live = await t.services.catalog.listAds(systemCtx(owner.organizationId), {
      status: 'active',
      limit: 10,
    });
    expect(output.items.map((i) => i.adId).sort()).toEqual(live.items.map((a) => a.id).sort());
    // Ads that delivered in the last 28 days carry ORACLE's class.
    expect(output.items.some((i) => i.fatigue !== null)).toBe(true);
    expect(output.summary).toContain(`Reviewed ${output.items.length} ad`);
    for (const item of output.items) expect(item.variations[0]?.label).toBe('compliant');
  });

  it('reviews draft copy against guidelines and reports what it found', async () => {
    const { output } = await run({
      copies: [
        {
          key: 'draft-1',
          platform: 'meta',
          headline: 'Are you overweight? FREE plan!!',
          body: 'Guaranteed results.',
          callToAction: 'SIGN_UP',
        },
      ],
      guidelines: { bannedWords: ['free'] },
    });
    const [item] = output.items;
    expect(item?.adId).toBeNull();
    expect(item?.policy.map((p) => p.rule)).toEqual(
      expect.arrayContaining([
        'prohibited_claim',
        'personal_attributes',
        'all_caps',
        'excessive_punctuation',
      ]),
    );
    expect(item?.brand.compliant).toBe(false);
    expect(item?.variations[0]).toMatchObject({
      policyViolations: 0,
      brandCompliant: true,
      fitsLengths: true,
    });
    expect(output.summary).toMatch(/policy violation/);
  });

  it('an ad of another organization is not found, and nothing of it is read', async () => {
    const ad = (await t.services.catalog.listAds(systemCtx(owner.organizationId), { limit: 1 })).items[0];
    const otherAgent = (await t.services.agents.list(systemCtx(other.organizationId))).find(
      (a) => a.kind === 'creative_intelligence',
    );
    await expect(run({ adIds: [ad?.id] }, other.organizationId, otherAgent?.id)).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
