/**
 * The shared ads and CRM contract suites against the simulator. The contract's scenarios are
 * served verbatim through the fixture mode (tokens.extra.fixture / crmFixture); failures are
 * injected into the simulator's in-process API, so they travel the same vendorRequest loop as a
 * real vendor's would. ctx.fetch throws: the simulator never touches the network.
 */
import { createMemoryBudget } from '../budget.ts';
import { type AdsHarness, adsConnectorContract, type FakeFailure } from '../connector.contract.ts';
import type { ConnectorContext, EntityStatus } from '../connector.port.ts';
import { type CrmHarness, crmConnectorContract } from '../gohighlevel/crm.contract.ts';
import { mergeContacts } from './crm-api.ts';
import { createMemoryStore, createSimulator, type SimulatorFaults } from './index.ts';
import { settingsAfter } from './state.ts';

function setup() {
  const store = createMemoryStore();
  let current = { failures: [] as FakeFailure[], requests: 0 };
  const faults: SimulatorFaults = {
    next() {
      current.requests++;
      return current.failures.shift();
    },
  };
  const definition = createSimulator({ store, faults });
  let run = 0;
  const start = (extra: Record<string, string>, pageSize: number) => {
    current = { failures: [], requests: 0 };
    const fake = current;
    const stateKey = `contract-${++run}`;
    const ctx: ConnectorContext = {
      tokens: {
        accessToken: 'simulator',
        refreshToken: null,
        expiresAt: null,
        scope: null,
        extra: { ...extra, stateKey, endDate: '2026-11-30' },
      },
      settings: { ...definition.defaultSettings, pageSize },
      fetch: (() => {
        throw new Error('the simulator must not use the network');
      }) as typeof fetch,
      budget: createMemoryBudget(),
    };
    const control = {
      inject(failure: FakeFailure, count = 1) {
        for (let i = 0; i < count; i++) fake.failures.push(failure);
      },
      requests: () => fake.requests,
      url: definition.defaultSettings.apiBaseUrl,
      close: async () => {},
    };
    return { ctx, control, state: () => store.peek(stateKey) };
  };
  return { definition, start };
}

const ads = setup();
const adsHarness: AdsHarness = {
  definition: ads.definition,
  supports: { reach: true, frequency: true, videoViews: true },
  budgetLevel: 'campaign',
  async start(scenario) {
    const { ctx, control, state } = ads.start({ fixture: JSON.stringify(scenario) }, scenario.pageSize);
    const all = [...scenario.structure.campaigns, ...scenario.structure.adGroups, ...scenario.structure.ads];
    const entity = (id: string): { status: EntityStatus; dailyBudgetMicros: number | null } | undefined => {
      const base = all.find((x) => x.externalId === id);
      if (!base) return undefined;
      const budget = 'dailyBudgetMicros' in base ? base.dailyBudgetMicros : null;
      return settingsAfter({ status: base.status, dailyBudgetMicros: budget }, state()?.actions ?? [], id);
    };
    return { ctx, fake: { ...control, entity } };
  },
};
adsConnectorContract('simulator', adsHarness);

const crm = setup();
const crmHarness: CrmHarness = {
  definition: crm.definition,
  supports: { currency: true, liFatId: true },
  async start(scenario) {
    const { ctx, control, state } = crm.start({ crmFixture: JSON.stringify(scenario) }, scenario.pageSize);
    return {
      ctx,
      fake: {
        ...control,
        contact: (id) =>
          mergeContacts(scenario.contacts, state()?.contacts ?? [], null).find((c) => c.externalId === id),
        workflowEnrolments: () =>
          (state()?.workflowEnrolments ?? []).map(({ contactExternalId, workflowId }) => ({
            contactExternalId,
            workflowId,
          })),
        messages: () =>
          (state()?.messages ?? []).map(({ contactExternalId, channel, subject, body, messageId }) => ({
            contactExternalId,
            channel,
            subject,
            body,
            messageId,
          })),
      },
    };
  },
};
crmConnectorContract('simulator', crmHarness);
