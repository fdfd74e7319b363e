/** Display formatting. Money arrives as integer micros of a currency (1 unit = 1,000,000 micros). */

export function money(micros: number | null | undefined, currency = 'USD', compact = false): string {
  if (micros === null || micros === undefined || !Number.isFinite(micros)) return '—';
  const v = micros / 1_000_000;
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      notation: compact && Math.abs(v) >= 10_000 ? 'compact' : 'standard',
      maximumFractionDigits:
        Math.abs(v) >= 1000 && !(compact && Math.abs(v) >= 10_000)
          ? 0
          : compact && Math.abs(v) >= 10_000
            ? 1
            : 2,
    }).format(v);
  } catch {
    return `${v.toFixed(2)} ${currency}`;
  }
}

/**
 * Tick labels for a money axis: one format for the whole axis, chosen from the largest value it shows
 * (not per tick, which gave "€1,800" next to "€900.00"). Up to 10 units: cents on every tick ("$0.50",
 * "$1.00"); up to 10,000: whole units ("$0", "$900", "$1,800"); above: compact ("$10K", "$12.5K").
 */
export function moneyTicks(maxMicros: number, currency = 'USD'): (micros: number) => string {
  const max = Number.isFinite(maxMicros) ? Math.abs(maxMicros) / 1_000_000 : 0;
  const compact = max >= 10_000;
  const digits = compact ? 1 : max >= 10 ? 0 : 2;
  try {
    const f = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      notation: compact ? 'compact' : 'standard',
      minimumFractionDigits: compact ? 0 : digits,
      maximumFractionDigits: digits,
    });
    return (v) => (Number.isFinite(v) ? f.format(v / 1_000_000) : '—');
  } catch {
    return (v) => `${(v / 1_000_000).toFixed(digits)} ${currency}`;
  }
}

export function num(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return new Intl.NumberFormat('en-US', {
    maximumFractionDigits: digits,
    notation: Math.abs(v) >= 1_000_000 ? 'compact' : 'standard',
  }).format(v);
}

export function pct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${(v * 100).toFixed(digits)}%`;
}

export function ratio(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${v.toFixed(digits)}×`;
}

export function signedPct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const s = (v * 100).toFixed(1);
  return `${v > 0 ? '+' : ''}${s}%`;
}

export function date(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-US', {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function ago(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const s = (Date.now() - new Date(iso).getTime()) / 1000;
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export const platformLabel: Record<string, string> = {
  google_ads: 'Google Ads',
  meta: 'Meta',
  linkedin: 'LinkedIn',
  gohighlevel: 'GoHighLevel',
  simulator: 'Simulator',
};

export const platformName = (p: string | null | undefined) => (p ? (platformLabel[p] ?? p) : '—');

/** ISO day `n` days before `day` (UTC). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export const today = () => new Date().toISOString().slice(0, 10);

export function humanize(s: string): string {
  const t = s.replace(/[._]/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

const metricLabels: Record<string, string> = {
  spend: 'Spend',
  revenue: 'Revenue',
  conversions: 'Conversions',
  clicks: 'Clicks',
  impressions: 'Impressions',
  frequency: 'Frequency',
  roas: 'ROAS',
  cpa: 'CPA',
  cpc: 'CPC',
  cpm: 'CPM',
  ctr: 'CTR',
};

/** A metric's API name as people write it: words capitalized, acronyms in capitals ("Spend", "ROAS"). */
export function metricName(metric: string): string {
  return metricLabels[metric] ?? humanize(metric);
}
