/**
 * The CRM (GoHighLevel-like) side of a generated agency. Every true conversion of an ad becomes a
 * contact when it happens (click day + its lag, whether or not the platform's tracking recorded
 * it), carrying the ad's click id (gclid / fbclid / li_fat_id) and UTM tags (utm_campaign = the
 * campaign's externalId, utm_content = the ad's). A share of contacts gets an opportunity in the
 * client's pipeline that moves through the stages and closes won, lost or abandoned after an
 * Erlang-distributed delay; a won customer may buy again later (repeatsFor: recall visits,
 * renewals), so customer value can be fitted. "As of" the end date, later events have not happened
 * yet. A trickle of organic contacts without click ids keeps attribution honest.
 */
import type { ContactRecord, OpportunityRecord, PipelineRecord } from '../connector.port.ts';
import { firstNames, lastNames, pipelineStageNames, type SimPlatform } from './catalog.ts';
import type { SimulatorConfig } from './config.ts';
import type { Engine } from './engine.ts';
import { type SimAd, type SimClient, utmFor } from './generator.ts';
import { conversionEvents, crmSeed } from './model.ts';
import {
  gammaNoise,
  hashString,
  mulberry32,
  normal,
  pick,
  poisson,
  type Rand,
  streamFor,
  timeOf,
  token,
} from './random.ts';
import { listedAds } from './reports.ts';
import type { SimulatorActionRecord } from './state.ts';

export interface CrmDataset {
  contacts: ContactRecord[];
  pipelines: PipelineRecord[];
  opportunities: OpportunityRecord[];
}

const noAttribution: ContactRecord['attribution'] = {
  gclid: null,
  fbclid: null,
  liFatId: null,
  utmSource: null,
  utmMedium: null,
  utmCampaign: null,
  utmContent: null,
  utmTerm: null,
};
/** Fictional-range numbers: prefix and how many digits follow it. */
const phonePlan: Record<string, readonly [string, number]> = {
  USD: ['+1555', 7],
  EUR: ['+49155', 8],
  GBP: ['+447700', 6],
};
const sourceLabel: Record<SimPlatform, string> = {
  google_ads: 'Google Ads',
  meta: 'Facebook Lead Ad',
  linkedin: 'LinkedIn Lead Gen',
};
const ascii = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
const idFor = (prefix: string, key: string) =>
  `${prefix}_${hashString(key).toString(36)}${hashString(`${key}#`).toString(36)}`;

export const pipelineIdOf = (client: SimClient) => `${client.externalId}-pipeline`;

function pipelineOf(client: SimClient): PipelineRecord {
  const id = pipelineIdOf(client);
  return {
    externalId: id,
    name: `${client.name} – Leads`,
    stages: pipelineStageNames.map((name, position) => ({
      externalId: `${id}-st${position}`,
      name,
      position,
    })),
  };
}

/** Draws one person; always the same number of draws, so later streams never shift. */
function person(r: Rand, client: SimClient) {
  const firstName = pick(r, firstNames);
  const lastName = pick(r, lastNames);
  const tag = token(r, 4)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x');
  const digits = Array.from({ length: 10 }, () => Math.floor(r() * 10)).join('');
  const hasPhone = r() < 0.9;
  const [prefix, length] = phonePlan[client.profile.currency] ?? ['+1555', 7];
  return {
    firstName,
    lastName,
    email: `${ascii(firstName)}.${ascii(lastName)}.${tag}@example.com`,
    phone: hasPhone ? prefix + digits.slice(0, length) : null,
    timeOfDay: r(),
  };
}

function clickAttribution(r: Rand, ad: SimAd): ContactRecord['attribution'] {
  const raw = token(r, 40);
  const platform = ad.campaign.account.platform;
  const utm = utmFor(platform);
  const hex = Array.from(raw, (ch) => (ch.charCodeAt(0) % 16).toString(16)).join('');
  return {
    gclid: platform === 'google_ads' ? `Cj0KCQ${raw.slice(0, 34)}` : null,
    fbclid: platform === 'meta' ? `IwAR${raw}` : null,
    liFatId:
      platform === 'linkedin'
        ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
        : null,
    utmSource: utm.source,
    utmMedium: utm.medium,
    utmCampaign: ad.campaign.externalId,
    utmContent: ad.externalId,
    utmTerm: ad.campaign.kind === 'search' ? ad.campaign.theme.toLowerCase() : null,
  };
}

/** The opportunity a contact gets, as of `cutoff` (ISO), or null. Fixed number of draws. */
function opportunityFor(
  r: Rand,
  client: SimClient,
  contact: ContactRecord,
  key: string,
  cutoff: string,
): OpportunityRecord | null {
  const roll = r();
  const outcomeRoll = r();
  const closeDays = -Math.log(r() * r()) * 6 + 1;
  const lostStage = Math.floor(r() * 4);
  const value = Math.round(client.dealValue * Math.exp(0.4 * normal(r)));
  if (roll >= client.opportunityRate) return null;
  const outcome = outcomeRoll < client.winRate ? 'won' : outcomeRoll > 0.9 ? 'abandoned' : 'lost';
  const finalStage = outcome === 'won' ? 4 : outcome === 'abandoned' ? 1 + (lostStage % 2) : lostStage;
  const created = Date.parse(contact.createdAt);
  const at = (fraction: number) =>
    new Date(created + Math.round(closeDays * fraction * 86_400_000)).toISOString();
  const closeAt = at(1);
  const closed = closeAt <= cutoff;
  let stage = finalStage;
  let updatedAt = closeAt;
  if (!closed) {
    stage = 0;
    updatedAt = contact.createdAt;
    for (let j = 1; j <= finalStage; j++) {
      const t = at(j / (finalStage + 1));
      if (t > cutoff) break;
      stage = j;
      updatedAt = t;
    }
  }
  const pipeline = pipelineIdOf(client);
  return {
    externalId: idFor('op', key),
    pipelineExternalId: pipeline,
    stageExternalId: `${pipeline}-st${stage}`,
    contactExternalId: contact.externalId,
    name: `${contact.firstName} ${contact.lastName} – ${client.profile.themes[0]}`,
    status: closed ? outcome : 'open',
    valueMicros: value * 1_000_000,
    currency: client.profile.currency,
    wonAt: closed && outcome === 'won' ? closeAt : null,
    lostAt: closed && outcome === 'lost' ? closeAt : null,
    createdAt: contact.createdAt,
    updatedAt,
  };
}

/**
 * A won customer's later purchases, as won opportunities of the same contact up to `cutoff`: the
 * process BG/NBD assumes. While active the customer buys at a rate of their own (gamma around the
 * client's `repeat.perYear`) and after each purchase leaves for good with a chance of their own
 * (around `repeat.dropout`); each purchase is worth about `repeat.valueShare` of a first deal, around
 * the customer's own mean. A stream of the contact's own, so the rest of the agency never shifts.
 */
function repeatsFor(
  client: SimClient,
  contact: ContactRecord,
  first: OpportunityRecord,
  key: string,
  cutoff: string,
): OpportunityRecord[] {
  const { perYear, dropout, valueShare, name } = client.profile.repeat;
  const r = streamFor(`${key}|repeat`);
  const ratePerDay = (perYear / 365) * gammaNoise(r, 2);
  const leaves = Math.min(0.95, dropout * gammaNoise(r, 3));
  const meanValue = client.dealValue * valueShare * gammaNoise(r, 6);
  const pipeline = pipelineIdOf(client);
  const out: OpportunityRecord[] = [];
  let t = Date.parse(first.wonAt as string);
  for (let n = 1; n <= 200; n++) {
    if (r() < leaves) break;
    t += (-Math.log(1 - r()) / ratePerDay) * 86_400_000;
    const at = new Date(t).toISOString();
    if (at > cutoff) break;
    const value = Math.max(1, Math.round(meanValue * Math.exp(0.25 * normal(r))));
    out.push({
      externalId: idFor('op', `${key}|r${n}`),
      pipelineExternalId: pipeline,
      stageExternalId: `${pipeline}-st4`,
      contactExternalId: contact.externalId,
      name: `${contact.firstName} ${contact.lastName} – ${name}`,
      status: 'won',
      valueMicros: value * 1_000_000,
      currency: client.profile.currency,
      wonAt: at,
      lostAt: null,
      createdAt: at,
      updatedAt: at,
    });
  }
  return out;
}

/** Contacts, pipelines and opportunities of the clients in scope, as of the end of endDate. */
export function generateCrm(
  engine: Engine,
  config: SimulatorConfig,
  actions: readonly SimulatorActionRecord[],
): CrmDataset {
  const world = engine.world(config);
  const clients = world.clients.filter(
    (c) => config.locationId === null || c.externalId === config.locationId,
  );
  const cutoff = timeOf(config.endDay, 0.99999);
  const out: CrmDataset = { contacts: [], pipelines: [], opportunities: [] };
  const add = (
    r: Rand,
    client: SimClient,
    key: string,
    day: number,
    p: ReturnType<typeof person>,
    c: Partial<ContactRecord>,
  ) => {
    const createdAt = timeOf(day, p.timeOfDay);
    const contact: ContactRecord = {
      externalId: idFor('ct', key),
      email: p.email,
      phone: p.phone,
      firstName: p.firstName,
      lastName: p.lastName,
      source: null,
      tags: [],
      createdAt,
      updatedAt: createdAt,
      attribution: noAttribution,
      ...c,
    };
    const opp = opportunityFor(r, client, contact, key, cutoff);
    if (createdAt > cutoff) return;
    out.contacts.push(contact);
    if (opp) out.opportunities.push(opp);
    if (opp?.status === 'won') out.opportunities.push(...repeatsFor(client, contact, opp, key, cutoff));
  };
  for (const client of clients) {
    out.pipelines.push(pipelineOf(client));
    for (const account of world.accounts.filter((a) => a.client === client)) {
      const { sim, controls } = engine.simulate(config, account, actions);
      for (const s of listedAds(sim, controls, config.windowStartDay)) {
        for (let day = Math.max(config.windowStartDay, s.ad.launchDay); day <= config.endDay; day++) {
          const n = s.conversions[day - sim.firstDay]!;
          if (n === 0) continue;
          const r = mulberry32(crmSeed(s.ad, day));
          conversionEvents(s.ad, day, n, account.conversionDelay).forEach((e, k) => {
            const p = person(r, client);
            const attribution = clickAttribution(r, s.ad);
            add(r, client, `${s.ad.externalId}|${day}|${k}`, day + e.lag, p, {
              source: sourceLabel[account.platform],
              tags: ['lead', account.platform],
              attribution,
            });
          });
        }
      }
    }
    for (let day = config.windowStartDay; day <= config.endDay; day++) {
      const r = streamFor(`${client.externalId}|organic|${day}`);
      const n = poisson(r, 0.8);
      for (let k = 0; k < n; k++) {
        const p = person(r, client);
        add(r, client, `${client.externalId}|organic|${day}|${k}`, day, p, {
          source: pick(r, ['Organic Search', 'Referral', 'Walk-in']),
          tags: ['lead'],
        });
      }
    }
  }
  return out;
}
