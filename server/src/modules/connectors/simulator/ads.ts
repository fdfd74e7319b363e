/**
 * The ads side of the simulated vendor: accounts, structure, daily rows and write-backs, for a
 * generated agency or a fixed fixture. Answers are plain records; backend.ts pages and serialises
 * them, index.ts reads them back through the shared vendor HTTP loop.
 */
import type {
  AccountStructure,
  AdAccountRecord,
  DailyMetricRecord,
  WriteAction,
  WriteResult,
} from '../connector.port.ts';
import type { SimulatorConfig } from './config.ts';
import type { Engine } from './engine.ts';
import { dateOf, dayOf, isDate } from './random.ts';
import { listedAds, metricRows, structureAsOf } from './reports.ts';
import { type EntitySettings, type SimulatorActionRecord, settingsAfter } from './state.ts';

/** A vendor-side refusal: becomes an HTTP error answer, then a ConnectorError of kind `invalid`. */
export class SimulatorApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = (what: string, id: string) =>
  new SimulatorApiError(404, 'not_found', `${what} ${id} not found`);
const badRequest = (message: string) => new SimulatorApiError(400, 'bad_request', message);

export function listAccounts(engine: Engine, config: SimulatorConfig): AdAccountRecord[] {
  if (config.fixture) return [config.fixture.account];
  return engine.world(config).accounts.map((a) => ({
    externalId: a.externalId,
    platform: a.platform,
    name: a.name,
    currency: a.client.profile.currency,
    // LinkedIn has no account time zone: it reports UTC days, as the real connector does.
    timeZone: a.platform === 'linkedin' ? 'UTC' : a.client.profile.timeZone,
    status: 'active' as const,
  }));
}

export async function fetchStructure(
  engine: Engine,
  config: SimulatorConfig,
  accountExternalId: string,
): Promise<AccountStructure> {
  const state = await engine.state(config);
  const fixture = config.fixture;
  if (fixture) {
    if (fixture.account.externalId !== accountExternalId) throw notFound('Account', accountExternalId);
    const mine = state.actions.filter((a) => a.accountExternalId === accountExternalId);
    const withSettings = <T extends { externalId: string; status: EntitySettings['status'] }>(
      x: T,
      budget: number | null,
    ) => {
      const s = settingsAfter({ status: x.status, dailyBudgetMicros: budget }, mine, x.externalId);
      return {
        ...x,
        status: s.status,
        ...(budget === null ? {} : { dailyBudgetMicros: s.dailyBudgetMicros }),
      };
    };
    return {
      campaigns: fixture.structure.campaigns.map((c) => withSettings(c, c.dailyBudgetMicros)),
      adGroups: fixture.structure.adGroups.map((g) => withSettings(g, g.dailyBudgetMicros)),
      ads: fixture.structure.ads.map((a) => withSettings(a, null)),
    };
  }
  const account = engine.account(config, accountExternalId);
  if (!account) throw notFound('Account', accountExternalId);
  const { sim, controls } = engine.simulate(config, account, state.actions);
  return structureAsOf(sim, controls, config.windowStartDay);
}

export async function fetchMetrics(
  engine: Engine,
  config: SimulatorConfig,
  accountExternalId: string,
  range: { from: string; to: string },
): Promise<DailyMetricRecord[]> {
  if (!isDate(range.from) || !isDate(range.to) || range.from > range.to)
    throw badRequest(`Bad date range ${range.from}..${range.to}`);
  const fixture = config.fixture;
  if (fixture) {
    if (fixture.account.externalId !== accountExternalId) throw notFound('Account', accountExternalId);
    return fixture.metrics.filter((m) => m.date >= range.from && m.date <= range.to);
  }
  const account = engine.account(config, accountExternalId);
  if (!account) throw notFound('Account', accountExternalId);
  const from = Math.max(dayOf(range.from), config.windowStartDay);
  const to = Math.min(dayOf(range.to), config.endDay);
  if (from > to) return [];
  const { sim, controls } = engine.simulate(config, account, (await engine.state(config)).actions);
  return metricRows(sim, listedAds(sim, controls, config.windowStartDay), from, to);
}

function validate(action: WriteAction): void {
  if (action.type === 'set_status') {
    if (!['campaign', 'ad_group', 'ad'].includes(action.level))
      throw badRequest(`Unknown level ${action.level}`);
    if (action.status !== 'active' && action.status !== 'paused')
      throw badRequest(`Bad status ${action.status}`);
  } else if (action.type === 'set_daily_budget') {
    if (action.level !== 'campaign')
      throw badRequest('Simulator budgets live on campaigns; ad groups have no budget of their own');
    if (!Number.isSafeInteger(action.dailyBudgetMicros) || action.dailyBudgetMicros < 10_000)
      throw badRequest('dailyBudgetMicros must be a positive integer of at least one cent');
  } else throw badRequest(`Unknown action ${(action as { type: string }).type}`);
}

/** Records a write-back dated at the connection's endDate; delivery obeys it from the next day. */
export function applyAction(
  engine: Engine,
  config: SimulatorConfig,
  accountExternalId: string,
  action: WriteAction,
  recordedAt: string,
): Promise<WriteResult> {
  validate(action);
  return engine.update(config, async (state) => {
    const current = await fetchStructure(engine, config, accountExternalId);
    const listed =
      action.level === 'campaign'
        ? current.campaigns
        : action.level === 'ad_group'
          ? current.adGroups
          : current.ads;
    const entity = (listed as Array<{ externalId: string; status: EntitySettings['status'] }>).find(
      (x) => x.externalId === action.externalId,
    );
    if (!entity)
      throw notFound(
        { campaign: 'Campaign', ad_group: 'Ad group', ad: 'Ad' }[action.level],
        action.externalId,
      );
    const record: SimulatorActionRecord = {
      accountExternalId,
      date: config.endDate,
      effectiveDate: dateOf(config.endDay + 1),
      action,
      recordedAt,
    };
    state.actions.push(record);
    if (action.type === 'set_status')
      return {
        externalId: action.externalId,
        before: { status: entity.status },
        after: { status: action.status },
      };
    const budget = (entity as { dailyBudgetMicros?: number | null }).dailyBudgetMicros ?? null;
    return {
      externalId: action.externalId,
      before: { dailyBudgetMicros: budget },
      after: { dailyBudgetMicros: action.dailyBudgetMicros },
    };
  });
}
