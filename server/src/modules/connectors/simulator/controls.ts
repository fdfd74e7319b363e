/**
 * Write-backs as the model sees them. Two clocks matter: a setting changes at once (the structure
 * fetched "as of" the action's date already shows it), while delivery obeys it from the next day
 * (the effective date). The agency's own plan (ads launch and retire, budgets move by block) and
 * the write-backs are merged by time: plan events happen at the start of their day, a write-back
 * during its day, and the latest one wins. A budget write-back replaces the plan for good.
 */

import { findAd, type SimAccount, type SimAd, type SimCampaign } from './generator.ts';
import { dayOf } from './random.ts';
import type { SimulatorActionRecord } from './state.ts';

export interface Controls {
  /** Status write-backs per entity, by action day, in recorded order. */
  status: Map<string, Array<{ day: number; active: boolean }>>;
  budgets: Map<string, Array<{ day: number; micros: number }>>;
  /** Launch day of every ad a write-back touched (the simulation must start by then). */
  touchedAdLaunchDays: Map<string, number>;
}

/** The account's write-backs dated on or before `endDay`. */
export function compileControls(
  account: SimAccount,
  actions: readonly SimulatorActionRecord[],
  endDay: number,
): Controls {
  const controls: Controls = { status: new Map(), budgets: new Map(), touchedAdLaunchDays: new Map() };
  const mine = actions
    .filter((a) => a.accountExternalId === account.externalId && dayOf(a.date) <= endDay)
    .map((a, order) => ({ a, order, day: dayOf(a.date) }))
    .sort((x, y) => x.day - y.day || x.order - y.order);
  for (const { a, day } of mine) {
    const id = a.action.externalId;
    if (a.action.type === 'set_status') {
      const list = controls.status.get(id) ?? [];
      list.push({ day, active: a.action.status === 'active' });
      controls.status.set(id, list);
      if (a.action.level === 'ad' && !controls.touchedAdLaunchDays.has(id)) {
        const ad = findAd(account, id);
        if (ad) controls.touchedAdLaunchDays.set(id, ad.launchDay);
      }
    } else {
      const list = controls.budgets.get(id) ?? [];
      list.push({ day, micros: a.action.dailyBudgetMicros });
      controls.budgets.set(id, list);
    }
  }
  return controls;
}

function lastBefore<T extends { day: number }>(xs: T[] | undefined, limit: number): T | undefined {
  if (!xs) return undefined;
  let found: T | undefined;
  for (const x of xs) if (x.day <= limit) found = x;
  return found;
}

function activeAt(controls: Controls, id: string, day: number, userLimit: number, ad?: SimAd): boolean {
  if (ad && day < ad.launchDay) return false;
  let planTime = Number.NEGATIVE_INFINITY;
  let planActive = true;
  if (ad) {
    planTime = ad.launchDay;
    if (day >= ad.retireDay) {
      planTime = ad.retireDay;
      planActive = false;
    }
  }
  const user = lastBefore(controls.status.get(id), userLimit);
  return user && user.day + 0.5 > planTime ? user.active : planActive;
}

/** Whether the entity's own status lets it deliver on `day` (write-backs count from the next day). */
export const isDelivering = (controls: Controls, id: string, day: number, ad?: SimAd) =>
  activeAt(controls, id, day, day - 1, ad);

/** The entity's status setting at the end of `day`. */
export const statusSetting = (controls: Controls, id: string, day: number, ad?: SimAd) =>
  activeAt(controls, id, day, day, ad) ? ('active' as const) : ('paused' as const);

type Plan = (c: SimCampaign, day: number) => number;

/** The budget that paces `day`: the last write-back before it, else the plan's. */
export function budgetOn(controls: Controls, c: SimCampaign, day: number, plan: Plan): number {
  return lastBefore(controls.budgets.get(c.externalId), day - 1)?.micros ?? plan(c, day);
}

/** The budget setting at the end of `day`. */
export function budgetSetting(controls: Controls, c: SimCampaign, day: number, plan: Plan): number {
  return lastBefore(controls.budgets.get(c.externalId), day)?.micros ?? plan(c, day);
}
