/**
 * The CRM side of the simulated vendor: generated (or fixture) records with the connection's own
 * writes laid over them. Contacts written through the API carry wall-clock timestamps, so a sync
 * with `updatedSince` sees them; generated records carry simulated times up to the end of endDate.
 */
import type { ContactRecord, CrmApi, OpportunityRecord, PipelineRecord } from '../connector.port.ts';
import { SimulatorApiError } from './ads.ts';
import type { SimulatorConfig } from './config.ts';
import { type CrmDataset, generateCrm } from './crm.ts';
import { type Engine, worldKey } from './engine.ts';
import type { SimulatorState, StoredContact } from './state.ts';

type ContactInput = Parameters<CrmApi['upsertContact']>[1];

const emptyAttribution: ContactRecord['attribution'] = {
  gclid: null,
  fbclid: null,
  liFatId: null,
  utmSource: null,
  utmMedium: null,
  utmCampaign: null,
  utmContent: null,
  utmTerm: null,
};

function definedFields(input: ContactInput): ContactInput {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as ContactInput;
}

/** Generated contacts with the stored API writes applied (created ones appended). */
export function mergeContacts(
  base: readonly ContactRecord[],
  stored: readonly StoredContact[],
  locationId: string | null,
): ContactRecord[] {
  const mine = stored.filter(
    (s) => locationId === null || s.locationId === null || s.locationId === locationId,
  );
  const patches = new Map(mine.filter((s) => !s.created).map((s) => [s.externalId, s]));
  const out = base.map((c) => {
    const p = patches.get(c.externalId);
    return p ? { ...c, ...p.fields, updatedAt: p.updatedAt } : c;
  });
  for (const s of mine.filter((x) => x.created))
    out.push({
      email: null,
      phone: null,
      firstName: null,
      lastName: null,
      source: null,
      tags: [],
      attribution: emptyAttribution,
      ...s.fields,
      externalId: s.externalId,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    });
  return out;
}

function dataset(engine: Engine, config: SimulatorConfig, state: SimulatorState): CrmDataset {
  if (config.crmFixture) {
    const f = config.crmFixture;
    return { contacts: f.contacts, pipelines: f.pipelines, opportunities: f.opportunities };
  }
  const key = ['crm', worldKey(config), config.locationId, config.windowStartDay, config.endDay];
  return engine.memo(`${key.join('|')}|${JSON.stringify(state.actions)}`, () =>
    generateCrm(engine, config, state.actions),
  );
}

const byUpdated = <T extends { updatedAt: string; externalId: string }>(xs: T[], since?: string) =>
  xs
    .filter((x) => since === undefined || x.updatedAt >= since)
    .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.externalId.localeCompare(b.externalId));

export async function listContacts(
  engine: Engine,
  config: SimulatorConfig,
  since?: string,
): Promise<ContactRecord[]> {
  const state = await engine.state(config);
  return byUpdated(
    mergeContacts(dataset(engine, config, state).contacts, state.contacts, config.locationId),
    since,
  );
}

export async function listOpportunities(
  engine: Engine,
  config: SimulatorConfig,
  since?: string,
): Promise<OpportunityRecord[]> {
  const state = await engine.state(config);
  return byUpdated([...dataset(engine, config, state).opportunities], since);
}

export async function listPipelines(engine: Engine, config: SimulatorConfig): Promise<PipelineRecord[]> {
  return dataset(engine, config, await engine.state(config)).pipelines;
}

function findContact(engine: Engine, config: SimulatorConfig, state: SimulatorState, id: string) {
  const all = mergeContacts(dataset(engine, config, state).contacts, state.contacts, config.locationId);
  const c = all.find((x) => x.externalId === id);
  if (!c) throw new SimulatorApiError(404, 'not_found', `Contact ${id} not found`);
  return c;
}

/** Matches on email (case-insensitive), then phone; updates the match or creates a contact. */
export function upsertContact(engine: Engine, config: SimulatorConfig, input: ContactInput, now: string) {
  const fields = definedFields(input);
  return engine.update(config, (state) => {
    const all = mergeContacts(dataset(engine, config, state).contacts, state.contacts, config.locationId);
    const email = fields.email?.toLowerCase();
    const match =
      (email ? all.find((c) => c.email?.toLowerCase() === email) : undefined) ??
      (fields.phone ? all.find((c) => c.phone === fields.phone) : undefined);
    if (match) {
      const prior = state.contacts.find((s) => s.externalId === match.externalId);
      if (prior) {
        prior.fields = { ...prior.fields, ...fields };
        prior.updatedAt = now;
      } else
        state.contacts.push({
          externalId: match.externalId,
          locationId: config.locationId,
          created: false,
          fields,
          createdAt: match.createdAt,
          updatedAt: now,
        });
      return { externalId: match.externalId, created: false };
    }
    const externalId = `${config.stateKey}-ct-api-${state.contacts.filter((s) => s.created).length + 1}`;
    state.contacts.push({
      externalId,
      locationId: config.locationId,
      created: true,
      fields,
      createdAt: now,
      updatedAt: now,
    });
    return { externalId, created: true };
  });
}

export function enrol(
  engine: Engine,
  config: SimulatorConfig,
  contactId: string,
  workflowId: string,
  now: string,
) {
  if (!workflowId) throw new SimulatorApiError(400, 'bad_request', 'workflowId is required');
  return engine.update(config, (state) => {
    findContact(engine, config, state, contactId);
    state.workflowEnrolments.push({ contactExternalId: contactId, workflowId, at: now });
  });
}

export function sendMessage(
  engine: Engine,
  config: SimulatorConfig,
  p: { contactExternalId: string; channel: 'SMS' | 'Email'; message: string; subject?: string },
  now: string,
) {
  return engine.update(config, (state) => {
    const contact = findContact(engine, config, state, p.contactExternalId);
    if (p.channel === 'SMS' && !contact.phone)
      throw new SimulatorApiError(400, 'bad_request', 'Contact has no phone number');
    if (p.channel === 'Email' && !contact.email)
      throw new SimulatorApiError(400, 'bad_request', 'Contact has no email address');
    const messageId = `${config.stateKey}-msg-${state.messages.length + 1}`;
    state.messages.push({
      messageId,
      contactExternalId: p.contactExternalId,
      channel: p.channel,
      subject: p.subject ?? null,
      body: p.message,
      at: now,
    });
    return { messageId };
  });
}
