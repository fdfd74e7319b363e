/**
 * Creative intelligence: AIDA scores of ad copy with their reasons, platform length and policy
 * checks, brand-guideline compliance, ORACLE's fatigue status and template rewrites that fix what
 * was found. Reads the catalog and ORACLE; proposes nothing.
 */
import { z } from 'zod';
import { defineAgent } from '../agents.definition.ts';
import { guidelinesSchema } from './checks.ts';
import { creativeSummary } from './templates.ts';
import { type analyze, type CopyInput, copyInput, creativeTools } from './tools.ts';

const id = z.string().min(1).max(64);

export const creativeInput = z.strictObject({
  adIds: z.array(id).max(50).optional().describe('Review these ads'),
  campaignId: id.optional().describe('Review the live ads of this campaign'),
  clientId: id.optional().describe('Review the live ads of this client'),
  copies: z.array(copyInput).max(20).optional().describe('Copy that is not live yet (reviewed as well)'),
  guidelines: guidelinesSchema.optional(),
  limit: z.number().int().min(1).max(100).default(20).describe('Most live ads reviewed'),
});

const signal = z.object({ signal: z.string(), points: z.number(), detail: z.string() });
const stage = z.object({ score: z.number().min(0).max(100), reasons: z.array(signal) });

export const creativeOutput = z.object({
  items: z.array(
    z.object({
      key: z.string(),
      adId: z.string().nullable(),
      name: z.string(),
      platform: z.string(),
      copy: z.object({
        headline: z.string().nullable(),
        body: z.string().nullable(),
        callToAction: z.string().nullable(),
      }),
      aida: z.object({
        attention: stage,
        interest: stage,
        desire: stage,
        action: stage,
        overall: z.number(),
      }),
      lengthChecks: z.array(
        z.object({
          field: z.string(),
          name: z.string(),
          length: z.number(),
          limit: z.number(),
          kind: z.enum(['max', 'recommended']),
          ok: z.boolean(),
          source: z.string(),
        }),
      ),
      policy: z.array(
        z.object({
          rule: z.string(),
          severity: z.enum(['violation', 'warning']),
          field: z.string(),
          match: z.string(),
          detail: z.string(),
        }),
      ),
      brand: z.object({
        compliant: z.boolean(),
        issues: z.array(z.object({ rule: z.string(), detail: z.string() })),
      }),
      fatigue: z
        .object({
          class: z.string(),
          p7: z.number(),
          p14: z.number(),
          predictedDrop: z.number(),
          refreshBy: z.string(),
        })
        .nullable(),
      variations: z.array(
        z.object({
          label: z.string(),
          headline: z.string().nullable(),
          body: z.string().nullable(),
          fixes: z.array(z.string()),
          aidaOverall: z.number(),
          policyViolations: z.number(),
          fitsLengths: z.boolean(),
          brandCompliant: z.boolean(),
        }),
      ),
    }),
  ),
  fatigueAsOf: z.string().nullable(),
  summary: z.string(),
});

type Input = z.infer<typeof creativeInput>;
type Output = z.infer<typeof creativeOutput>;
type Ad = {
  adId: string;
  name: string;
  platform: string;
  headline: string | null;
  body: string | null;
  callToAction: string | null;
};
type Fatigue = {
  asOf: string | null;
  items: Array<{
    adId: string;
    class: string;
    p7: number;
    p14: number;
    predictedDrop: number;
    refreshBy: string;
  }>;
};
type Analysis = ReturnType<typeof analyze>;
type Suggestions = Array<{ key: string; variations: Output['items'][number]['variations'] }>;

export const creativeIntelligence = defineAgent<Input, Output>({
  kind: 'creative_intelligence',
  instructions: [
    'You are the creative intelligence agent of a marketing agency.',
    'Review ad copy: call list_ads for the ads asked about (or the live ads of the campaign, client or organization), fatigue_status for ORACLE fatigue,',
    'analyze_copies for AIDA scores, length, policy and brand checks, and suggest_variations for rewrites that fix the issues.',
    'Never invent numbers, prices or testimonials in rewrites. Report every policy violation; explain the weakest AIDA stage with its reasons.',
    'Answer with the output schema: one item per copy and a short summary.',
  ].join(' '),
  input: creativeInput,
  output: creativeOutput,
  tools: creativeTools,
  async builtin(input, run) {
    const wantLive = !input.copies?.length || input.adIds?.length || input.campaignId || input.clientId;
    const ads = wantLive
      ? await run.call<Ad[]>('list_ads', {
          adIds: input.adIds,
          campaignId: input.campaignId,
          clientId: input.clientId,
          limit: input.limit,
        })
      : [];
    const fatigue = ads.length
      ? await run.call<Fatigue>('fatigue_status', { campaignId: input.campaignId, clientId: input.clientId })
      : { asOf: null, items: [] };
    const copies: Array<CopyInput & { adId: string | null; name: string }> = [
      ...ads.map((a) => ({
        key: a.adId,
        adId: a.adId,
        name: a.name,
        platform: a.platform,
        headline: a.headline,
        body: a.body,
        callToAction: a.callToAction,
      })),
      ...(input.copies ?? []).map((c) => ({ ...c, adId: null, name: c.key })),
    ];
    const strip = ({ adId: _a, name: _n, ...c }: (typeof copies)[number]): CopyInput => c;
    const analyses = copies.length
      ? await run.call<Analysis[]>('analyze_copies', {
          copies: copies.map(strip),
          guidelines: input.guidelines,
        })
      : [];
    const suggestions = copies.length
      ? await run.call<Suggestions>('suggest_variations', {
          copies: copies.map(strip),
          guidelines: input.guidelines,
        })
      : [];
    const fatigueOf = new Map(fatigue.items.map((f) => [f.adId, f]));

    const items: Output['items'] = copies.map((c, i) => {
      const a = analyses[i] as Analysis;
      const f = c.adId ? fatigueOf.get(c.adId) : undefined;
      return {
        key: c.key,
        adId: c.adId,
        name: c.name,
        platform: c.platform,
        copy: { headline: c.headline, body: c.body, callToAction: c.callToAction },
        aida: a.aida,
        lengthChecks: a.lengthChecks,
        policy: a.policy,
        brand: a.brand,
        fatigue: f
          ? { class: f.class, p7: f.p7, p14: f.p14, predictedDrop: f.predictedDrop, refreshBy: f.refreshBy }
          : null,
        variations: suggestions[i]?.variations ?? [],
      };
    });
    const stages = ['attention', 'interest', 'desire', 'action'] as const;
    const means = stages.map((s) => ({
      stage: s,
      mean: items.length ? Math.round(items.reduce((t, it) => t + it.aida[s].score, 0) / items.length) : 0,
    }));
    const ranked = [...items].sort((x, y) => y.aida.overall - x.aida.overall);
    return {
      items,
      fatigueAsOf: fatigue.asOf,
      summary: creativeSummary({
        reviewed: items.length,
        violations: items.reduce(
          (t, it) => t + it.policy.filter((p) => p.severity === 'violation').length,
          0,
        ),
        overLength: items.reduce((t, it) => t + it.lengthChecks.filter((l) => !l.ok).length, 0),
        brandIssues: items.reduce((t, it) => t + it.brand.issues.length, 0),
        fatigued: items.filter((it) => it.fatigue?.class === 'fatigued' || it.fatigue?.class === 'dead')
          .length,
        weakest: items.length ? (means.sort((x, y) => x.mean - y.mean)[0] ?? null) : null,
        best: ranked[0] ? { label: ranked[0].name, overall: ranked[0].aida.overall } : null,
        worst: ranked.at(-1)
          ? {
              label: (ranked.at(-1) as (typeof items)[number]).name,
              overall: (ranked.at(-1) as (typeof items)[number]).aida.overall,
            }
          : null,
      }),
    };
  },
});
