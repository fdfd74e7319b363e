/**
 * GoHighLevel (LeadConnector) API v2: a CRM connector over one sub-account (location). Contacts with
 * their ad attribution, pipelines and opportunities in; contact upserts, workflow enrolment and
 * messages out; webhook signatures checked. See README.md for the endpoints and their pitfalls.
 */
import type { BudgetRule } from '../budget.ts';
import type { ConnectorDefinition } from '../connector.port.ts';
import {
  addContactToWorkflow,
  listPipelines,
  searchContacts,
  searchOpportunities,
  sendMessage,
  upsertContact,
} from './client.ts';
import { gohighlevelOAuth } from './oauth.ts';
import { GHL_WEBHOOK_ED25519_PUBLIC_KEY, verifyGhlWebhook } from './webhook.ts';

export { classifyGhl, usageFromHeaders } from './client.ts';
export { gohighlevelOAuth, gohighlevelScopes } from './oauth.ts';
export { GHL_WEBHOOK_ED25519_PUBLIC_KEY, isWebhookFresh, verifyGhlWebhook } from './webhook.ts';

/**
 * GHL's burst limit per app per location, for `createMemoryBudget({ gohighlevel: … })`: budget keys
 * are `gohighlevel:<locationId>`, so each sub-account gets its own window.
 */
export const gohighlevelBudgetRule: BudgetRule = { max: 100, windowMs: 10_000, slowAbovePct: 90 };

export const gohighlevel: ConnectorDefinition = {
  platform: 'gohighlevel',
  displayName: 'GoHighLevel',
  defaultSettings: {
    apiBaseUrl: 'https://services.leadconnectorhq.com',
    authorizeUrl: 'https://marketplace.gohighlevel.com/v2/oauth/chooselocation',
    tokenUrl: 'https://services.leadconnectorhq.com/oauth/token',
    apiVersion: '2021-07-28',
    webhookPublicKey: GHL_WEBHOOK_ED25519_PUBLIC_KEY,
  },
  oauth: gohighlevelOAuth,
  crm: {
    fetchContacts: searchContacts,
    fetchPipelines: listPipelines,
    fetchOpportunities: searchOpportunities,
    upsertContact,
    addContactToWorkflow,
    sendMessage,
    verifyWebhook: verifyGhlWebhook,
  },
};
