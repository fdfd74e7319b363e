/**
 * Graph API conventions for the Meta fake: money as decimal strings, minor-unit budgets, statuses,
 * the `fields=` projection with nested `creative{…}` (unknown fields are errors), and error bodies.
 */
import { randomBytes } from 'node:crypto';
import type { EntityStatus } from '../../../src/modules/connectors/connector.port.ts';

export type Obj = Record<string, unknown>;

const OFFSET_ONE = new Set(['CLP', 'COP', 'CRC', 'HUF', 'IDR', 'ISK', 'JPY', 'KRW', 'PYG', 'TWD', 'VND']);
export const microsPerMinor = (currency: string) => (OFFSET_ONE.has(currency) ? 1_000_000 : 10_000);

/** Integer micros → Meta's decimal string in major units ("187.42"), without float arithmetic. */
export function microsToDecimal(micros: number): string {
  const whole = Math.floor(micros / 1_000_000);
  const frac = String(micros % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return `${whole}.${frac.padEnd(2, '0')}`;
}

export const metaStatus = (s: EntityStatus) =>
  s === 'active' ? 'ACTIVE' : s === 'paused' ? 'PAUSED' : s === 'removed' ? 'ARCHIVED' : 'IN_PROCESS';
export const omnifyStatus = (s: unknown): EntityStatus =>
  s === 'ACTIVE'
    ? 'active'
    : s === 'PAUSED'
      ? 'paused'
      : s === 'ARCHIVED' || s === 'DELETED'
        ? 'removed'
        : 'other';

/** Fields each node type knows; asking for another is Meta's (#100) nonexisting-field error. */
export const KNOWN_FIELDS: Record<string, string[]> = Object.fromEntries(
  Object.entries({
    AdAccount:
      'id account_id name currency timezone_name timezone_offset_hours_utc account_status amount_spent',
    Campaign:
      'id account_id name status effective_status configured_status objective buying_type daily_budget lifetime_budget start_time stop_time created_time updated_time',
    AdSet:
      'id account_id campaign_id name status effective_status configured_status daily_budget lifetime_budget start_time end_time optimization_goal created_time updated_time',
    Ad: 'id account_id adset_id campaign_id name status effective_status configured_status creative created_time updated_time',
    AdCreative:
      'id name title body call_to_action_type image_url image_hash video_id thumbnail_url object_type link_url object_story_spec asset_feed_spec effective_object_story_id',
    AdsInsights:
      'account_id account_currency ad_id ad_name adset_id adset_name campaign_id campaign_name impressions clicks inline_link_clicks spend reach frequency cpc cpm ctr actions action_values conversions conversion_values video_play_actions date_start date_stop',
  }).map(([type, fields]) => [type, fields.split(' ')]),
);

export interface FieldSpec {
  name: string;
  sub: FieldSpec[] | null;
}

/** `id,name,creative{id,title}` → a tree. Returns null when braces do not balance. */
export function parseFields(raw: string): FieldSpec[] | null {
  const out: FieldSpec[] = [];
  let i = 0;
  const parseList = (into: FieldSpec[]): boolean => {
    while (i < raw.length) {
      const m = /^[A-Za-z0-9_.]+/.exec(raw.slice(i));
      if (!m) return false;
      i += m[0].length;
      let sub: FieldSpec[] | null = null;
      if (raw[i] === '{') {
        i++;
        sub = [];
        if (!parseList(sub) || raw[i] !== '}') return false;
        i++;
      }
      into.push({ name: m[0], sub });
      if (raw[i] === ',') i++;
      else return true;
    }
    return true;
  };
  return parseList(out) && i === raw.length ? out : null;
}

export class GraphError {
  constructor(
    readonly status: number,
    readonly error: Obj,
  ) {}
}

export const graphError = (status: number, code: number, message: string, extra: Obj = {}) =>
  new GraphError(status, {
    message,
    type: code === 100 ? 'GraphMethodException' : 'OAuthException',
    code,
    ...extra,
    fbtrace_id: randomBytes(8).toString('base64url'),
  });

/** Keeps the requested fields that are set; an unknown field is an error, as on Graph. */
export function project(
  o: Obj,
  type: string,
  fields: FieldSpec[],
  childType: Record<string, string> = {},
): Obj {
  const out: Obj = {};
  for (const f of fields) {
    if (!KNOWN_FIELDS[type]?.includes(f.name))
      throw graphError(
        400,
        100,
        `(#100) Tried accessing nonexisting field (${f.name}) on node type (${type})`,
      );
    const v = o[f.name];
    if (v === undefined) continue;
    const sub = childType[f.name];
    out[f.name] = f.sub && sub && typeof v === 'object' && v !== null ? project(v as Obj, sub, f.sub) : v;
  }
  return out;
}
