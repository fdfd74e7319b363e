/**
 * The CRM scenario (Omnify's terms) in GoHighLevel's documented response shapes, as the fake serves
 * them: search contacts with `attributions[]` (isFirst / isLast), opportunities with `monetaryValue`
 * in currency units and `lastStatusChangeAt`, pipelines with stages.
 */
import type {
  ContactRecord,
  OpportunityRecord,
  PipelineRecord,
} from '../../../src/modules/connectors/connector.port.ts';

export type Json = Record<string, unknown>;

export interface FakeContact extends Json {
  id: string;
  locationId: string;
  dateAdded: string;
  dateUpdated: string;
  tags: string[];
}

const setIf = (o: Json, k: string, v: unknown) => {
  if (v !== null && v !== undefined) o[k] = v;
};

/** The landing page URL GHL keeps with a touch; li_fat_id and utm_term exist only here. */
function landingUrl(a: ContactRecord['attribution'], id: string): string {
  const u = new URL(`https://acme.example.com/lp/${id}`);
  const params: Array<[string, string | null]> = [
    ['utm_source', a.utmSource],
    ['utm_medium', a.utmMedium],
    ['utm_campaign', a.utmCampaign],
    ['utm_content', a.utmContent],
    ['utm_term', a.utmTerm],
    ['gclid', a.gclid],
    ['fbclid', a.fbclid],
    ['li_fat_id', a.liFatId],
  ];
  for (const [k, v] of params) if (v) u.searchParams.set(k, v);
  return u.toString();
}

export function toGhlAttributions(c: ContactRecord, index: number): Json[] {
  const a = c.attribution;
  if (!Object.values(a).some((v) => v !== null)) return [];
  const first: Json = {
    url: landingUrl(a, c.externalId),
    utmSessionSource: a.gclid ? 'Paid Search' : a.fbclid ? 'Paid Social' : 'Referral',
    medium: 'form',
    mediumId: `form-${index}`,
    isFirst: true,
  };
  setIf(first, 'utmSource', a.utmSource);
  setIf(first, 'utmMedium', a.utmMedium);
  setIf(first, 'utmCampaign', a.utmCampaign);
  setIf(first, 'utmContent', a.utmContent);
  setIf(first, 'gclid', a.gclid);
  setIf(first, 'fbclid', a.fbclid);
  // Every other contact came back later by typing the address: a latest touch with no campaign.
  if (index % 2 === 1)
    return [first, { url: 'https://acme.example.com/', utmSessionSource: 'Direct traffic', isLast: true }];
  return [{ ...first, isLast: true }];
}

export function toGhlContact(c: ContactRecord, locationId: string, index: number): FakeContact {
  const o: FakeContact = {
    id: c.externalId,
    locationId,
    type: 'lead',
    dnd: false,
    country: 'US',
    dateAdded: c.createdAt,
    dateUpdated: c.updatedAt,
    tags: [...c.tags],
    customFields: [],
    additionalEmails: [],
    followers: [],
    attributions: toGhlAttributions(c, index),
  };
  setIf(o, 'firstName', c.firstName);
  setIf(o, 'lastName', c.lastName);
  setIf(o, 'firstNameLowerCase', c.firstName?.toLowerCase());
  setIf(o, 'lastNameLowerCase', c.lastName?.toLowerCase());
  setIf(o, 'email', c.email);
  setIf(o, 'phone', c.phone);
  setIf(o, 'source', c.source);
  return o;
}

/** Amounts as GHL keeps them: a JSON number in the currency unit (500, 1234.56). */
const unitsOf = (micros: number) => Number((micros / 1_000_000).toFixed(6));

export function toGhlOpportunity(
  o: OpportunityRecord,
  locationId: string,
  contacts: Map<string, FakeContact>,
): Json {
  const contact = o.contactExternalId ? contacts.get(o.contactExternalId) : undefined;
  const out: Json = {
    id: o.externalId,
    name: o.name,
    monetaryValue: unitsOf(o.valueMicros),
    pipelineId: o.pipelineExternalId,
    pipelineStageId: o.stageExternalId,
    assignedTo: 'bNl8Qe0sUserId000001',
    status: o.status,
    source: 'facebook',
    lastStatusChangeAt: o.wonAt ?? o.lostAt ?? (o.status === 'abandoned' ? o.updatedAt : o.createdAt),
    lastStageChangeAt: o.createdAt,
    indexVersion: 1,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    locationId,
    customFields: [],
    notes: [],
    tasks: [],
    calendarEvents: [],
    followers: [],
  };
  if (o.contactExternalId) {
    out.contactId = o.contactExternalId;
    out.contact = {
      id: o.contactExternalId,
      name: [contact?.firstName, contact?.lastName].filter(Boolean).join(' '),
      email: contact?.email,
      tags: contact?.tags ?? [],
    };
  }
  return out;
}

export function toGhlPipeline(p: PipelineRecord, locationId: string): Json {
  return {
    id: p.externalId,
    name: p.name,
    locationId,
    showInFunnel: true,
    showInPieChart: true,
    stages: p.stages.map((s) => ({ id: s.externalId, name: s.name, position: s.position })),
  };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** The fake's state back in Omnify's terms, for write-back assertions. */
export function fromGhlContact(c: FakeContact, attribution: ContactRecord['attribution']): ContactRecord {
  return {
    externalId: c.id,
    email: str(c.email),
    phone: str(c.phone),
    firstName: str(c.firstName),
    lastName: str(c.lastName),
    source: str(c.source),
    tags: [...c.tags],
    createdAt: c.dateAdded,
    updatedAt: c.dateUpdated,
    attribution,
  };
}
