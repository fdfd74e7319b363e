/**
 * The contract suite every CRM connector passes against a local fake of its vendor (GoHighLevel here,
 * the simulator's CRM side too). The scenario is in Omnify's terms; each fake serves it in its
 * vendor's shapes, so the suite checks paging, mapping, money, failures and write-backs end to end.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBudget } from '../budget.ts';
import type { FakeFailure } from '../connector.contract.ts';
import {
  type ConnectorContext,
  type ConnectorDefinition,
  ConnectorError,
  type ContactRecord,
  type OAuthApp,
  type OpportunityRecord,
  type PipelineRecord,
} from '../connector.port.ts';
import { makeCrmScenario } from './crm.scenario.ts';

export { makeCrmScenario } from './crm.scenario.ts';

export interface CrmScenario {
  /** The CRM account (GoHighLevel sub-account / location) the connection is installed on. */
  accountExternalId: string;
  currency: string;
  contacts: ContactRecord[];
  pipelines: PipelineRecord[];
  opportunities: OpportunityRecord[];
  /** Fakes page at this size so that every list needs several pages. */
  pageSize: number;
}

export interface SentMessage {
  contactExternalId: string;
  channel: 'SMS' | 'Email';
  subject: string | null;
  /** The body as the vendor received it (plain text for SMS, possibly HTML for email). */
  body: string;
  messageId: string;
}

export interface CrmFakeControl {
  /** The next `count` API calls (not token calls) fail the way this vendor fails. */
  inject(failure: FakeFailure, count?: number): void;
  /** API calls served so far (token endpoint excluded). */
  requests(): number;
  /** A contact's state in the fake, after write-backs. */
  contact(externalId: string): ContactRecord | undefined;
  workflowEnrolments(): Array<{ contactExternalId: string; workflowId: string }>;
  messages(): SentMessage[];
  /** Signs a webhook body the way the vendor does (with the key the harness's settings trust). */
  signWebhook?(rawBody: Buffer): Record<string, string>;
  url: string;
  close(): Promise<void>;
}

export interface CrmHarness {
  definition: ConnectorDefinition;
  /** What the vendor can report; unsupported values are expected as null. */
  supports: { currency: boolean; liFatId: boolean };
  /** Starts the fake serving the scenario, and a context whose settings and tokens point at it. */
  start(scenario: CrmScenario): Promise<{ ctx: ConnectorContext; fake: CrmFakeControl }>;
  oauthApp?: OAuthApp;
}

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

const byId = <T extends { externalId: string }>(xs: T[]) =>
  [...xs].sort((a, b) => a.externalId.localeCompare(b.externalId));

/** Registers the contract suite for one CRM connector. */
export function crmConnectorContract(name: string, harness: CrmHarness) {
  const crm = harness.definition.crm;
  const expectContacts = (xs: ContactRecord[]) =>
    byId(xs).map((c) => ({
      ...c,
      attribution: { ...c.attribution, liFatId: harness.supports.liFatId ? c.attribution.liFatId : null },
    }));
  const expectOpportunities = (sc: CrmScenario, xs: OpportunityRecord[]) =>
    byId(xs).map((o) => ({ ...o, currency: harness.supports.currency ? sc.currency : null }));
  const run = async (f: (sc: CrmScenario, ctx: ConnectorContext, fake: CrmFakeControl) => Promise<void>) => {
    const sc = makeCrmScenario();
    const { ctx, fake } = await harness.start(sc);
    try {
      await f(sc, ctx, fake);
    } finally {
      await fake.close();
    }
  };

  describe(`${name} CRM connector contract`, () => {
    it('has a CRM API', () => {
      expect(crm).toBeDefined();
    });

    it('reads every contact with its attribution across pages', () =>
      run(async (sc, ctx, fake) => {
        const got = await collect(crm!.fetchContacts(ctx, {}));
        expect(byId(got)).toEqual(expectContacts(sc.contacts));
        expect(fake.requests()).toBeGreaterThan(2);
      }));

    it('reads only the contacts changed since a time', () =>
      run(async (sc, ctx) => {
        const since = '2026-11-10T00:00:00.000Z';
        const got = await collect(crm!.fetchContacts(ctx, { updatedSince: since }));
        const want = sc.contacts.filter((c) => c.updatedAt >= since);
        expect(want.length).toBeGreaterThan(0);
        expect(byId(got)).toEqual(expectContacts(want));
      }));

    it('reads pipelines with their stages in order', () =>
      run(async (sc, ctx) => {
        expect(byId(await crm!.fetchPipelines(ctx))).toEqual(byId(sc.pipelines));
      }));

    it('reads open, won, lost and abandoned opportunities with values in micros and close times', () =>
      run(async (sc, ctx, fake) => {
        const got = await collect(crm!.fetchOpportunities(ctx, {}));
        expect(byId(got)).toEqual(expectOpportunities(sc, sc.opportunities));
        expect(new Set(got.map((o) => o.status))).toEqual(new Set(['open', 'won', 'lost', 'abandoned']));
        expect(fake.requests()).toBeGreaterThan(2);
        const since = '2026-11-15T00:00:00.000Z';
        const recent = await collect(crm!.fetchOpportunities(ctx, { updatedSince: since }));
        expect(byId(recent)).toEqual(
          expectOpportunities(
            sc,
            sc.opportunities.filter((o) => o.updatedAt >= since),
          ),
        );
      }));

    it('upserts a contact: creates it, then updates the same one', () =>
      run(async (_sc, ctx, fake) => {
        const email = 'nia.okafor@example.com';
        const first = await crm!.upsertContact(ctx, {
          email,
          phone: '+15555550142',
          firstName: 'Nia',
          lastName: 'Okafor',
          source: 'omnify',
          tags: ['lead'],
        });
        expect(first.created).toBe(true);
        expect(fake.contact(first.externalId)).toMatchObject({ email, firstName: 'Nia', tags: ['lead'] });
        const second = await crm!.upsertContact(ctx, {
          email,
          firstName: 'Nia-Rose',
          tags: ['lead', 'booked'],
        });
        expect(second).toEqual({ externalId: first.externalId, created: false });
        expect(fake.contact(first.externalId)).toMatchObject({
          email,
          firstName: 'Nia-Rose',
          lastName: 'Okafor',
          tags: ['lead', 'booked'],
        });
        const all = await collect(crm!.fetchContacts(ctx, {}));
        expect(all.find((c) => c.externalId === first.externalId)?.firstName).toBe('Nia-Rose');
      }));

    it('enrols a contact in a workflow and sends SMS and email messages', () =>
      run(async (sc, ctx, fake) => {
        const contact = sc.contacts[0]!.externalId;
        await crm!.addContactToWorkflow(ctx, contact, 'wf-nurture-1');
        expect(fake.workflowEnrolments()).toContainEqual({
          contactExternalId: contact,
          workflowId: 'wf-nurture-1',
        });
        const sms = await crm!.sendMessage(ctx, {
          contactExternalId: contact,
          channel: 'SMS',
          message: 'See you at 3pm',
        });
        const email = await crm!.sendMessage(ctx, {
          contactExternalId: contact,
          channel: 'Email',
          subject: 'Your quote',
          message: 'Your quote is ready',
        });
        expect(sms.messageId).not.toBe(email.messageId);
        const sent = fake.messages();
        expect(sent).toContainEqual(
          expect.objectContaining({ contactExternalId: contact, channel: 'SMS', body: 'See you at 3pm' }),
        );
        const mail = sent.find((m) => m.messageId === email.messageId);
        expect(mail).toMatchObject({ contactExternalId: contact, channel: 'Email', subject: 'Your quote' });
        expect(mail?.body).toContain('Your quote is ready');
      }));

    it('maps an expired token to an auth error without retrying', () =>
      run(async (_sc, ctx, fake) => {
        fake.inject('expired_token', 1);
        const err = await collect(crm!.fetchContacts(ctx, {})).catch((e) => e);
        expect(err).toBeInstanceOf(ConnectorError);
        expect((err as ConnectorError).kind).toBe('auth');
        expect(fake.requests()).toBe(1);
      }));

    it('waits as the vendor asks on a rate limit, then finishes with exactly the expected rows', () =>
      run(async (sc, ctx, fake) => {
        // A budget on a fake clock: waiting advances time instead of spinning on the real one.
        const waits: number[] = [];
        let clock = Date.now();
        const budget = createMemoryBudget(
          {},
          {
            now: () => clock,
            sleep: async (ms) => {
              waits.push(ms);
              clock += ms;
            },
          },
        );
        fake.inject('rate_limited', 2);
        const got = await collect(crm!.fetchContacts({ ...ctx, budget, sleep: async () => {} }, {}));
        expect(byId(got)).toEqual(expectContacts(sc.contacts));
        expect(waits.length).toBeGreaterThanOrEqual(1);
        expect(waits.every((ms) => ms > 0)).toBe(true);
      }));

    it('retries server errors and still returns every row once', () =>
      run(async (sc, ctx, fake) => {
        fake.inject('server_error', 2);
        const got = await collect(crm!.fetchOpportunities({ ...ctx, sleep: async () => {} }, {}));
        expect(byId(got)).toEqual(expectOpportunities(sc, sc.opportunities));
      }));

    it('fails with a connector error, not a crash or partial data, when responses stay malformed', () =>
      run(async (_sc, ctx, fake) => {
        fake.inject('malformed', 1000);
        const err = await collect(crm!.fetchContacts({ ...ctx, sleep: async () => {} }, {})).catch((e) => e);
        expect(err).toBeInstanceOf(ConnectorError);
        expect(['transient', 'invalid']).toContain((err as ConnectorError).kind);
      }));

    it('accepts a correctly signed webhook and rejects a bad or tampered one', () =>
      run(async (sc, ctx, fake) => {
        if (!fake.signWebhook) return;
        const raw = Buffer.from(
          JSON.stringify({ type: 'ContactCreate', locationId: sc.accountExternalId, id: 'c-new-1' }),
        );
        const headers = fake.signWebhook(raw);
        expect(crm!.verifyWebhook(raw, headers, ctx.settings)).toBe(true);
        const tampered = Buffer.from(raw.toString('utf8').replace('c-new-1', 'c-new-2'));
        expect(crm!.verifyWebhook(tampered, headers, ctx.settings)).toBe(false);
        const other = fake.signWebhook(Buffer.from('{"type":"ContactDelete"}'));
        expect(crm!.verifyWebhook(raw, other, ctx.settings)).toBe(false);
        expect(crm!.verifyWebhook(raw, {}, ctx.settings)).toBe(false);
      }));

    it.runIf(harness.definition.oauth !== null)(
      'builds an authorization URL with state, exchanges a code for working tokens and refreshes them',
      () =>
        run(async (sc, ctx) => {
          const app = harness.oauthApp ?? {
            clientId: 'client-123',
            clientSecret: 'secret-456',
            redirectUri: 'http://localhost:3000/api/v1/connections/oauth/callback',
          };
          const oauth = harness.definition.oauth!;
          const url = new URL(oauth.authorizationUrl(app, ctx.settings, { state: 'st4te' }));
          expect(url.searchParams.get('state')).toBe('st4te');
          expect(url.searchParams.get('client_id')).toBe(app.clientId);
          expect(url.searchParams.get('redirect_uri')).toBe(app.redirectUri);
          const tokens = await oauth.exchangeCode(
            app,
            ctx.settings,
            { code: 'good-code' },
            { fetch: ctx.fetch },
          );
          expect(tokens.accessToken.length).toBeGreaterThan(0);
          expect(await crm!.fetchPipelines({ ...ctx, tokens })).toHaveLength(sc.pipelines.length);
          const refreshed = await oauth.refresh(app, ctx.settings, tokens, { fetch: ctx.fetch });
          expect(refreshed.accessToken).not.toBe(tokens.accessToken);
          expect(await crm!.fetchPipelines({ ...ctx, tokens: refreshed })).toHaveLength(sc.pipelines.length);
          const bad = await oauth
            .exchangeCode(app, ctx.settings, { code: 'bad-code' }, { fetch: ctx.fetch })
            .catch((e) => e);
          expect(bad).toBeInstanceOf(ConnectorError);
          expect((bad as ConnectorError).kind).toBe('auth');
        }),
    );
  });
}
