/**
 * An ORACLE model name in words, the name as the API spells it on hover. The API's names are small
 * expressions (server/src/modules/oracle/forecast): a model kind, `@period` for a seasonal one or one
 * run on the seasonally adjusted series (`snaive@7`, `theta@7`), `mean(a,b,…)` for the average of the
 * candidates the backtest kept, `ratio(a,b)` for a ratio metric (ROAS = revenue ÷ spend) forecast as
 * two series. `mean(snaive@7,damped,theta@7)` reads "Average of 3 models: weekly seasonal naive,
 * damped trend, weekly-adjusted Theta". An unknown name is shown as it is.
 */

const kinds: Record<string, string> = {
  naive: 'last value repeated',
  drift: 'drift',
  ses: 'exponential smoothing',
  holt: 'Holt trend',
  damped: 'damped trend',
  theta: 'Theta',
  ets: 'automatic ETS',
  snaive: 'seasonal naive',
  mstl: 'MSTL decomposition',
};

/** A season length in the series' steps, as people say it (days for daily series, the usual case). */
const seasons: Record<string, string> = {
  '7': 'weekly',
  '12': 'yearly',
  '24': 'daily',
  '52': 'yearly',
  '168': 'weekly',
  '365': 'yearly',
};
const season = (p: string) => seasons[p] ?? `${p}-step`;

type Node = { fn: string; args: Node[] } | { atom: string };

/** Parses `f(a,g(b,c))`; null when the text is not such an expression. */
function parse(text: string): Node | null {
  let i = 0;
  function expr(): Node | null {
    const m = /^[A-Za-z0-9_@+.]+/.exec(text.slice(i));
    if (!m) return null;
    i += m[0].length;
    if (text[i] !== '(') return { atom: m[0] };
    i++;
    const args: Node[] = [];
    for (;;) {
      const a = expr();
      if (!a) return null;
      args.push(a);
      if (text[i] === ',') i++;
      else if (text[i] === ')') {
        i++;
        return { fn: m[0], args };
      } else return null;
    }
  }
  const n = expr();
  return n && i === text.length ? n : null;
}

function atomWords(a: string): string | null {
  const [kind = '', period] = a.split('@');
  const k = kinds[kind];
  if (!k) return null;
  if (!period) return k;
  const s = period.split('+').map(season).join(' and ');
  // A seasonal naive is seasonal in itself; the others run on the series with its season taken out.
  return kind === 'snaive' || kind === 'mstl' ? `${s} ${k}` : `${s}-adjusted ${k}`;
}

function words(n: Node, nested = false): string | null {
  if ('atom' in n) return atomWords(n.atom);
  const parts = n.args.map((a) => words(a, true));
  if (parts.some((p) => p === null)) return null;
  if (n.fn === 'mean') {
    if (parts.length === 1) return parts[0]!;
    const avg = `average of ${parts.length} models: ${parts.join(', ')}`;
    return nested ? `(${avg})` : avg;
  }
  if (n.fn === 'ratio' && parts.length === 2) return `ratio of two forecasts: ${parts[0]} ÷ ${parts[1]}`;
  return null;
}

/** The model in words, starting with a capital; the API's name when it is not one we know. */
export function describeModel(name: string): string {
  const n = parse(name);
  const w = n && words(n);
  return w ? w.charAt(0).toUpperCase() + w.slice(1) : name;
}

export function ModelName({ name }: { name: string }) {
  const readable = describeModel(name);
  return (
    // An unknown name is one long word to a browser: it may break anywhere rather than run out of its card.
    <span className={readable === name ? 'wrap-anywhere' : undefined} title={name} data-model={name}>
      {readable}
    </span>
  );
}
