/**
 * The `simulator` connector: a generated agency (or a fixed fixture) behind the same AdsApi and
 * CrmApi as the real platforms, reached through the shared vendor HTTP loop over an in-process
 * fetch. Configure a connection with tokens.extra (see config.ts); write-backs and CRM writes go
 * to the SimulatorStateStore. See README.md for the model and its ground truth.
 */
import { type Clock, systemClock } from '../../../platform/clock.ts';
import {
  type AdAccountRecord,
  type AdsApi,
  type ConnectorContext,
  type ConnectorDefinition,
  ConnectorError,
  type ContactRecord,
  type CrmApi,
  type DailyMetricRecord,
  type OpportunityRecord,
  type PipelineRecord,
  type VendorSettings,
  type WriteResult,
} from '../connector.port.ts';
import { retryAfterMs, type VendorRequest, type VendorResponse, vendorRequest } from '../vendor-http.ts';
import { type SimulatorFaults, simulatorFetch } from './backend.ts';
import { parseSimulatorConfig, simulatorSettingsProblems } from './config.ts';
import { createEngine } from './engine.ts';
import type { SimulatorStateStore } from './state.ts';

export type { SimulatorFailure, SimulatorFaults } from './backend.ts';
export type { AdsFixture, CrmFixture, SimulatorConfig, SimulatorExtra } from './config.ts';
export { parseSimulatorConfig } from './config.ts';
export { type SimulatorGroundTruth, simulatorGroundTruth, writeGroundTruth } from './ground-truth.ts';
export {
  createFileStore,
  createMemoryStore,
  type SimulatorActionRecord,
  type SimulatorState,
  type SimulatorStateStore,
} from './state.ts';

export interface SimulatorOptions {
  /** Where write-backs and CRM writes live (default: in memory, per simulator instance). */
  store?: SimulatorStateStore;
  /** Wall clock for "today" (default endDate) and for timestamps of API writes. */
  clock?: Clock;
  /** Failure injection for tests: consulted before every simulated API call. */
  faults?: SimulatorFaults;
}

const defaultSettings: VendorSettings = {
  apiBaseUrl: 'http://simulator.local',
  authorizeUrl: 'http://simulator.local/oauth/authorize',
  tokenUrl: 'http://simulator.local/oauth/token',
  apiVersion: 'v1',
};

function classify(res: VendorResponse): ConnectorError | undefined {
  const message =
    (res.body as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
  const opts = { status: res.status, vendorCode: (res.body as { error?: { code?: string } })?.error?.code };
  if (res.status === 401 || res.status === 403) return new ConnectorError('auth', message, opts);
  if (res.status === 429)
    return new ConnectorError('rate_limited', message, { ...opts, retryAfterMs: retryAfterMs(res.headers) });
  if (res.status >= 500) return new ConnectorError('transient', message, opts);
  if (res.status >= 400) return new ConnectorError('invalid', message, opts);
  if (typeof res.body !== 'object' || res.body === null || !('data' in res.body))
    return new ConnectorError('transient', 'Malformed response from the simulator', opts);
  return undefined;
}

/**
 * Builds the simulator's ConnectorDefinition (platform `simulator`, no OAuth, ads and CRM). Each
 * instance has its own caches; connections share write-backs only through the store.
 */
export function createSimulator(opts: SimulatorOptions = {}): ConnectorDefinition {
  const engine = createEngine(opts.store);
  const clock = opts.clock ?? systemClock;

  function connect(ctx: ConnectorContext) {
    const config = parseSimulatorConfig(ctx.tokens.extra, clock.now());
    const fetch = simulatorFetch(engine, config, {
      now: () => clock.now(),
      ...(opts.faults ? { faults: opts.faults } : {}),
    });
    const base = ctx.settings.apiBaseUrl || defaultSettings.apiBaseUrl;
    const pageSize = ctx.settings.pageSize ?? config.fixture?.pageSize ?? config.crmFixture?.pageSize;
    const call = async <T>(req: VendorRequest): Promise<{ data: T; next: string | null }> => {
      const res = await vendorRequest(
        { ...ctx, fetch },
        { ...req, url: `${base}${req.url}` },
        {
          budgetKey: `simulator:${config.stateKey}`,
          classify,
        },
      );
      return res.body as { data: T; next: string | null };
    };
    async function* pages<T>(
      url: string,
      query: Record<string, string | undefined> = {},
    ): AsyncIterable<T[]> {
      let cursor: string | null = null;
      do {
        const res: { data: T[]; next: string | null } = await call<T[]>({
          url,
          query: { ...query, ...(cursor ? { cursor } : {}), ...(pageSize ? { limit: pageSize } : {}) },
        });
        if (!Array.isArray(res.data)) throw new ConnectorError('invalid', `Expected a list from ${url}`);
        if (res.data.length > 0) yield res.data;
        cursor = res.next ?? null;
      } while (cursor);
    }
    const all = async <T>(url: string) => {
      const out: T[] = [];
      for await (const p of pages<T>(url)) out.push(...p);
      return out;
    };
    return { call, pages, all };
  }

  const account = (id: string) => `/v1/accounts/${encodeURIComponent(id)}`;

  const ads: AdsApi = {
    async listAccounts(ctx) {
      return (await connect(ctx).call<AdAccountRecord[]>({ url: '/v1/accounts' })).data;
    },
    async fetchStructure(ctx, accountExternalId) {
      const c = connect(ctx);
      return {
        campaigns: await c.all(`${account(accountExternalId)}/campaigns`),
        adGroups: await c.all(`${account(accountExternalId)}/adgroups`),
        ads: await c.all(`${account(accountExternalId)}/ads`),
      };
    },
    // Generators all the way, so bad settings surface as a rejected iteration, not a synchronous throw.
    async *fetchDailyMetrics(ctx, accountExternalId, range) {
      const query = { from: range.from, to: range.to };
      yield* connect(ctx).pages<DailyMetricRecord>(`${account(accountExternalId)}/metrics`, query);
    },
    async apply(ctx, accountExternalId, action) {
      const url = `${account(accountExternalId)}/actions`;
      return (await connect(ctx).call<WriteResult>({ method: 'POST', url, json: { action } })).data;
    },
  };

  const contact = (id: string) => `/v1/crm/contacts/${encodeURIComponent(id)}`;
  const since = (p: { updatedSince?: string }) => (p.updatedSince ? { updatedSince: p.updatedSince } : {});

  const crm: CrmApi = {
    async *fetchContacts(ctx, p) {
      yield* connect(ctx).pages<ContactRecord>('/v1/crm/contacts', since(p));
    },
    async *fetchOpportunities(ctx, p) {
      yield* connect(ctx).pages<OpportunityRecord>('/v1/crm/opportunities', since(p));
    },
    async fetchPipelines(ctx) {
      return (await connect(ctx).call<PipelineRecord[]>({ url: '/v1/crm/pipelines' })).data;
    },
    async upsertContact(ctx, input) {
      return (
        await connect(ctx).call<{ externalId: string; created: boolean }>({
          method: 'POST',
          url: '/v1/crm/contacts',
          json: input,
        })
      ).data;
    },
    async addContactToWorkflow(ctx, contactExternalId, workflowId) {
      await connect(ctx).call({
        method: 'POST',
        url: `${contact(contactExternalId)}/workflows`,
        json: { workflowId },
      });
    },
    async sendMessage(ctx, p) {
      const json = {
        channel: p.channel,
        message: p.message,
        ...(p.subject === undefined ? {} : { subject: p.subject }),
      };
      return (
        await connect(ctx).call<{ messageId: string }>({
          method: 'POST',
          url: `${contact(p.contactExternalId)}/messages`,
          json,
        })
      ).data;
    },
    /** The simulator sends no webhooks, so no signature is ever valid. */
    verifyWebhook: () => false,
  };

  return {
    platform: 'simulator',
    displayName: 'Simulator',
    defaultSettings,
    oauth: null,
    ads,
    crm,
    validateSettings: simulatorSettingsProblems,
  };
}
