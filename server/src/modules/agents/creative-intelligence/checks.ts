/**
 * Platform length limits, ad policy checks and brand-guideline compliance for one piece of ad copy.
 * Pure functions; the limits cite where they come from.
 */
import { z } from 'zod';
import type { Copy } from './aida.ts';

export type CopyPlatform = 'google_ads' | 'meta' | 'linkedin' | 'other';

interface FieldLimit {
  field: 'headline' | 'body';
  /** What the platform calls the field. */
  name: string;
  limit: number;
  /** `max`: the platform rejects longer text; `recommended`: longer text is truncated in the feed. */
  kind: 'max' | 'recommended';
  source: string;
}

/**
 * Google Ads responsive search ads: headlines up to 30 characters, descriptions up to 90 (hard limits;
 * support.google.com/google-ads/answer/7684791). Meta feed ads: primary text 125 and headline 40
 * characters recommended before truncation (facebook.com/business/ads-guide). LinkedIn single image
 * ads: introductory text 150 recommended (600 max), headline 70 recommended (200 max)
 * (linkedin.com/help/lms/answer/a426534).
 */
export const platformLimits: Record<CopyPlatform, FieldLimit[]> = {
  google_ads: [
    {
      field: 'headline',
      name: 'RSA headline',
      limit: 30,
      kind: 'max',
      source: 'Google Ads RSA: headline ≤ 30 characters',
    },
    {
      field: 'body',
      name: 'RSA description',
      limit: 90,
      kind: 'max',
      source: 'Google Ads RSA: description ≤ 90 characters',
    },
  ],
  meta: [
    {
      field: 'body',
      name: 'primary text',
      limit: 125,
      kind: 'recommended',
      source: 'Meta ads guide: primary text 125 characters recommended',
    },
    {
      field: 'headline',
      name: 'headline',
      limit: 40,
      kind: 'recommended',
      source: 'Meta ads guide: headline 40 characters recommended',
    },
  ],
  linkedin: [
    {
      field: 'body',
      name: 'introductory text',
      limit: 150,
      kind: 'recommended',
      source: 'LinkedIn single image ad: intro text 150 recommended',
    },
    {
      field: 'body',
      name: 'introductory text',
      limit: 600,
      kind: 'max',
      source: 'LinkedIn single image ad: intro text 600 maximum',
    },
    {
      field: 'headline',
      name: 'headline',
      limit: 70,
      kind: 'recommended',
      source: 'LinkedIn single image ad: headline 70 recommended',
    },
    {
      field: 'headline',
      name: 'headline',
      limit: 200,
      kind: 'max',
      source: 'LinkedIn single image ad: headline 200 maximum',
    },
  ],
  other: [],
};

export const asCopyPlatform = (p: string): CopyPlatform =>
  p === 'google_ads' || p === 'meta' || p === 'linkedin' ? p : 'other';

export interface LengthCheck extends FieldLimit {
  length: number;
  ok: boolean;
}

/** Characters as people count them (an emoji is one), which is how the platforms count. */
const chars = (s: string | null) => [...(s ?? '')].length;

export function checkLengths(copy: Copy, platform: CopyPlatform): LengthCheck[] {
  return platformLimits[platform].map((l) => {
    const length = chars(copy[l.field]);
    return { ...l, length, ok: length <= l.limit };
  });
}

export interface PolicyFinding {
  rule:
    | 'prohibited_claim'
    | 'personal_attributes'
    | 'all_caps'
    | 'excessive_punctuation'
    | 'headline_exclamation';
  severity: 'violation' | 'warning';
  field: 'headline' | 'body';
  match: string;
  detail: string;
}

/** Claims the platforms' misleading-content policies reject without substantiation. */
export const prohibitedClaims = [
  'guaranteed',
  'guarantee',
  '100% effective',
  'risk-free',
  'risk free',
  'no risk',
  'miracle',
  'cure',
  'cures',
  'instant results',
  'get rich',
  'lose weight fast',
  'overnight results',
  'best in the world',
  '#1',
] as const;

/** Meta's personal-attributes policy: ads may not assert or imply a person's attributes. */
const personalAttribute =
  /\b(are you|you are|you're|for)\s+(overweight|fat|obese|depressed|anxious|diabetic|broke|in debt|bankrupt|single|divorced|pregnant|gay|lesbian|disabled|sick|balding|unemployed)\b/i;

/** Acronyms that are written in capitals by convention and are not "shouting". */
const acronyms = new Set([
  'CFO',
  'CEO',
  'ROI',
  'USA',
  'UK',
  'EU',
  'B2B',
  'SaaS',
  'AI',
  'CRM',
  'FAQ',
  'VAT',
  'HVAC',
  'SEO',
  'PPC',
]);

export function checkPolicy(copy: Copy, platform: CopyPlatform): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  for (const field of ['headline', 'body'] as const) {
    const text = copy[field] ?? '';
    if (!text) continue;
    for (const claim of prohibitedClaims) {
      const re = new RegExp(`(^|[^a-z0-9])${claim.replace(/[#%]/g, '\\$&')}([^a-z0-9]|$)`, 'i');
      if (re.test(text))
        out.push({
          rule: 'prohibited_claim',
          severity: 'violation',
          field,
          match: claim,
          detail: `"${claim}" is an unsubstantiated claim`,
        });
    }
    const attr = personalAttribute.exec(text);
    if (attr)
      out.push({
        rule: 'personal_attributes',
        severity: 'violation',
        field,
        match: attr[0],
        detail: `"${attr[0]}" asserts a personal attribute of the reader`,
      });
    const shouted = (text.match(/\b[A-Z]{4,}\b/g) ?? []).filter((w) => !acronyms.has(w));
    if (shouted.length)
      out.push({
        rule: 'all_caps',
        severity: 'violation',
        field,
        match: shouted.join(' '),
        detail: `words in capitals for emphasis: ${shouted.join(', ')}`,
      });
    const punct = text.match(/[!?]{2,}|\.{4,}|[*$€£]{2,}/g);
    if (punct)
      out.push({
        rule: 'excessive_punctuation',
        severity: 'violation',
        field,
        match: punct.join(' '),
        detail: `repeated punctuation or symbols: ${punct.join(' ')}`,
      });
    else if ((text.match(/!/g) ?? []).length > 1)
      out.push({
        rule: 'excessive_punctuation',
        severity: 'warning',
        field,
        match: '!',
        detail: 'more than one exclamation mark',
      });
  }
  // Google Ads editorial policy: no exclamation mark in a headline.
  if (platform === 'google_ads' && (copy.headline ?? '').includes('!'))
    out.push({
      rule: 'headline_exclamation',
      severity: 'violation',
      field: 'headline',
      match: '!',
      detail: 'Google Ads headlines may not contain "!"',
    });
  return out;
}

export const guidelinesSchema = z
  .strictObject({
    bannedWords: z.array(z.string().min(1).max(80)).max(200).default([]),
    requiredPhrases: z.array(z.string().min(1).max(200)).max(50).default([]),
    tone: z.enum(['formal', 'friendly', 'neutral']).default('neutral'),
    maxExclamationMarks: z.number().int().min(0).max(10).optional(),
  })
  .describe("The organization's or client's brand guidelines");
export type Guidelines = z.infer<typeof guidelinesSchema>;

export interface BrandIssue {
  rule: 'banned_word' | 'missing_required_phrase' | 'tone' | 'exclamation_marks';
  detail: string;
}

const CONTRACTION = /\b\w+'(re|ll|ve|d|t|s|m)\b/i;

export function checkBrand(copy: Copy, g: Guidelines): { compliant: boolean; issues: BrandIssue[] } {
  const text = `${copy.headline ?? ''}\n${copy.body ?? ''}`;
  const lower = text.toLowerCase();
  const issues: BrandIssue[] = [];
  for (const w of g.bannedWords)
    if (
      new RegExp(`(^|[^a-z0-9])${w.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^a-z0-9]|$)`).test(
        lower,
      )
    )
      issues.push({ rule: 'banned_word', detail: `uses the banned word "${w}"` });
  for (const p of g.requiredPhrases)
    if (!lower.includes(p.toLowerCase()))
      issues.push({ rule: 'missing_required_phrase', detail: `lacks the required phrase "${p}"` });
  if (g.tone === 'formal') {
    const c = CONTRACTION.exec(text);
    if (c) issues.push({ rule: 'tone', detail: `contraction "${c[0]}" in a formal voice` });
    if (text.includes('!')) issues.push({ rule: 'tone', detail: 'exclamation mark in a formal voice' });
  }
  if (g.tone === 'friendly' && !/\b(you|your|we|our)\b/i.test(text))
    issues.push({ rule: 'tone', detail: 'no "you" or "we": a friendly voice talks to the reader' });
  const bangs = (text.match(/!/g) ?? []).length;
  if (g.maxExclamationMarks !== undefined && bangs > g.maxExclamationMarks)
    issues.push({
      rule: 'exclamation_marks',
      detail: `${bangs} exclamation marks, the guidelines allow ${g.maxExclamationMarks}`,
    });
  return { compliant: issues.length === 0, issues };
}
