/**
 * Cron schedules, shared by both adapters. Every consuming process runs the same timers; each tick
 * is enqueued with the idempotency key `cron:<name>:<tick ISO>`, and the unique key on the job row
 * makes that one job per tick however many processes fire it. Ticks that pass while no process
 * runs are not made up.
 */
import { CronExpressionParser } from 'cron-parser';
import type { Clock } from '../platform/clock.ts';
import { AppError } from '../platform/errors.ts';
import type { AnyJobDefinition, QueueLogger } from './queue.port.ts';

export interface CronEntry {
  def: AnyJobDefinition;
  expression: string;
  payload: unknown;
  timezone: string;
}

export type FireTick = (entry: CronEntry, tick: Date) => Promise<void>;

/** The first tick strictly after `after`. */
export function nextTick(expression: string, after: Date, timezone = 'UTC'): Date {
  return CronExpressionParser.parse(expression, { currentDate: after, tz: timezone }).next().toDate();
}

export const cronKey = (name: string, tick: Date) => `cron:${name}:${tick.toISOString()}`;

// setTimeout holds at most ~24.8 days; far ticks are re-armed on the way.
const MAX_TIMER_MS = 60 * 60_000;

export function createCronScheduler(deps: { clock: Clock; logger: QueueLogger; fire: FireTick }) {
  const entries = new Map<string, CronEntry>();
  const timers = new Map<string, NodeJS.Timeout>();
  let running = false;

  const arm = (entry: CronEntry, after: Date) => {
    const tick = nextTick(entry.expression, after, entry.timezone);
    const wait = Math.min(Math.max(0, tick.getTime() - deps.clock.now().getTime()), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      if (!running) return;
      if (deps.clock.now().getTime() < tick.getTime()) {
        // Woken early (a far tick, or timer drift): wait for the same tick again.
        arm(entry, new Date(tick.getTime() - 1));
        return;
      }
      deps.fire(entry, tick).catch((error: unknown) => {
        deps.logger.error({ err: error, job: entry.def.name, tick }, 'cron tick could not be enqueued');
      });
      arm(entry, new Date(Math.max(tick.getTime(), deps.clock.now().getTime())));
    }, wait);
    timers.set(entry.def.name, timer);
  };

  return {
    add(entry: CronEntry) {
      if (entries.has(entry.def.name)) {
        throw new AppError('conflict', `Job ${entry.def.name} already has a schedule`);
      }
      try {
        nextTick(entry.expression, deps.clock.now(), entry.timezone);
      } catch (e) {
        throw new AppError('invalid_input', `Invalid cron expression "${entry.expression}"`, {
          reason: e instanceof Error ? e.message : String(e),
        });
      }
      entries.set(entry.def.name, entry);
      if (running) arm(entry, deps.clock.now());
    },
    start() {
      if (running) return;
      running = true;
      for (const entry of entries.values()) arm(entry, deps.clock.now());
    },
    stop() {
      running = false;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
