/**
 * A small deterministic CRM scenario in Omnify's terms: 17 contacts with Google, Meta, LinkedIn,
 * organic and partial attribution, 2 pipelines, 13 opportunities in every status with cent values.
 */
import type { ContactRecord, OpportunityRecord, PipelineRecord } from '../connector.port.ts';
import type { CrmScenario } from './crm.contract.ts';

const pad = (n: number) => String(n).padStart(2, '0');
const at = (day: number, hh = 9, mm = 0) => `2026-11-${pad(day)}T${pad(hh)}:${pad(mm)}:00.000Z`;
const none: ContactRecord['attribution'] = {
  gclid: null,
  fbclid: null,
  liFatId: null,
  utmSource: null,
  utmMedium: null,
  utmCampaign: null,
  utmContent: null,
  utmTerm: null,
};

function attributionFor(i: number): ContactRecord['attribution'] {
  switch (i % 5) {
    case 0:
      return {
        ...none,
        gclid: `Cj0KCQiA${i}wqBhD_ARIsAG`,
        utmSource: 'google',
        utmMedium: 'cpc',
        utmCampaign: 'spring-promo',
        utmContent: `ad-${i}`,
        utmTerm: 'dentist near me',
      };
    case 1:
      return {
        ...none,
        fbclid: `IwAR${i}aZ-xQ`,
        utmSource: 'facebook',
        utmMedium: 'paid_social',
        utmCampaign: 'Spring "Promo" & Co',
      };
    case 2:
      return {
        ...none,
        liFatId: `li-${i}-7f3a`,
        utmSource: 'linkedin',
        utmMedium: 'paid',
        utmCampaign: 'b2b',
      };
    case 3:
      return none;
    default:
      return { ...none, gclid: `EAIaIQ${i}`, utmSource: 'google' };
  }
}

const firstNames = ['Rosa', 'José', 'Amara', 'Liam', 'Siobhán', 'Kenji', 'Fatima'];
const lastNames = ['Diaz', "O'Brien", 'Nguyen', 'Okafor', 'Müller'];

function contacts(): ContactRecord[] {
  const out: ContactRecord[] = [];
  for (let i = 1; i <= 17; i++) {
    const updatedDay = ((i * 7) % 20) + 1;
    out.push({
      externalId: `ct${pad(i)}Ab3dEfGhIjKlMn`,
      email: i === 5 ? null : `lead${i}@example.com`,
      phone: i % 3 === 0 ? null : `+1555555${1000 + i}`,
      firstName: i === 7 ? null : (firstNames[i % firstNames.length] ?? null),
      lastName: lastNames[i % lastNames.length] ?? null,
      source: i % 4 === 0 ? null : (['facebook form', 'google ads', 'website'][i % 3] ?? null),
      tags: i === 11 ? [] : i % 2 ? ['lead'] : ['lead', 'vip'],
      createdAt: `2026-10-${pad(i + 5)}T08:30:00.000Z`,
      updatedAt: at(updatedDay, 10 + (i % 8), i),
      attribution: attributionFor(i),
    });
  }
  return out;
}

const pipelines: PipelineRecord[] = [
  {
    externalId: 'VDm7RPYC2GLUvdpKmBfC',
    name: 'Dental leads',
    stages: [
      { externalId: 'e93ba61a-53b3-45e7-985a-c7732dbcdb69', name: 'New lead', position: 0 },
      { externalId: '7915dedc-8f18-44d5-8bc3-77c04e994a10', name: 'Booked', position: 1 },
      { externalId: '1c5e8f7a-0b4d-4e6f-9a2b-3c4d5e6f7a8b', name: 'Showed', position: 2 },
      { externalId: '2d6f9a8b-1c5e-4f7a-8b3c-4d5e6f7a8b9c', name: 'Closed', position: 3 },
    ],
  },
  {
    externalId: 'bCkKGpDsyPP4peuKowkG',
    name: 'Implants',
    stages: [
      { externalId: '3e7a0b9c-2d6f-4a8b-9c4d-5e6f7a8b9c0d', name: 'Enquiry', position: 0 },
      { externalId: '4f8b1c0d-3e7a-4b9c-8d5e-6f7a8b9c0d1e', name: 'Consult', position: 1 },
      { externalId: '5a9c2d1e-4f8b-4c0d-9e6f-7a8b9c0d1e2f', name: 'Treatment plan', position: 2 },
    ],
  },
];

const statusCycle = ['open', 'won', 'lost', 'open', 'abandoned', 'won', 'lost'] as const;
/** Whole cents, some with fractions of a unit: 1234.56, 500, 0, 999.99, 0.01, … */
const cents = [123_456, 50_000, 0, 99_999, 1, 2_500_050, 75_025];

function opportunities(cs: ContactRecord[]): OpportunityRecord[] {
  const out: OpportunityRecord[] = [];
  for (let i = 1; i <= 13; i++) {
    const pipeline = pipelines[i % 2]!;
    const stage = pipeline.stages[i % pipeline.stages.length]!;
    const status = statusCycle[i % statusCycle.length]!;
    const closedAt = at(i + 5, 14, 5);
    out.push({
      externalId: `op${pad(i)}QobCRIhRguQtD2l`,
      pipelineExternalId: pipeline.externalId,
      stageExternalId: stage.externalId,
      contactExternalId: i === 4 ? null : cs[i % cs.length]!.externalId,
      name: `${cs[i % cs.length]!.firstName ?? 'Lead'} – ${stage.name}`,
      status,
      valueMicros: cents[i % cents.length]! * 10_000,
      currency: 'USD',
      wonAt: status === 'won' ? closedAt : null,
      lostAt: status === 'lost' ? closedAt : null,
      createdAt: at(i),
      updatedAt: at(i + 6),
    });
  }
  return out;
}

export function makeCrmScenario(): CrmScenario {
  const cs = contacts();
  return {
    accountExternalId: 've9EPM428h8vShlRW1KT',
    currency: 'USD',
    contacts: cs,
    pipelines: structuredClone(pipelines),
    opportunities: opportunities(cs),
    pageSize: 5,
  };
}
