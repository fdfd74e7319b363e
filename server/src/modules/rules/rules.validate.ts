/**
 * Checks on a rule beyond its shape: units that fit each metric, a cron that parses and fires at most
 * every 15 minutes, actions that fit the level, and a scope naming entities of this organization.
 */
import { CronExpressionParser } from 'cron-parser';
import { invalidField, notFound } from '../../platform/errors.ts';
import type { Executor } from '../../storage/db.ts';
import { assertOwned } from '../../storage/owned.ts';
import { allowedUnits } from './rules.conditions.ts';
import type { Conditions, Leaf, RuleAction, RuleLevel, Scope } from './rules.schema.ts';

export const MIN_INTERVAL_MINUTES = 15;

/**
 * Units that fit each metric. A 400 names the condition's field like a schema issue does (the
 * message starts with it; `details.issues[0]` has `location` `body.conditions.conditions.0.unit`,
 * `path` and `allowed`), besides `metric`, `unit` and `allowed` at the top of `details`.
 */
export function validateConditions(tree: Conditions) {
  const located: Array<[Leaf, Array<string | number>]> = tree.conditions.flatMap((c, i) =>
    'match' in c
      ? c.conditions.map((l, j): [Leaf, Array<string | number>] => [
          l,
          ['conditions', 'conditions', i, 'conditions', j],
        ])
      : [[c, ['conditions', 'conditions', i]] as [Leaf, Array<string | number>]],
  );
  for (const [leaf, at] of located) {
    const unitIssue = (message: string, allowed: readonly string[]) => {
      return invalidField('body', [...at, 'unit'], message, {
        issue: { allowed },
        details: { metric: leaf.metric, unit: leaf.unit, allowed },
      });
    };
    if (leaf.compare === 'previous_window') {
      if (leaf.unit !== 'percent')
        throw unitIssue(
          `${leaf.metric}: a comparison with the previous window is a change in percent; use unit "percent"`,
          ['percent'],
        );
      continue;
    }
    if (!allowedUnits[leaf.metric].includes(leaf.unit))
      throw unitIssue(
        `${leaf.metric} is stated in ${allowedUnits[leaf.metric].join(' or ')}, not ${leaf.unit}`,
        allowedUnits[leaf.metric],
      );
  }
}

/**
 * Parses the cron and walks its ticks over eight days: any two closer than 15 minutes is refused
 * (400 `invalid_input`, `details.minIntervalMinutes` and `details.issues[0]` at the field: its
 * `location` is `body.schedule.cron`, `minIntervalMinutes` too). Rules use it as is (UTC,
 * `schedule.cron`); workflows pass their trigger's path in the body and time zone.
 */
export function validateCron(
  cron: string,
  from: Date,
  opts: { at?: Array<string | number>; timezone?: string } = {},
) {
  const at = opts.at ?? ['schedule', 'cron'];
  const tz = opts.timezone ?? 'UTC';
  const refuse = (message: string, extra: Record<string, unknown> = {}) =>
    invalidField('body', at, message, { issue: extra, details: { cron, ...extra } });
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw refuse(`A cron takes five fields (minute hour day month weekday), in ${tz}`);
  let ticks: ReturnType<typeof CronExpressionParser.parse>;
  try {
    ticks = CronExpressionParser.parse(cron, { currentDate: from, tz });
  } catch (e) {
    throw refuse(`The cron does not parse: ${e instanceof Error ? e.message : String(e)}`);
  }
  let tick = ticks.next().toDate();
  // Eight days of ticks from the first one (not from now: a cron whose first tick is weeks away,
  // such as every 5 minutes on the 1st of the month, must not pass unchecked).
  const horizon = tick.getTime() + 8 * 86_400_000;
  for (let i = 0; i < 1000 && tick.getTime() < horizon; i++) {
    const next = ticks.next().toDate();
    if (next.getTime() - tick.getTime() < MIN_INTERVAL_MINUTES * 60_000)
      throw refuse(
        `The cron fires more often than every ${MIN_INTERVAL_MINUTES} minutes (${tick.toISOString()} then ${next.toISOString()})`,
        { minIntervalMinutes: MIN_INTERVAL_MINUTES },
      );
    tick = next;
  }
}

/**
 * One changing action (pause, enable or budget) and one notify at most; budgets fit the level and
 * name one amount. A 400 points at the action (`body.actions.1`) or its amount in `details.issues`.
 */
export function validateActions(level: RuleLevel, actions: RuleAction[]) {
  const second = (match: (a: RuleAction) => boolean) =>
    actions.findIndex((a, i) => match(a) && actions.findIndex(match) < i);
  const extraChange = second((a) => a.type !== 'notify');
  if (extraChange >= 0)
    throw invalidField(
      'body',
      ['actions', extraChange],
      'A rule takes at most one of pause, enable, budget (plus notify)',
    );
  const extraNotify = second((a) => a.type === 'notify');
  if (extraNotify >= 0) throw invalidField('body', ['actions', extraNotify], 'One notify action at most');
  for (const [i, a] of actions.entries()) {
    if (a.type !== 'budget') continue;
    if (level === 'ad')
      throw invalidField(
        'body',
        ['actions', i],
        'Ads have no budget: a budget action needs scope.level campaign or ad_group',
      );
    if (a.percent !== undefined && a.amountMicros !== undefined)
      throw invalidField(
        'body',
        ['actions', i, 'amountMicros'],
        'A budget action takes exactly one of percent, amountMicros: send one, not both',
      );
    if (a.percent === undefined && a.amountMicros === undefined)
      throw invalidField(
        'body',
        ['actions', i],
        'A budget action takes exactly one of percent, amountMicros: neither was sent',
      );
  }
}

const tables = { campaign: 'campaigns', ad_group: 'ad_groups', ad: 'ads' } as const;

/** The scope names one way to pick entities, and they belong to this organization (else 404). */
export async function validateScope(trx: Executor, org: string, scope: Scope) {
  const ways = (['entityIds', 'clientId', 'campaignId'] as const).filter((k) => scope[k] !== undefined);
  if (ways.length > 1)
    throw invalidField(
      'body',
      ['scope', ways[1] as string],
      `Scope by one of entityIds, clientId, campaignId (or none: everything), not ${ways.join(' and ')}`,
    );
  if (scope.campaignId && scope.level === 'campaign')
    throw invalidField(
      'body',
      ['scope', 'campaignId'],
      'campaignId scopes the ad groups or ads of a campaign: use level ad_group or ad',
    );
  if (scope.clientId) await assertOwned(trx, org, 'client', scope.clientId);
  if (scope.campaignId) await assertOwned(trx, org, 'campaign', scope.campaignId);
  if (scope.entityIds) {
    const ids = [...new Set(scope.entityIds)];
    const found = await trx
      .selectFrom(tables[scope.level])
      .select('id')
      .where('organization_id', '=', org)
      .where('id', 'in', ids)
      .execute();
    const known = new Set(found.map((r) => r.id));
    const missing = ids.find((i) => !known.has(i));
    if (missing) throw notFound(scope.level.replace('_', ' '), missing);
  }
}
