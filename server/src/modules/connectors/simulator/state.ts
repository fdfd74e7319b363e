/**
 * What the simulator remembers between calls: write-backs (pause, enable, budget changes) and CRM
 * writes (contacts, workflow enrolments, messages), in a small port with an in-memory and a JSON
 * file implementation. The generated world itself is never stored: it is recomputed from the seed.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContactRecord, EntityStatus, WriteAction } from '../connector.port.ts';

/** One write-back as the simulator recorded it. */
export interface SimulatorActionRecord {
  accountExternalId: string;
  /** The action's date: the connection's endDate ("today") when it was applied. */
  date: string;
  /** The first day whose delivery obeys it: the day after `date`. */
  effectiveDate: string;
  action: WriteAction;
  recordedAt: string;
}

/** A contact written through the CRM API: a new one, or changes to a generated one. */
export interface StoredContact {
  externalId: string;
  locationId: string | null;
  created: boolean;
  fields: Partial<Omit<ContactRecord, 'externalId' | 'createdAt' | 'updatedAt'>>;
  createdAt: string;
  updatedAt: string;
}

export interface SimulatorState {
  version: 1;
  actions: SimulatorActionRecord[];
  contacts: StoredContact[];
  workflowEnrolments: Array<{ contactExternalId: string; workflowId: string; at: string }>;
  messages: Array<{
    messageId: string;
    contactExternalId: string;
    channel: 'SMS' | 'Email';
    subject: string | null;
    body: string;
    at: string;
  }>;
}

/**
 * Where simulator state lives, keyed by the connection's state key (`sim-<seed>` unless the
 * connection sets `stateKey`). `load` of an unknown key answers undefined; `save` replaces.
 */
export interface SimulatorStateStore {
  load(key: string): Promise<SimulatorState | undefined>;
  save(key: string, state: SimulatorState): Promise<void>;
}

export const emptyState = (): SimulatorState => ({
  version: 1,
  actions: [],
  contacts: [],
  workflowEnrolments: [],
  messages: [],
});

/** In-memory store; `peek` reads synchronously (for test harnesses). */
export function createMemoryStore(): SimulatorStateStore & { peek(key: string): SimulatorState | undefined } {
  const states = new Map<string, SimulatorState>();
  return {
    load: async (key) => {
      const s = states.get(key);
      return s && structuredClone(s);
    },
    save: async (key, state) => {
      states.set(key, structuredClone(state));
    },
    peek: (key) => {
      const s = states.get(key);
      return s && structuredClone(s);
    },
  };
}

/** One JSON file per key in `dir`, replaced atomically (write to a temporary file, then rename). */
export function createFileStore(dir: string): SimulatorStateStore {
  const file = (key: string) => join(dir, `${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  return {
    async load(key) {
      try {
        const state = JSON.parse(await readFile(file(key), 'utf8')) as SimulatorState;
        return { ...emptyState(), ...state };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async save(key, state) {
      await mkdir(dir, { recursive: true });
      const tmp = `${file(key)}.${randomUUID()}.tmp`;
      await writeFile(tmp, JSON.stringify(state, null, 1));
      await rename(tmp, file(key));
    },
  };
}

/**
 * Serialises read-modify-write cycles per key within this process, so two concurrent write-backs
 * cannot lose each other's update.
 */
export function createKeyedLock() {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, f: () => Promise<T>): Promise<T> => {
    const prev = tails.get(key) ?? Promise.resolve();
    const run = prev.then(f, f);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

export interface EntitySettings {
  status: EntityStatus;
  dailyBudgetMicros: number | null;
}

/**
 * An entity's settings after the recorded actions dated on or before `asOf` (every action when
 * `asOf` is omitted), starting from `base`. Actions apply in the order they were recorded.
 */
export function settingsAfter(
  base: EntitySettings,
  actions: readonly SimulatorActionRecord[],
  externalId: string,
  asOf?: string,
): EntitySettings {
  const out = { ...base };
  for (const a of actions) {
    if (a.action.externalId !== externalId || (asOf !== undefined && a.date > asOf)) continue;
    if (a.action.type === 'set_status') out.status = a.action.status;
    else out.dailyBudgetMicros = a.action.dailyBudgetMicros;
  }
  return out;
}
