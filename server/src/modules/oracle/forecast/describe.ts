/**
 * Forecast model names and their plain-language descriptions, both from the model registry
 * (models.ts): a member's name and words come from the constructor that builds it, a combination's
 * name from `meanName` / `ratioName` below. A stored forecast or score keeps only the name, so
 * `describeModel` resolves it back through the same constructors (a name they do not rebuild exactly
 * is answered as it is), which keeps the names and the words from drifting apart.
 */
import { adjusted, MODEL_KINDS, type Model, mstlModel, seasonalNaive } from './models.ts';

export interface ModelDescription {
  /** The whole model in words, starting with a capital. */
  text: string;
  /** One model, the average of the backtest's best (`mean(…)`), or revenue ÷ spend (`ratio(…)`). */
  combination: 'single' | 'mean' | 'ratio';
  /** The models it is made of, each by name and in words: the averaged members, or revenue's and spend's forecasts. Empty for a name the registry does not know. */
  members: Array<{ model: string; text: string }>;
}

/** The name of the average of these members (the one member's name for a single model). */
export const meanName = (members: readonly string[]) =>
  members.length === 1 ? (members[0] as string) : `mean(${members.join(',')})`;

/** The name of a ratio forecast (ROAS) built from the revenue and spend forecasts' models. */
export const ratioName = (revenue: string, spend: string) => `ratio(${revenue},${spend})`;

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const periodsOf = (s: string | undefined) =>
  s === undefined ? [] : s.split('+').map((p) => (/^[1-9][0-9]{0,3}$/.test(p) ? Number(p) : Number.NaN));

/** The registry's model of this member name (`damped@7`, `snaive@7`, `mstl@24+168`), or null. */
export function modelFromName(name: string): Model | null {
  const [kind = '', period, ...rest] = name.split('@');
  if (rest.length || !Object.hasOwn(MODEL_KINDS, kind)) return null;
  const periods = periodsOf(period);
  if (periods.some((p) => !Number.isFinite(p))) return null;
  let m: Model;
  if (kind === 'snaive') {
    if (periods.length !== 1) return null;
    m = seasonalNaive(periods[0] as number);
  } else if (kind === 'mstl') {
    if (!periods.length) return null;
    m = mstlModel(periods);
  } else {
    if (periods.length > 1) return null;
    m = adjusted(kind, periods[0] ?? 1);
  }
  // Only names the constructors write themselves (`ses@1` is written `ses`).
  return m.name === name ? m : null;
}

/** Words (lower case where they allow) of a single model or of an average of members, or null. */
function wordsOf(name: string): { words: string; combination: 'single' | 'mean'; members: string[] } | null {
  const one = modelFromName(name);
  if (one) return { words: one.words, combination: 'single', members: [name] };
  if (!name.startsWith('mean(') || !name.endsWith(')')) return null;
  const members = name.slice(5, -1).split(',');
  const models = members.map(modelFromName);
  if (!models.every((m): m is Model => m !== null) || meanName(members) !== name) return null;
  if (models.length === 1) return { words: (models[0] as Model).words, combination: 'single', members };
  return {
    words: `average of ${models.length} models: ${models.map((m) => m.words).join('; ')}`,
    combination: 'mean',
    members,
  };
}

/**
 * A forecast model name in words: a single model ("Damped-trend exponential smoothing with weekly
 * seasonality"), an average named by its members, or a ratio of two forecasts (ROAS).
 */
export function describeModel(name: string): ModelDescription {
  const simple = wordsOf(name);
  if (simple)
    return {
      text: capital(simple.words),
      combination: simple.combination,
      members: simple.members.map((m) => ({ model: m, text: capital((modelFromName(m) as Model).words) })),
    };
  if (name.startsWith('ratio(') && name.endsWith(')')) {
    // The two arguments are single models or `mean(…)` lists: the split is at the comma after the
    // first argument's closing parenthesis (or its first comma when it has none).
    const inner = name.slice(6, -1);
    const cut = inner.startsWith('mean(') ? inner.indexOf(')') + 1 : inner.indexOf(',');
    const revenue = inner.slice(0, cut);
    const spend = inner.slice(cut + 1);
    const r = wordsOf(revenue);
    const s = wordsOf(spend);
    if (cut > 0 && inner[cut] === ',' && r && s && ratioName(revenue, spend) === name)
      return {
        text: `Ratio of two forecasts: revenue (${r.words}) ÷ spend (${s.words})`,
        combination: 'ratio',
        members: [
          { model: revenue, text: capital(r.words) },
          { model: spend, text: capital(s.words) },
        ],
      };
  }
  return { text: name, combination: 'single', members: [] };
}
