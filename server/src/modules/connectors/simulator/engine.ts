/**
 * The simulator's working memory for one createSimulator() instance: worlds and account
 * simulations cached by everything they depend on (seed, size, window, write-backs), and the
 * state store behind a per-key lock. Nothing here is module-level: two simulators share nothing.
 */
import type { SimulatorConfig } from './config.ts';
import { type Controls, compileControls } from './controls.ts';
import { buildWorld, type SimAccount, type SimWorld } from './generator.ts';
import { type AccountSimulation, simulateAccount } from './model.ts';
import {
  createKeyedLock,
  createMemoryStore,
  emptyState,
  type SimulatorActionRecord,
  type SimulatorState,
  type SimulatorStateStore,
} from './state.ts';

function lru<V>(capacity: number) {
  const m = new Map<string, V>();
  return (key: string, make: () => V): V => {
    const hit = m.get(key);
    if (hit !== undefined) {
      m.delete(key);
      m.set(key, hit);
      return hit;
    }
    const v = make();
    m.set(key, v);
    if (m.size > capacity) m.delete(m.keys().next().value as string);
    return v;
  };
}

export interface Simulated {
  sim: AccountSimulation;
  controls: Controls;
}

export interface Engine {
  world(config: SimulatorConfig): SimWorld;
  account(config: SimulatorConfig, accountExternalId: string): SimAccount | undefined;
  simulate(
    config: SimulatorConfig,
    account: SimAccount,
    actions: readonly SimulatorActionRecord[],
  ): Simulated;
  /** Caches any derived dataset under a key that names everything it depends on. */
  memo<T>(key: string, make: () => T): T;
  state(config: SimulatorConfig): Promise<SimulatorState>;
  /** Loads, changes and saves the connection's state under a lock; returns what `change` returns. */
  update<T>(config: SimulatorConfig, change: (state: SimulatorState) => T | Promise<T>): Promise<T>;
}

export const worldKey = (c: SimulatorConfig) => `${c.seed}|${c.clients}|${c.scale}|${c.industry}`;

export function createEngine(store: SimulatorStateStore = createMemoryStore()): Engine {
  const worlds = lru<SimWorld>(8);
  const sims = lru<Simulated>(64);
  const memos = lru<unknown>(16);
  const lock = createKeyedLock();
  const world = (config: SimulatorConfig) =>
    worlds(worldKey(config), () =>
      buildWorld({
        seed: config.seed,
        clients: config.clients,
        scale: config.scale,
        industry: config.industry,
      }),
    );
  return {
    world,
    account: (config, id) => world(config).accounts.find((a) => a.externalId === id),
    simulate(config, account, actions) {
      const mine = actions.filter(
        (a) => a.accountExternalId === account.externalId && a.date <= config.endDate,
      );
      const key = [
        worldKey(config),
        account.externalId,
        config.windowStartDay,
        config.endDay,
        JSON.stringify(mine),
      ].join('|');
      return sims(key, () => {
        const controls = compileControls(account, mine, config.endDay);
        return { sim: simulateAccount(account, config.windowStartDay, config.endDay, controls), controls };
      });
    },
    memo: <T>(key: string, make: () => T) => memos(key, make) as T,
    state: async (config) => (await store.load(config.stateKey)) ?? emptyState(),
    update: (config, change) =>
      lock(config.stateKey, async () => {
        const state = (await store.load(config.stateKey)) ?? emptyState();
        const out = await change(state);
        await store.save(config.stateKey, state);
        return out;
      }),
  };
}
