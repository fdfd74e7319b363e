/**
 * `customers/{id}/<service>:mutate` for the fake: `update` operations with an updateMask on campaign,
 * ad group and ad group ad status and on campaign budget amounts; all-or-nothing like Google's
 * default (partialFailure false); `responseContentType: MUTABLE_RESOURCE` returns the resource.
 */
import type { FakeResponse } from '../fake-server.ts';
import type { GoogleAdsState } from './data.ts';
import { adsError } from './errors.ts';

type Json = Record<string, unknown>;

const SERVICES: Record<string, { key: string; mask: Record<string, string> }> = {
  campaigns: { key: 'campaign', mask: { status: 'status' } },
  adGroups: { key: 'adGroup', mask: { status: 'status' } },
  adGroupAds: { key: 'adGroupAd', mask: { status: 'status' } },
  // updateMask paths are camelCase over REST; snake_case is accepted too (unconfirmed at Google).
  campaignBudgets: {
    key: 'campaignBudget',
    mask: { amountMicros: 'amountMicros', amount_micros: 'amountMicros' },
  },
};

function resources(st: GoogleAdsState, service: string): Json[] {
  if (service === 'campaigns') return [...st.campaigns.values()];
  if (service === 'adGroups') return [...st.adGroups.values()];
  if (service === 'adGroupAds') return [...st.adGroupAds.values()];
  return [...st.budgets.values()];
}

/** Minimum currency unit in micros (USD: one cent). */
const minUnitMicros = (currency: string) => (['JPY', 'KRW', 'HUF'].includes(currency) ? 1_000_000 : 10_000);

export function mutate(
  st: GoogleAdsState,
  v: string,
  cid: string,
  service: string,
  body: unknown,
): FakeResponse {
  const spec = SERVICES[service];
  if (!spec) return { status: 404, text: 'Not Found' };
  const bad = (code: Record<string, string>, msg: string, index?: number) =>
    adsError(v, 400, 'INVALID_ARGUMENT', code, msg, undefined, index);
  const req = (body ?? {}) as {
    operations?: unknown;
    partialFailure?: unknown;
    validateOnly?: unknown;
    responseContentType?: unknown;
  };
  if (!Array.isArray(req.operations) || req.operations.length === 0)
    return bad({ requestError: 'REQUIRED_FIELD_MISSING' }, 'The operations field is required.');
  if (req.partialFailure === true)
    return bad({ requestError: 'UNKNOWN' }, 'fake: partialFailure is not supported');
  const pending: Array<{ target: Json; changes: Json }> = [];
  for (const [i, raw] of (req.operations as unknown[]).entries()) {
    const op = (raw ?? {}) as { update?: Json; updateMask?: unknown; create?: unknown; remove?: unknown };
    const kinds = ['create', 'update', 'remove'].filter((k) => (op as Json)[k] !== undefined);
    if (kinds.length !== 1)
      return bad(
        { requestError: 'BAD_RESOURCE_ID' },
        'Each operation needs exactly one of create, update, remove.',
        i,
      );
    if (!op.update)
      return bad(
        { requestError: 'UNKNOWN' },
        `fake: only update operations are supported, got ${kinds[0]}`,
        i,
      );
    const rn = op.update.resourceName;
    const target = resources(st, service).find((r) => r.resourceName === rn);
    if (typeof rn !== 'string' || !rn.startsWith(`customers/${cid}/`) || !target)
      return bad({ mutateError: 'RESOURCE_NOT_FOUND' }, 'The requested resource was not found.', i);
    if (typeof op.updateMask !== 'string' || !op.updateMask.trim())
      return bad(
        { fieldMaskError: 'FIELD_MASK_MISSING' },
        'The field mask must be provided for update operations.',
        i,
      );
    const changes: Json = {};
    for (const path of op.updateMask.split(',').map((p) => p.trim())) {
      const field = spec.mask[path];
      if (!field)
        return bad(
          { fieldMaskError: 'FIELD_NOT_FOUND' },
          `The field mask contained an invalid field: '${path}'.`,
          i,
        );
      // Google reads the value under the camelCase JSON name; fields outside the mask are ignored.
      const value = op.update[field] ?? op.update[path];
      if (field === 'status' && value !== 'ENABLED' && value !== 'PAUSED')
        return bad(
          { fieldError: 'INVALID_VALUE' },
          `Status must be ENABLED or PAUSED (removal is a remove operation), got ${String(value)}.`,
          i,
        );
      if (field === 'amountMicros') {
        const s = String(value);
        if (!/^\d+$/.test(s) || Number(s) <= 0)
          return bad({ fieldError: 'INVALID_VALUE' }, `Invalid amount_micros: ${s}.`, i);
        const currency = String(st.customers.get(cid)?.currencyCode ?? 'USD');
        if (Number(s) % minUnitMicros(currency) !== 0)
          return bad(
            { campaignBudgetError: 'NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT' },
            'Budget amount must be a multiple of the minimum currency unit.',
            i,
          );
        changes[field] = s;
      } else changes[field] = value;
    }
    pending.push({ target, changes });
  }
  if (req.validateOnly === true) return { json: {} };
  for (const { target, changes } of pending) Object.assign(target, changes);
  const full = req.responseContentType === 'MUTABLE_RESOURCE';
  return {
    json: {
      results: pending.map(({ target }) => ({
        resourceName: target.resourceName,
        ...(full ? { [spec.key]: structuredClone(target) } : {}),
      })),
    },
  };
}
