/**
 * What the seven agents share: the reporting period every input takes, and number formatting for
 * the template-written summaries (plain functions, no I/O).
 */
import { z } from 'zod';
import { AppError, invalidInput } from '../../../platform/errors.ts';
import { addDays, daysInclusive, isIsoDate, previousPeriod } from '../../analytics/periods.ts';
import type { Ctx } from '../../auth/context.ts';
import type { AgentServices } from '../agents.definition.ts';

export const isoDay = z.string().refine(isIsoDate, 'A calendar day written YYYY-MM-DD');

export const periodSchema = z
  .strictObject({ from: isoDay, to: isoDay })
  .refine((p) => p.from <= p.to, { message: '`from` is after `to`', path: ['from'] })
  .refine((p) => p.from > p.to || daysInclusive(p.from, p.to) <= 366, {
    message: 'A period covers at most 366 days',
    path: ['to'],
  })
  .describe('Days included, YYYY-MM-DD; default: the 28 days ending yesterday');

export type Period = z.infer<typeof periodSchema>;

/** The period asked for, or the 28 days ending yesterday (today is still incomplete). */
export function resolvePeriod(p: Period | undefined, now: Date, days = 28): Period {
  if (p) {
    if (p.from > p.to) throw invalidInput('`from` is after `to`', { field: 'period' });
    return p;
  }
  const to = addDays(now.toISOString().slice(0, 10), -1);
  return { from: addDays(to, -(days - 1)), to };
}

export const priorPeriod = (p: Period): Period => previousPeriod(p.from, p.to);

/** Micros to a "1,234.56 USD" string. */
export const money = (micros: number | null | undefined, currency: string) =>
  micros === null || micros === undefined
    ? 'n/a'
    : `${(micros / 1e6).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;

export const pct = (ratio: number | null | undefined, digits = 0) =>
  ratio === null || ratio === undefined || !Number.isFinite(ratio)
    ? 'n/a'
    : `${(ratio * 100).toFixed(digits)}%`;

export const signedPct = (ratio: number | null | undefined) =>
  ratio === null || ratio === undefined || !Number.isFinite(ratio)
    ? 'n/a'
    : `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%`;

export const ratio = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);

export const round = (v: number, digits = 4) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

export const clamp = (v: number, lo: number, hi: number) =>
  Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : lo;

/** Reads every page of a cursor-paginated service list (bounded, so a huge tenant cannot stall a run). */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  maxItems = 20_000,
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const p = await page(cursor);
    items.push(...p.items);
    if (!p.nextCursor) return { items, truncated: false };
    if (items.length >= maxItems) return { items, truncated: true };
    cursor = p.nextCursor;
  }
}

/**
 * Another organization's client or campaign is 404 before anything is read: the analytics filters
 * alone would answer zeros for a foreign id, which reads like "no data" instead of "not yours".
 */
export async function assertScope(
  tc: { ctx: Ctx; services: AgentServices },
  s: { clientId?: string | undefined; campaignId?: string | undefined },
) {
  if (s.clientId) await tc.services.clients.get(tc.ctx, s.clientId);
  if (s.campaignId) await tc.services.catalog.getCampaign(tc.ctx, s.campaignId);
}

/**
 * ORACLE refuses entities without data with a 422 `no_data`, and without enough of it with a 400 or
 * 409: a tool reports that as "not available" with the reason instead of failing the whole run.
 */
export async function orUnavailable<T>(
  f: () => Promise<T>,
): Promise<T | { available: false; reason: string }> {
  try {
    return await f();
  } catch (e) {
    if (
      e instanceof AppError &&
      (e.code === 'no_data' || e.code === 'invalid_input' || e.code === 'conflict')
    )
      return { available: false, reason: e.message };
    throw e;
  }
}
