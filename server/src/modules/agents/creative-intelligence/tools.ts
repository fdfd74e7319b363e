/** Creative intelligence tools: ads from the catalog, fatigue from ORACLE, and the copy checks. */
import { z } from 'zod';
import { defineTool } from '../agents.definition.ts';
import { type Copy, scoreAida } from './aida.ts';
import {
  asCopyPlatform,
  checkBrand,
  checkLengths,
  checkPolicy,
  type Guidelines,
  guidelinesSchema,
} from './checks.ts';
import { suggestVariations } from './templates.ts';

const id = z.string().min(1).max(64);
const text = z.string().max(5000).nullable();

export const copyInput = z.strictObject({
  key: z.string().min(1).max(100).describe('The ad id, or a label for copy that is not live yet'),
  platform: z.string().min(1).max(40).describe('google_ads, meta, linkedin (others get no length limits)'),
  headline: text,
  body: text,
  callToAction: text,
});
export type CopyInput = z.infer<typeof copyInput>;

const noGuidelines: Guidelines = { bannedWords: [], requiredPhrases: [], tone: 'neutral' };
const copyOf = (c: CopyInput): Copy => ({ headline: c.headline, body: c.body, callToAction: c.callToAction });

export function analyze(c: CopyInput, g: Guidelines) {
  const platform = asCopyPlatform(c.platform);
  const copy = copyOf(c);
  return {
    key: c.key,
    aida: scoreAida(copy),
    lengthChecks: checkLengths(copy, platform),
    policy: checkPolicy(copy, platform),
    brand: checkBrand(copy, g),
  };
}

export const creativeTools = [
  defineTool({
    name: 'list_ads',
    description:
      'Ads with their copy (headline, body, call to action): the given ad ids, or the live ads of a campaign, a client or the organization.',
    input: z.strictObject({
      adIds: z.array(id).max(50).optional(),
      campaignId: id.optional(),
      clientId: id.optional(),
      limit: z.number().int().min(1).max(100).default(20),
    }),
    async run(i, { ctx, services }) {
      const ads = i.adIds?.length
        ? await Promise.all(i.adIds.map((adId) => services.catalog.getAd(ctx, adId)))
        : (
            await services.catalog.listAds(ctx, {
              campaignId: i.campaignId,
              clientId: i.clientId,
              status: 'active',
              limit: i.limit,
            })
          ).items;
      return ads.map((a) => ({
        adId: a.id,
        name: a.name,
        platform: a.platform,
        campaignId: a.campaignId,
        clientId: a.clientId,
        headline: a.creative.headline,
        body: a.creative.body,
        callToAction: a.creative.callToAction,
      }));
    },
  }),
  defineTool({
    name: 'fatigue_status',
    description:
      "ORACLE's creative fatigue of the ads that delivered in the last 28 days (class, 7/14-day probabilities, refresh-by date).",
    input: z.strictObject({ campaignId: id.optional(), clientId: id.optional() }),
    async run(i, { ctx, services }) {
      const f = await services.oracle.listFatigue(ctx, { campaignId: i.campaignId, clientId: i.clientId });
      return {
        asOf: f.asOf,
        items: f.items.map((a) => ({
          adId: a.adId,
          class: a.class,
          p7: a.p7,
          p14: a.p14,
          predictedDrop: a.predictedDrop,
          refreshBy: a.refreshBy,
        })),
      };
    },
  }),
  defineTool({
    name: 'analyze_copies',
    description:
      'AIDA scores with reasons, platform length checks, policy checks and brand-guideline compliance for up to 100 pieces of copy.',
    input: z.strictObject({ copies: z.array(copyInput).max(100), guidelines: guidelinesSchema.optional() }),
    async run(i) {
      return i.copies.map((c) => analyze(c, i.guidelines ?? noGuidelines));
    },
  }),
  defineTool({
    name: 'suggest_variations',
    description:
      'Template rewrites of each copy that fix its policy, length and brand issues (and add a call to action or a question hook where those stages are weak), each re-scored.',
    input: z.strictObject({ copies: z.array(copyInput).max(100), guidelines: guidelinesSchema.optional() }),
    async run(i) {
      const g = i.guidelines ?? noGuidelines;
      return i.copies.map((c) => {
        const a = analyze(c, g);
        const weakStages = (['attention', 'interest', 'desire', 'action'] as const).filter(
          (s) => a.aida[s].score < 60,
        );
        const variations = suggestVariations({
          copy: copyOf(c),
          platform: asCopyPlatform(c.platform),
          policy: a.policy,
          brand: a.brand.issues,
          guidelines: g,
          weakStages,
        });
        return {
          key: c.key,
          variations: variations.map((v) => {
            const check = analyze({ ...c, headline: v.headline, body: v.body }, g);
            return {
              ...v,
              aidaOverall: check.aida.overall,
              policyViolations: check.policy.filter((p) => p.severity === 'violation').length,
              fitsLengths: check.lengthChecks.every((l) => l.ok),
              brandCompliant: check.brand.compliant,
            };
          }),
        };
      });
    },
  }),
];
