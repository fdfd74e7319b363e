/**
 * Template rewrites that fix what the checks found (never inventing facts: no new numbers, prices or
 * proof, only removals, re-casing, shortening and a call to action built from the ad's own button),
 * and the run's summary.
 */
import type { Copy } from './aida.ts';
import {
  type BrandIssue,
  type CopyPlatform,
  type Guidelines,
  type PolicyFinding,
  platformLimits,
} from './checks.ts';

export interface Variation {
  label: 'compliant' | 'action' | 'question_hook';
  headline: string | null;
  body: string | null;
  fixes: string[];
}

const contractions: Record<string, string> = {
  "you're": 'you are',
  "we're": 'we are',
  "don't": 'do not',
  "can't": 'cannot',
  "won't": 'will not',
  "it's": 'it is',
  "we'll": 'we will',
  "you'll": 'you will',
  "isn't": 'is not',
  "aren't": 'are not',
  "we've": 'we have',
};

const tidy = (s: string) =>
  s
    .replace(/\s+([,.!?])/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .replace(/^[\s,.;:-]+/, '')
    .trim();
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\#%]/g, '\\$&');
const titleCase = (w: string) => w.charAt(0) + w.slice(1).toLowerCase();

/** Cuts at a word boundary so the text fits `limit` characters. */
export function fitTo(text: string, limit: number): string {
  if ([...text].length <= limit) return text;
  const cut = [...text].slice(0, limit).join('');
  const space = cut.lastIndexOf(' ');
  return tidy((space > limit / 2 ? cut.slice(0, space) : cut).replace(/[,;:–-]+$/, ''));
}

/** The tightest limit of a field on the platform (recommended ones included: truncated copy loses its end). */
const tightest = (platform: CopyPlatform, field: 'headline' | 'body') =>
  Math.min(Infinity, ...platformLimits[platform].filter((l) => l.field === field).map((l) => l.limit));

function fixText(
  text: string,
  field: 'headline' | 'body',
  platform: CopyPlatform,
  policy: PolicyFinding[],
  g: Guidelines,
  fixes: string[],
) {
  let t = text;
  for (const f of policy.filter((p) => p.field === field)) {
    if (f.rule === 'prohibited_claim') {
      t = t.replace(new RegExp(`(^|[^a-z0-9])${escapeRe(f.match)}(?=[^a-z0-9]|$)`, 'gi'), '$1');
      fixes.push(`removed the claim "${f.match}" from the ${field}`);
    } else if (f.rule === 'personal_attributes') {
      t = t
        .split(/(?<=[.!?])\s+/)
        .filter((s) => !s.includes(f.match))
        .join(' ');
      fixes.push(`removed "${f.match}" (personal attributes) from the ${field}`);
    } else if (f.rule === 'all_caps') {
      t = t.replace(/\b[A-Z]{4,}\b/g, (w) => (f.match.split(' ').includes(w) ? titleCase(w) : w));
      fixes.push(`wrote ${f.match} in normal case`);
    } else if (f.rule === 'excessive_punctuation') {
      t = t
        .replace(/([!?])[!?]+/g, '$1')
        .replace(/\.{4,}/g, '...')
        .replace(/([*$€£])\1+/g, '$1');
      if (f.severity === 'warning') t = t.replace(/!(?=.*!)/g, '.');
      fixes.push(`reduced punctuation in the ${field}`);
    } else if (f.rule === 'headline_exclamation') {
      t = t.replace(/!/g, '');
      fixes.push('removed "!" from the headline');
    }
  }
  for (const w of g.bannedWords) {
    const re = new RegExp(`(^|[^a-z0-9])${escapeRe(w)}(?=[^a-z0-9]|$)`, 'gi');
    if (re.test(t)) {
      t = t.replace(re, '$1');
      fixes.push(`removed the banned word "${w}" from the ${field}`);
    }
  }
  if (g.tone === 'formal') {
    const before = t;
    t = t.replace(/\b\w+'(re|ll|ve|t|s)\b/gi, (c) => contractions[c.toLowerCase()] ?? c).replace(/!/g, '.');
    if (t !== before) fixes.push(`formal voice in the ${field}: no contractions or "!"`);
  }
  t = tidy(t);
  const limit = tightest(platform, field);
  if ([...t].length > limit) {
    t = fitTo(t, limit);
    fixes.push(`shortened the ${field} to ${limit} characters`);
  }
  return t;
}

const ctaSentence: Array<[RegExp, string]> = [
  [/book/i, 'Book today.'],
  [/quote/i, 'Get your quote today.'],
  [/call/i, 'Call today.'],
  [/sign.?up|register|subscribe/i, 'Sign up today.'],
  [/download/i, 'Download it today.'],
  [/demo/i, 'Request a demo today.'],
  [/contact/i, 'Contact us today.'],
];

export function suggestVariations(input: {
  copy: Copy;
  platform: CopyPlatform;
  policy: PolicyFinding[];
  brand: BrandIssue[];
  guidelines: Guidelines;
  weakStages: string[];
}): Variation[] {
  const { copy, platform, policy, guidelines } = input;
  const fixes: string[] = [];
  const headline =
    copy.headline === null ? null : fixText(copy.headline, 'headline', platform, policy, guidelines, fixes);
  let body = copy.body === null ? null : fixText(copy.body, 'body', platform, policy, guidelines, fixes);
  for (const p of guidelines.requiredPhrases)
    if (!`${headline ?? ''} ${body ?? ''}`.toLowerCase().includes(p.toLowerCase())) {
      body = tidy(`${body ?? ''} ${p}.`);
      fixes.push(`added the required phrase "${p}"`);
    }
  const out: Variation[] = [{ label: 'compliant', headline, body, fixes }];

  if (input.weakStages.includes('action') && body !== null) {
    const sentence = ctaSentence.find(([re]) => re.test(copy.callToAction ?? ''))?.[1] ?? 'Learn more today.';
    const longer = tidy(`${body} ${sentence}`);
    if ([...longer].length <= tightest(platform, 'body'))
      out.push({
        label: 'action',
        headline,
        body: longer,
        fixes: [...fixes, `added a call to action: "${sentence}"`],
      });
  }
  if (input.weakStages.includes('attention') && headline && !headline.includes('?')) {
    const q = `Ready for ${headline.charAt(0).toLowerCase()}${headline.slice(1).replace(/[.!]$/, '')}?`;
    if ([...q].length <= tightest(platform, 'headline'))
      out.push({
        label: 'question_hook',
        headline: q,
        body,
        fixes: [...fixes, 'turned the headline into a question'],
      });
  }
  return out;
}

export function creativeSummary(s: {
  reviewed: number;
  violations: number;
  overLength: number;
  brandIssues: number;
  fatigued: number;
  weakest: { stage: string; mean: number } | null;
  best: { label: string; overall: number } | null;
  worst: { label: string; overall: number } | null;
}): string {
  if (s.reviewed === 0) return 'No ad copy to review: no live ads matched and no copy was given.';
  const parts = [
    `Reviewed ${s.reviewed} ad cop${s.reviewed === 1 ? 'y' : 'ies'}.`,
    s.violations
      ? `${s.violations} policy violation${s.violations === 1 ? '' : 's'} to fix before they cause disapprovals.`
      : 'No policy violations.',
    s.overLength
      ? `${s.overLength} field${s.overLength === 1 ? '' : 's'} over the platform length.`
      : 'Every field fits its platform length.',
    s.brandIssues ? `${s.brandIssues} brand-guideline issue${s.brandIssues === 1 ? '' : 's'}.` : 'On brand.',
  ];
  if (s.fatigued)
    parts.push(
      `${s.fatigued} ad${s.fatigued === 1 ? ' is' : 's are'} fatigued or dead per ORACLE: refresh them first.`,
    );
  if (s.weakest) parts.push(`Weakest AIDA stage overall: ${s.weakest.stage} (mean ${s.weakest.mean}/100).`);
  if (s.best && s.worst && s.best.label !== s.worst.label)
    parts.push(
      `Strongest: "${s.best.label}" (${s.best.overall}); weakest: "${s.worst.label}" (${s.worst.overall}).`,
    );
  return parts.join(' ');
}
