/**
 * The client portal's own session and API client. Portal tokens are kept apart from the agency's
 * (another storage key, another refresh endpoint), so signing in to one never signs in to the other.
 */
import { qs, send, toError } from '../../lib/api.ts';

export interface PortalTokens {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  slug: string;
}

const KEY = 'omnify.portal.session';

export function getPortalTokens(): PortalTokens | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as PortalTokens) : null;
  } catch {
    return null;
  }
}

export function setPortalTokens(t: PortalTokens | null) {
  if (t) localStorage.setItem(KEY, JSON.stringify(t));
  else localStorage.removeItem(KEY);
}

let refreshing: Promise<boolean> | null = null;
function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    const t = getPortalTokens();
    if (!t) return false;
    const res = await fetch('/api/v1/portal/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: t.refreshToken }),
    });
    if (!res.ok) {
      setPortalTokens(null);
      return false;
    }
    const pair = (await res.json()) as { accessToken: string; refreshToken: string };
    setPortalTokens({ ...t, accessToken: pair.accessToken, refreshToken: pair.refreshToken });
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

export const portalRequest = <T>(method: string, path: string, body?: unknown): Promise<T> =>
  send<T>(method, path, body, { token: () => getPortalTokens()?.accessToken ?? null, refresh });

export const portalGet = <T>(path: string, q?: Record<string, string | undefined>) =>
  portalRequest<T>('GET', `/api/v1/portal${path}${qs(q)}`);

/** Public: the branding of a portal before anyone signs in. */
export async function publicBranding(slug: string): Promise<PublicBranding> {
  const res = await fetch(`/api/v1/portal/branding${qs({ slug })}`, {
    headers: { accept: 'application/json' },
  });
  if (!res.ok) throw await toError(res);
  return (await res.json()) as PublicBranding;
}

export interface Branding {
  agencyName: string;
  logoUrl: string | null;
  primaryColor: string;
  accentColor: string;
  supportEmail: string | null;
}
export interface PublicBranding {
  slug: string | null;
  clientName: string | null;
  branding: Branding;
}
export interface Totals {
  impressions: number;
  clicks: number;
  spendMicros: number;
  conversions: number;
  conversionValueMicros: number;
  ctr: number | null;
  cpcMicros: number | null;
  cpaMicros: number | null;
  roas: number | null;
}
export interface Row extends Totals {
  day?: string;
  platform?: string | null;
  campaignId?: string | null;
  campaignName?: string | null;
}
export interface Change {
  previous: number | null;
  change: number | null;
  changeRatio: number | null;
}
export interface Me {
  user: { id: string; email: string; name: string };
  /** `currency`: the client's billing currency; every portal amount is in it. */
  client: { id: string; name: string; company: string | null; portalSlug: string | null; currency: string };
  organization: { id: string; name: string; reportingCurrency: string };
  branding: Branding;
}
export interface Warning {
  code: string;
  message: string;
  details: Record<string, unknown>;
}
/** Which days of a month have data (a month cut short by retention or by when data starts is partial). */
export interface MonthCoverage {
  month: string;
  days: number;
  firstDay: string | null;
  lastDay: string | null;
  daysWithData: number;
  partial: boolean;
}
export interface Overview {
  from: string;
  to: string;
  currency: string;
  totals: Totals;
  previous: { from: string; to: string; totals: Totals } | null;
  changes: Record<string, Change> | null;
  daily: Row[];
  byPlatform: Row[];
  warnings: Warning[];
}
export interface PortalCampaign {
  id: string;
  name: string;
  platform: string;
  status: string;
  objective: string | null;
  budgetCurrency: string;
  dailyBudgetMicros: number | null;
  metrics: (Omit<Totals, 'cpcMicros'> & { cpcMicros?: number | null }) | null;
}
export interface CampaignDetail {
  campaign: Omit<PortalCampaign, 'metrics'> & {
    startDate: string | null;
    endDate: string | null;
    adAccountName: string;
    adGroupCount: number;
    adCount: number;
  };
  from: string;
  to: string;
  currency: string;
  totals: Totals;
  changes: Record<string, Change> | null;
  daily: Row[];
  warnings: Warning[];
}
export interface Report {
  months: string[];
  report: {
    month: string;
    from: string;
    to: string;
    complete: boolean;
    currency: string;
    totals: Totals;
    previous: { month: string; totals: Totals };
    coverage: { current: MonthCoverage; previous: MonthCoverage };
    /** False when either month has data for only part of its days: `changes` is then null. */
    comparable: boolean;
    changes: Record<string, Change> | null;
    byPlatform: Row[];
    topCampaigns: Row[];
    daily: Row[];
    highlights: string[];
    warnings: Warning[];
  };
}
