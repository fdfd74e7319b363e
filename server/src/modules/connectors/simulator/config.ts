/**
 * A simulator "connection" is configured by ConnectorContext.tokens.extra (strings, as stored for
 * every connection; numbers are accepted where a caller builds it in code). Keys:
 *
 * - `seed`      agency seed, letters/digits/underscore (default `1`); the same seed is the same agency
 * - `days`      length of the reporting window in days, 1..730 (default 150)
 * - `endDate`   last day with data, `YYYY-MM-DD` (default today, UTC); "today" for write-backs
 * - `clients`   number of clients, 1..24 (default 3); each has a Google Ads, Meta and LinkedIn account
 * - `scale`     multiplies campaigns per account, 0.25..10 (default 1)
 * - `industry`  the first client's industry (dental, solar, saas, law, realestate, fitness); later
 *               clients follow in catalogue order (default: chosen by seed)
 * - `locationId` CRM side only: `sim-<seed>-<client>` restricts the CRM to one client (default all)
 * - `stateKey`  where write-backs are stored (default `sim-<seed>`)
 * - `fixture` / `crmFixture`  JSON of a fixed ads / CRM scenario served verbatim (contract tests)
 */
import {
  type AccountStructure,
  type AdAccountRecord,
  ConnectorError,
  type ContactRecord,
  type DailyMetricRecord,
  type OpportunityRecord,
  type PipelineRecord,
} from '../connector.port.ts';
import { clientProfiles } from './catalog.ts';
import { dayOf, isDate, todayUtc } from './random.ts';

export type SimulatorExtra = Record<string, string | number | undefined>;

/** A fixed ads scenario (the shape of the contract suite's AdsScenario). */
export interface AdsFixture {
  account: AdAccountRecord;
  structure: AccountStructure;
  metrics: DailyMetricRecord[];
  pageSize?: number;
}

/** A fixed CRM scenario (the shape of the CRM contract suite's CrmScenario). */
export interface CrmFixture {
  accountExternalId: string;
  currency: string;
  contacts: ContactRecord[];
  pipelines: PipelineRecord[];
  opportunities: OpportunityRecord[];
  pageSize?: number;
}

export interface SimulatorConfig {
  seed: string;
  days: number;
  endDate: string;
  endDay: number;
  windowStartDay: number;
  clients: number;
  scale: number;
  industry: string | null;
  locationId: string | null;
  stateKey: string;
  fixture: AdsFixture | null;
  crmFixture: CrmFixture | null;
}

/** A refused simulator setting: `field` is its key (`days`, `seed`, …). */
export class SimulatorSettingsError extends ConnectorError {
  readonly field: string;
  readonly problem: string;
  constructor(field: string, problem: string) {
    super('invalid', `Simulator settings: ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}

const invalid = (field: string, message: string) => new SimulatorSettingsError(field, message);

/**
 * The problems parseSimulatorConfig finds in a connection's settings (the first one), as the
 * connector definition's `validateSettings` reports them when a connection is created.
 */
export function simulatorSettingsProblems(
  extra: SimulatorExtra,
  now: Date = new Date(),
): Array<{ field: string; message: string }> {
  try {
    parseSimulatorConfig(extra, now);
    return [];
  } catch (e) {
    if (e instanceof SimulatorSettingsError) return [{ field: e.field, message: e.problem }];
    throw e;
  }
}

function numberIn(
  extra: SimulatorExtra,
  key: string,
  fallback: number,
  lo: number,
  hi: number,
  int: boolean,
) {
  const raw = extra[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < lo || n > hi || (int && !Number.isInteger(n)))
    throw invalid(
      key,
      `${key} must be ${int ? 'an integer' : 'a number'} in ${lo}..${hi}, got ${String(raw)}`,
    );
  return n;
}

function json<T>(extra: SimulatorExtra, key: string, check: (x: T) => boolean): T | null {
  const raw = extra[key];
  if (raw === undefined || raw === '') return null;
  try {
    const parsed = JSON.parse(String(raw)) as T;
    if (check(parsed)) return parsed;
  } catch {
    // fall through
  }
  throw invalid(key, `${key} is not a valid scenario`);
}

function isValidDate(s: string): boolean {
  try {
    return isDate(s);
  } catch {
    return false;
  }
}

export function parseSimulatorConfig(extra: SimulatorExtra, now: Date = new Date()): SimulatorConfig {
  const seed = String(extra.seed ?? '1');
  if (!/^[A-Za-z0-9_]{1,32}$/.test(seed))
    throw invalid('seed', 'seed must be 1-32 letters, digits or underscores');
  const endDate = String(extra.endDate ?? todayUtc(now));
  // isDate throws on an impossible month or day (2026-13-45): that is a refusal too.
  if (!isValidDate(endDate)) throw invalid('endDate', `endDate must be YYYY-MM-DD, got ${endDate}`);
  const days = numberIn(extra, 'days', 150, 1, 730, true);
  const endDay = dayOf(endDate);
  const industry = extra.industry === undefined || extra.industry === '' ? null : String(extra.industry);
  if (industry !== null && !clientProfiles.some((p) => p.key === industry))
    throw invalid('industry', `industry must be one of ${clientProfiles.map((p) => p.key).join(', ')}`);
  const locationId =
    extra.locationId === undefined || extra.locationId === '' ? null : String(extra.locationId);
  return {
    seed,
    days,
    endDate,
    endDay,
    windowStartDay: endDay - days + 1,
    clients: numberIn(extra, 'clients', 3, 1, 24, true),
    scale: numberIn(extra, 'scale', 1, 0.25, 10, false),
    industry,
    locationId,
    stateKey: String(extra.stateKey ?? `sim-${seed}`),
    fixture: json<AdsFixture>(
      extra,
      'fixture',
      (f) =>
        typeof f?.account?.externalId === 'string' &&
        Array.isArray(f.structure?.ads) &&
        Array.isArray(f.metrics),
    ),
    crmFixture: json<CrmFixture>(
      extra,
      'crmFixture',
      (f) =>
        typeof f?.accountExternalId === 'string' &&
        Array.isArray(f.contacts) &&
        Array.isArray(f.opportunities),
    ),
  };
}
