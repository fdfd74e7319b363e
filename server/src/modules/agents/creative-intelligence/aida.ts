/**
 * A transparent lexical AIDA scorer for ad copy. Each stage starts from a base and gains points for
 * signals found in the text; every point comes with the reason, so a person can see why a headline
 * scored 45 and what would raise it. It does not claim to predict CTR: it checks that the copy has
 * the ingredients copywriting guides ask for (a hook, specifics, benefits and proof, a call to action).
 */

export interface Signal {
  signal: string;
  points: number;
  detail: string;
}

export interface StageScore {
  score: number;
  reasons: Signal[];
}

export interface AidaScore {
  attention: StageScore;
  interest: StageScore;
  desire: StageScore;
  action: StageScore;
  /** Mean of the four stages. */
  overall: number;
}

export interface Copy {
  headline: string | null;
  body: string | null;
  callToAction: string | null;
}

const BASE = 20;

const words = (s: string) => s.toLowerCase().match(/[a-z0-9$%'+-]+/g) ?? [];
const has = (text: string, list: readonly string[]) =>
  list.filter((w) => new RegExp(`(^|[^a-z])${w.replace(/[$+]/g, '\\$&')}([^a-z]|$)`, 'i').test(text));

export const hookWords = [
  'new',
  'free',
  'now',
  'discover',
  'introducing',
  'imagine',
  'secret',
  'finally',
  'stop',
  'why',
  'how',
] as const;
export const benefitWords = [
  'save',
  'saving',
  'savings',
  'free',
  'easy',
  'fast',
  'faster',
  'simple',
  'confidence',
  'results',
  'trusted',
  'proven',
  'certified',
  'warranty',
  'financing',
  'flexible',
  'tailored',
  'same-week',
  'insight',
  'better',
  'cut',
  'half',
  'healthy',
  'comfort',
  'no hassle',
  'without the hassle',
  'peace of mind',
  'accepted',
] as const;
export const proofWords = [
  'reviews',
  'five-star',
  '5-star',
  'trusted by',
  'customers',
  'clients',
  'households',
  'teams',
  'join',
  'rated',
  'award',
] as const;
export const ctaVerbs = [
  'book',
  'get',
  'call',
  'buy',
  'shop',
  'order',
  'sign up',
  'register',
  'download',
  'start',
  'try',
  'claim',
  'request',
  'apply',
  'contact',
  'learn more',
  'check',
  'join',
  'subscribe',
  'schedule',
  'discover',
] as const;
export const urgencyWords = [
  'today',
  'now',
  'this week',
  'limited',
  'ends',
  'last chance',
  'hurry',
  'only',
  'before',
  'deadline',
  'tonight',
] as const;

const stage = (reasons: Signal[]): StageScore => ({
  score: Math.min(100, BASE + reasons.reduce((s, r) => s + r.points, 0)),
  reasons,
});

export function scoreAida(copy: Copy): AidaScore {
  const headline = copy.headline ?? '';
  const body = copy.body ?? '';
  const all = `${headline} ${body}`;
  const cta = (copy.callToAction ?? '').replace(/_/g, ' ').toLowerCase();

  const attention: Signal[] = [];
  if (headline.length > 0 && headline.length <= 40)
    attention.push({
      signal: 'short_headline',
      points: 20,
      detail: `headline of ${headline.length} characters reads at a glance`,
    });
  if (/\d/.test(headline))
    attention.push({
      signal: 'number_in_headline',
      points: 20,
      detail: 'a number in the headline stands out',
    });
  if (headline.includes('?'))
    attention.push({ signal: 'question', points: 15, detail: 'the headline asks a question' });
  const hooks = has(headline, hookWords);
  if (hooks.length)
    attention.push({ signal: 'hook_word', points: 15, detail: `hook word: ${hooks.join(', ')}` });
  if (/\byou(r)?\b/i.test(headline))
    attention.push({ signal: 'second_person', points: 10, detail: 'speaks to the reader ("you")' });

  const interest: Signal[] = [];
  if (/\d/.test(body)) interest.push({ signal: 'specifics', points: 20, detail: 'the body gives a number' });
  const bodyWords = words(body).length;
  if (bodyWords >= 5 && bodyWords <= 30)
    interest.push({
      signal: 'body_length',
      points: 20,
      detail: `${bodyWords} words: enough to inform, short enough to read`,
    });
  if (/\byou(r)?\b/i.test(body))
    interest.push({ signal: 'second_person', points: 15, detail: 'the body addresses the reader' });
  if (/\b(how|why|what|learn|see)\b/i.test(all))
    interest.push({
      signal: 'curiosity',
      points: 10,
      detail: 'promises an explanation (how / why / what / learn)',
    });
  if (body.length > 0 && headline.length > 0)
    interest.push({ signal: 'headline_and_body', points: 10, detail: 'headline and body work together' });

  const desire: Signal[] = [];
  const benefits = has(all, benefitWords);
  if (benefits.length)
    desire.push({
      signal: 'benefit',
      points: Math.min(30, 15 * benefits.length),
      detail: `benefit words: ${benefits.join(', ')}`,
    });
  const proof = has(all, proofWords);
  if (proof.length) desire.push({ signal: 'social_proof', points: 20, detail: `proof: ${proof.join(', ')}` });
  if (/[$€£]\s?\d|\d\s?%|\d{1,3}(,\d{3})+|\d\+/.test(all))
    desire.push({
      signal: 'concrete_value',
      points: 15,
      detail: 'a price, share or count makes the offer concrete',
    });

  const action: Signal[] = [];
  const verbs = has(`${all} ${cta}`, ctaVerbs);
  if (verbs.length)
    action.push({ signal: 'cta_verb', points: 30, detail: `call to action: ${verbs.join(', ')}` });
  if (cta) action.push({ signal: 'cta_button', points: 20, detail: `button "${copy.callToAction}"` });
  const urgent = has(all, urgencyWords);
  if (urgent.length) action.push({ signal: 'urgency', points: 20, detail: `urgency: ${urgent.join(', ')}` });
  if (/\bfree\b/i.test(all))
    action.push({ signal: 'low_commitment', points: 10, detail: 'a free first step lowers the barrier' });

  const s = {
    attention: stage(attention),
    interest: stage(interest),
    desire: stage(desire),
    action: stage(action),
  };
  return {
    ...s,
    overall: Math.round((s.attention.score + s.interest.score + s.desire.score + s.action.score) / 4),
  };
}
