import { beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorError, ContactRecord, OpportunityRecord, PipelineRecord } from '../connector.port.ts';
import { parseSimulatorConfig } from './config.ts';
import { createEngine } from './engine.ts';
import { createSimulator } from './index.ts';
import { type AgencySnapshot, addDays, collect, fetchAgency, simContext } from './testing.ts';

const END = '2026-11-20';
const extra = { seed: '42', endDate: END };
const definition = createSimulator();
const crm = definition.crm!;
const ctx = simContext(definition, extra);
let agency: AgencySnapshot;
let contacts: ContactRecord[];
let opportunities: OpportunityRecord[];
let pipelines: PipelineRecord[];

beforeAll(async () => {
  agency = await fetchAgency(definition, extra);
  contacts = await collect(crm.fetchContacts(ctx, {}));
  opportunities = await collect(crm.fetchOpportunities(ctx, {}));
  pipelines = await crm.fetchPipelines(ctx);
});

const clickIdKey = { google_ads: 'gclid', meta: 'fbclid', linkedin: 'liFatId' } as const;

describe('simulator CRM', () => {
  it('turns conversions into contacts carrying the click id and UTM tags of an ad that exists', () => {
    const ads = new Map(
      [...agency.structure.entries()].flatMap(([account, s]) =>
        s.ads.map((a) => [a.externalId, { account, ad: a }]),
      ),
    );
    const paid = contacts.filter((c) => c.attribution.utmContent !== null);
    const organic = contacts.filter((c) => c.attribution.utmContent === null);
    expect(paid.length).toBeGreaterThan(1000);
    expect(organic.length).toBeGreaterThan(0);
    const clickIds = new Set<string>();
    for (const c of paid) {
      const hit = ads.get(c.attribution.utmContent!);
      expect(hit, c.attribution.utmContent!).toBeDefined();
      const platform = hit!.account.split('-').slice(3).join('-') as keyof typeof clickIdKey;
      expect(c.attribution.utmCampaign).toBe(hit!.ad.campaignExternalId);
      const ids = (['gclid', 'fbclid', 'liFatId'] as const).filter((k) => c.attribution[k] !== null);
      expect(ids).toEqual([clickIdKey[platform]]);
      clickIds.add(c.attribution[clickIdKey[platform]]!);
      expect(c.createdAt >= addDays(END, -149)).toBe(true);
      expect(c.createdAt <= `${END}T23:59:59.999Z`).toBe(true);
    }
    expect(clickIds.size).toBe(paid.length);
    expect(paid.some((c) => c.attribution.gclid?.startsWith('Cj0KCQ'))).toBe(true);
    expect(
      organic.every((c) => !c.attribution.gclid && !c.attribution.fbclid && !c.attribution.liFatId),
    ).toBe(true);
    // Every conversion the platforms report is a contact; contacts also include conversions a
    // tracking break hid from the platform.
    const reported = [...agency.rows.values()].flat().reduce((s, r) => s + r.conversions, 0);
    expect(paid.length).toBeGreaterThanOrEqual(reported);
    expect(paid.length).toBeLessThan(1.3 * reported);
  });

  it('gives contacts opportunities in their client pipeline, with sensible values and close times', () => {
    const contactIds = new Set(contacts.map((c) => c.externalId));
    const stages = new Map(pipelines.map((p) => [p.externalId, p.stages.map((s) => s.externalId)]));
    expect(pipelines).toHaveLength(3);
    expect(new Set(opportunities.map((o) => o.status))).toEqual(
      new Set(['open', 'won', 'lost', 'abandoned']),
    );
    for (const o of opportunities) {
      expect(contactIds.has(o.contactExternalId!)).toBe(true);
      expect(stages.get(o.pipelineExternalId)).toContain(o.stageExternalId);
      expect(o.valueMicros % 1_000_000).toBe(0);
      expect(o.valueMicros).toBeGreaterThan(0);
      expect(o.wonAt !== null).toBe(o.status === 'won');
      expect(o.lostAt !== null).toBe(o.status === 'lost');
      if (o.status === 'won') expect(o.stageExternalId).toBe(stages.get(o.pipelineExternalId)!.at(-1));
      expect(o.updatedAt >= o.createdAt && o.updatedAt <= `${END}T23:59:59.999Z`).toBe(true);
    }
    expect(opportunities.length / contacts.length).toBeGreaterThan(0.4);
    expect(opportunities.length / contacts.length).toBeLessThan(0.9);
    const world = createEngine().world(parseSimulatorConfig(extra));
    for (const client of world.clients) {
      const profile = client.profile;
      const won = opportunities.filter(
        (o) => o.status === 'won' && o.pipelineExternalId === `${client.externalId}-pipeline`,
      );
      expect(won.every((o) => o.currency === profile.currency)).toBe(true);
      const mean = won.reduce((s, o) => s + o.valueMicros, 0) / won.length / 1_000_000;
      expect(mean).toBeGreaterThan(0.5 * profile.dealValue);
      expect(mean).toBeLessThan(2 * profile.dealValue);
    }
  });

  it('lets won customers buy again later (recall visits, renewals), more often where the business repeats more', () => {
    const world = createEngine().world(parseSimulatorConfig(extra));
    const share = new Map<string, number>();
    for (const client of world.clients) {
      const won = opportunities.filter(
        (o) => o.status === 'won' && o.pipelineExternalId === `${client.externalId}-pipeline`,
      );
      const byContact = new Map<string, typeof won>();
      for (const o of won)
        byContact.set(o.contactExternalId!, [...(byContact.get(o.contactExternalId!) ?? []), o]);
      let repeaters = 0;
      for (const deals of byContact.values()) {
        if (deals.length < 2) continue;
        repeaters++;
        const [first, ...later] = [...deals].sort((a, b) => (a.wonAt! < b.wonAt! ? -1 : 1));
        // The first deal went through the pipeline; the later ones are the profile's repeat purchase.
        expect(first!.name.endsWith(client.profile.repeat.name)).toBe(false);
        for (const o of later) {
          expect(o.name.endsWith(`– ${client.profile.repeat.name}`)).toBe(true);
          expect(o.wonAt! > first!.wonAt!).toBe(true);
          expect(o.wonAt! <= `${END}T23:59:59.999Z`).toBe(true);
        }
      }
      share.set(client.profile.key, repeaters / byContact.size);
    }
    const ranked = [...world.clients].sort((a, b) => a.profile.repeat.perYear - b.profile.repeat.perYear);
    const most = share.get(ranked.at(-1)!.profile.key)!;
    expect(most).toBeGreaterThan(0.1);
    expect(most).toBeGreaterThan(share.get(ranked[0]!.profile.key)!);
  });

  it('reads only what changed since a time, one client with locationId, page by page', async () => {
    const since = `${addDays(END, -7)}T00:00:00.000Z`;
    const recent = await collect(crm.fetchOpportunities(ctx, { updatedSince: since }));
    expect(recent).toEqual(opportunities.filter((o) => o.updatedAt >= since));
    const one = simContext(definition, { ...extra, locationId: 'sim-42-2' });
    expect((await crm.fetchPipelines(one)).map((p) => p.externalId)).toEqual(['sim-42-2-pipeline']);
    const theirs = await collect(crm.fetchContacts(one, {}));
    expect(theirs.length).toBeGreaterThan(0);
    expect(
      theirs.every(
        (c) => c.attribution.utmContent === null || c.attribution.utmContent.startsWith('sim-42-2-'),
      ),
    ).toBe(true);
    let pages = 0;
    for await (const page of crm.fetchContacts(
      { ...ctx, settings: { ...ctx.settings, pageSize: 1000 } },
      {},
    )) {
      expect(page.length).toBeLessThanOrEqual(1000);
      pages++;
    }
    expect(pages).toBe(Math.ceil(contacts.length / 1000));
  });

  it('upserts contacts, enrols them and sends messages against the store; never verifies a webhook', async () => {
    const later = new Date('2027-01-15T10:00:00.000Z');
    const sim = createSimulator({ clock: { now: () => later } });
    const c = simContext(sim, { ...extra, stateKey: 'crm-writes' });
    const existing = contacts.find((x) => x.email && x.phone)!;
    const updated = await sim.crm!.upsertContact(c, { email: existing.email!.toUpperCase(), tags: ['vip'] });
    expect(updated).toEqual({ externalId: existing.externalId, created: false });
    const created = await sim.crm!.upsertContact(c, { email: 'new.lead@example.com', firstName: 'New' });
    expect(created.created).toBe(true);
    const after = await collect(sim.crm!.fetchContacts(c, { updatedSince: '2027-01-01T00:00:00.000Z' }));
    expect(after.map((x) => x.externalId).sort()).toEqual([existing.externalId, created.externalId].sort());
    expect(after.find((x) => x.externalId === existing.externalId)).toMatchObject({
      tags: ['vip'],
      phone: existing.phone,
    });
    await sim.crm!.addContactToWorkflow(c, existing.externalId, 'wf-nurture');
    const sent = await sim.crm!.sendMessage(c, {
      contactExternalId: existing.externalId,
      channel: 'SMS',
      message: 'Hi',
    });
    expect(sent.messageId.length).toBeGreaterThan(0);
    const missing = await sim.crm!.addContactToWorkflow(c, 'ct_nope', 'wf').catch((e: unknown) => e);
    expect((missing as ConnectorError).kind).toBe('invalid');
    const noPhone = await sim
      .crm!.sendMessage(c, { contactExternalId: created.externalId, channel: 'SMS', message: 'x' })
      .catch((e: unknown) => e);
    expect((noPhone as ConnectorError).kind).toBe('invalid');
    expect(sim.crm!.verifyWebhook(Buffer.from('{}'), {}, sim.defaultSettings)).toBe(false);
    // Another store has none of these writes.
    const elsewhere = simContext(createSimulator(), { ...extra, stateKey: 'crm-writes' });
    expect(
      await collect(createSimulator().crm!.fetchContacts(elsewhere, { updatedSince: '2027-01-01' })),
    ).toEqual([]);
  });
});
