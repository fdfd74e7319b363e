/**
 * A local GoHighLevel API v2 (services.leadconnectorhq.com) for tests, built from the vendor's docs:
 * bearer location tokens, the required `Version` header (401 "version header was not found." when
 * missing), per-location X-RateLimit-* headers and 429s, contacts/opportunities search with their
 * cursors, upsert, workflow enrolment, messages and the OAuth token endpoint. Webhooks are signed
 * with the fake's own Ed25519 key.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import type { FakeFailure } from '../../../src/modules/connectors/connector.contract.ts';
import type { ContactRecord } from '../../../src/modules/connectors/connector.port.ts';
import type {
  CrmFakeControl,
  CrmScenario,
  SentMessage,
} from '../../../src/modules/connectors/gohighlevel/crm.contract.ts';
import { type FakeHandler, type FakeRequest, type FakeResponse, startFakeServer } from '../fake-server.ts';
import { badRequest, searchContacts, searchOpportunities, unprocessable } from './search.ts';
import {
  type FakeContact,
  fromGhlContact,
  type Json,
  toGhlContact,
  toGhlOpportunity,
  toGhlPipeline,
} from './shapes.ts';
import { type TokenStore, tokenRoute } from './token.ts';

export interface GoHighLevelFakeOptions {
  clientId?: string;
  clientSecret?: string;
  /** Burst window the fake enforces and reports (GHL: 100 per 10,000 ms). */
  burstMax?: number;
  burstIntervalMs?: number;
  dailyLimit?: number;
  /** Serve search pages without the per-contact `searchAfter` cursor. */
  omitSearchAfter?: boolean;
}

export interface GoHighLevelFake extends CrmFakeControl {
  locationId: string;
  /** The access token the scenario's connection holds. */
  accessToken: string;
  /** PEM of the Ed25519 key webhooks are signed with (the `webhookPublicKey` to trust). */
  publicKeyPem: string;
  /** Every request received, token calls included. */
  log: FakeRequest[];
  /** Answers the next counted calls with a hand-made response. */
  failNext(response: FakeResponse | ((req: FakeRequest) => FakeResponse), count?: number): void;
}

const VERSIONS = new Set(['2021-07-28', '2021-04-15', '2023-02-21', 'v3', 'legacy']);
const MESSAGE_TYPES = new Set([
  'SMS',
  'RCS',
  'Email',
  'WhatsApp',
  'IG',
  'FB',
  'Custom',
  'Live_Chat',
  'TIKTOK',
]);
const unauthorized = (message: string): FakeResponse => ({
  status: 401,
  json: { statusCode: 401, message, error: 'Unauthorized' },
});

export async function startGoHighLevelFake(
  scenario: CrmScenario,
  opts: GoHighLevelFakeOptions = {},
): Promise<GoHighLevelFake> {
  const server = await startFakeServer();
  const locationId = scenario.accountExternalId;
  const burstMax = opts.burstMax ?? 100;
  const interval = opts.burstIntervalMs ?? 10_000;
  const dailyLimit = opts.dailyLimit ?? 200_000;
  const contacts = new Map<string, FakeContact>();
  const attribution = new Map<string, ContactRecord['attribution']>();
  scenario.contacts.forEach((c, i) => {
    contacts.set(c.externalId, toGhlContact(c, locationId, i));
    attribution.set(c.externalId, c.attribution);
  });
  const opportunities = scenario.opportunities.map((o) => toGhlOpportunity(o, locationId, contacts));
  const pipelines = scenario.pipelines.map((p) => toGhlPipeline(p, locationId));
  const enrolments: Array<{ contactExternalId: string; workflowId: string }> = [];
  const messages: SentMessage[] = [];
  const tokens: TokenStore = {
    access: new Map([['ghl-access-0', locationId]]),
    refresh: new Map([['ghl-refresh-0', locationId]]),
    issued: 0,
  };
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  let calls: number[] = [];
  let daily = 0;
  let created = 0;

  const rateHeaders = (): Record<string, string> => {
    const now = Date.now();
    calls = calls.filter((t) => t > now - interval);
    calls.push(now);
    daily++;
    return {
      'x-ratelimit-limit-daily': String(dailyLimit),
      'x-ratelimit-daily-remaining': String(Math.max(0, dailyLimit - daily)),
      'x-ratelimit-interval-milliseconds': String(interval),
      'x-ratelimit-max': String(burstMax),
      'x-ratelimit-remaining': String(Math.max(0, burstMax - calls.length)),
    };
  };

  /** Token, Version and location checks every API route shares; then the route, with rate headers. */
  const api =
    (handler: (req: FakeRequest, loc: string) => FakeResponse): FakeHandler =>
    (req) => {
      const headers = rateHeaders();
      const out = (r: FakeResponse): FakeResponse => ({ ...r, headers: { ...headers, ...r.headers } });
      if (calls.length > burstMax || daily > dailyLimit)
        return out({ status: 429, json: { statusCode: 429, message: 'Too Many Requests' } });
      const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      const loc = auth ? tokens.access.get(auth) : undefined;
      if (!loc) return out(unauthorized('Invalid JWT'));
      const version = req.headers.version;
      if (!version) return out(unauthorized('version header was not found.'));
      if (!VERSIONS.has(String(version))) return out(unauthorized('version header is invalid'));
      return out(handler(req, loc));
    };
  const forbidden = () => ({
    status: 403,
    json: { statusCode: 403, message: 'The token does not have access to this location.' },
  });
  const body = (req: FakeRequest): Json =>
    req.body && typeof req.body === 'object' ? (req.body as Json) : {};

  server.route(
    'POST',
    '/contacts/search',
    api((req, loc) => {
      const b = body(req);
      if (!b.locationId) return unprocessable('locationId should not be empty');
      if (b.locationId !== loc) return forbidden();
      const res = searchContacts([...contacts.values()], b);
      if (opts.omitSearchAfter && res.json)
        for (const c of (res.json as { contacts: Json[] }).contacts) delete c.searchAfter;
      return res;
    }),
  );

  server.route(
    'POST',
    '/contacts/upsert',
    api((req, loc) => {
      const b = body(req);
      if (!b.locationId) return unprocessable('locationId should not be empty');
      if (b.locationId !== loc) return forbidden();
      if (typeof b.email === 'string' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(b.email))
        return unprocessable('email must be an email');
      const email = typeof b.email === 'string' ? b.email.toLowerCase() : null;
      const existing = [...contacts.values()].find(
        (c) => (email && String(c.email ?? '').toLowerCase() === email) || (b.phone && c.phone === b.phone),
      );
      const now = new Date().toISOString();
      const c: FakeContact = existing ?? {
        id: `nw${String(++created).padStart(2, '0')}UpsertedContact1`,
        locationId: loc,
        dateAdded: now,
        dateUpdated: now,
        tags: [],
        type: 'lead',
      };
      for (const k of ['email', 'phone', 'firstName', 'lastName', 'source'] as const)
        if (b[k] !== undefined) c[k] = b[k];
      if (Array.isArray(b.tags)) c.tags = b.tags.map(String); // tags replace, as documented
      c.dateUpdated = now;
      contacts.set(c.id, c);
      return { status: existing ? 200 : 201, json: { new: !existing, contact: c, traceId: `trace-${c.id}` } };
    }),
  );

  server.route(
    'POST',
    '/contacts/:contactId/workflow/:workflowId',
    api((req) => {
      if (!contacts.has(req.params.contactId ?? '')) return badRequest('Contact not found');
      enrolments.push({ contactExternalId: req.params.contactId!, workflowId: req.params.workflowId! });
      return { status: 201, json: { succeded: true } };
    }),
  );

  server.route(
    'POST',
    '/conversations/messages',
    api((req) => {
      const b = body(req);
      if (!MESSAGE_TYPES.has(String(b.type))) return unprocessable('type must be a valid message type');
      if (!contacts.has(String(b.contactId))) return badRequest('Contact not found');
      const text = b.type === 'Email' ? (b.html ?? b.message) : b.message;
      if (typeof text !== 'string' || text.length === 0) return unprocessable('message should not be empty');
      const n = messages.length + 1;
      const messageId = `msg${String(n).padStart(3, '0')}DQcTDf3MjRhwf7`;
      messages.push({
        contactExternalId: String(b.contactId),
        channel: b.type === 'Email' ? 'Email' : 'SMS',
        subject: typeof b.subject === 'string' ? b.subject : null,
        body: text,
        messageId,
      });
      return {
        json: {
          conversationId: `conv${String(b.contactId).slice(0, 8)}`,
          messageId,
          ...(b.type === 'Email' ? { emailMessageId: `email-${messageId}` } : {}),
          msg: 'Message queued successfully.',
        },
      };
    }),
  );

  server.route(
    'GET',
    '/opportunities/pipelines',
    api((req, loc) => {
      const q = req.query.get('locationId');
      if (!q) return unprocessable('locationId should not be empty');
      return q === loc ? { json: { pipelines } } : forbidden();
    }),
  );

  server.route(
    'GET',
    '/opportunities/search',
    api((req, loc) => {
      const q = req.query.get('location_id');
      if (!q && !req.query.has('locationId')) return unprocessable('location_id should not be empty');
      if (q && q !== loc) return forbidden();
      return searchOpportunities(opportunities, req.query, server.url);
    }),
  );

  server.route(
    'POST',
    '/oauth/token',
    tokenRoute(tokens, {
      locationId,
      clientId: opts.clientId ?? 'client-123',
      clientSecret: opts.clientSecret ?? 'secret-456',
    }),
    { counted: false },
  );

  const failures: Record<FakeFailure, (req: FakeRequest) => FakeResponse> = {
    expired_token: () => ({ ...unauthorized('Invalid JWT'), headers: rateHeaders() }),
    rate_limited: () => ({
      status: 429,
      headers: { ...rateHeaders(), 'x-ratelimit-remaining': '0' },
      json: { statusCode: 429, message: 'Too Many Requests' },
    }),
    server_error: () => ({
      status: 502,
      headers: rateHeaders(),
      json: { statusCode: 502, message: 'Bad Gateway' },
    }),
    malformed: () => ({
      status: 200,
      headers: { ...rateHeaders(), 'content-type': 'application/json' },
      text: '{"contacts":[{"id":"ct01Ab3dEfGhIjKlMn","tags":["lead"',
    }),
  };

  return {
    url: server.url,
    locationId,
    accessToken: 'ghl-access-0',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    log: server.log,
    failNext: server.failNext,
    inject: (failure, count = 1) => server.failNext(failures[failure], count),
    requests: server.requests,
    contact: (id) => {
      const c = contacts.get(id);
      return c ? fromGhlContact(c, attribution.get(id) ?? fromGhlAttributionNone) : undefined;
    },
    workflowEnrolments: () => [...enrolments],
    messages: () => [...messages],
    signWebhook: (raw) => ({
      'content-type': 'application/json',
      'x-ghl-signature': sign(null, raw, privateKey).toString('base64'),
    }),
    close: server.close,
  };
}

const fromGhlAttributionNone: ContactRecord['attribution'] = {
  gclid: null,
  fbclid: null,
  liFatId: null,
  utmSource: null,
  utmMedium: null,
  utmCampaign: null,
  utmContent: null,
  utmTerm: null,
};
