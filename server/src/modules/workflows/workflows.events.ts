/**
 * A small in-process event hub, so that modules built before workflows (sync, ORACLE) can announce
 * what happened without depending on workflows. `emit` runs inside the emitter's transaction: the
 * runs an event starts commit with the change that caused it, or not at all.
 */
import type { Executor } from '../../storage/db.ts';
import type { WorkflowEventType } from './workflows.definition.ts';

export type EventPayload = { eventId: string } & Record<string, unknown>;
export type EventListener = (
  trx: Executor,
  organizationId: string,
  type: WorkflowEventType,
  payload: EventPayload,
) => Promise<void>;

export interface DomainEvents {
  emit: EventListener;
}

export function createEventHub(): DomainEvents & { listen(fn: EventListener): void } {
  const listeners: EventListener[] = [];
  return {
    async emit(trx, organizationId, type, payload) {
      for (const l of listeners) await l(trx, organizationId, type, payload);
    },
    listen(fn) {
      listeners.push(fn);
    },
  };
}
