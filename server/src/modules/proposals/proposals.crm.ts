/**
 * CRM proposals (GoHighLevel, or the simulator's CRM): enrol a synced contact in a workflow, or send
 * it an SMS or email. What they change lives on the CRM, not in Omnify's ads tables, so they carry
 * their own draft and facts: the contact, and the organization's recent CRM write-backs for the
 * hourly and per-contact limits.
 */
import { conflict, invalidInput, notFound } from '../../platform/errors.ts';
import type { Executor } from '../../storage/db.ts';
import type { Draft, ProposedWrite, Snapshot } from './proposals.model.ts';
import { effectivePolicy } from './proposals.policies.ts';
import type { CrmFacts, CrmKind } from './proposals.policy.ts';
import type { ProposeInput } from './proposals.service.ts';

/** A CRM proposal's write, snapshots, impact (no budget: zero) and facts. */
export async function draftCrm(
  trx: Executor,
  org: string,
  input: ProposeInput & { kind: CrmKind },
  contactId: string,
  now: Date,
): Promise<Draft> {
  const contact = await loadContact(trx, org, contactId);
  const { write, before, after, summary } = plannedCrmWrite(input, contact);
  const policy = await effectivePolicy(trx, org, contact.clientId);
  const crm = await gatherCrmFacts(trx, org, {
    contactId,
    workflowId: input.kind === 'crm_enroll_workflow' ? (input.workflowId ?? null) : null,
    now,
  });
  return {
    clientId: contact.clientId,
    write,
    before,
    after,
    policy,
    facts: {
      kind: input.kind,
      level: 'contact',
      entityId: contactId,
      crm,
      budgetBefore: null,
      budgetAfter: null,
      budgetAtStartOfDay: null,
      hoursSinceLastChange: null,
      pausesLastHour: 0,
      liveAdsAfterPause: null,
      projectedMonthSpendMicros: null,
      agentAutoApprovePct: null,
      at: now.toISOString(),
    },
    // ISO 4217 "XXX": no currency is involved.
    impact: {
      dailyBudgetDeltaMicros: 0,
      monthlyBudgetDeltaMicros: 0,
      avgDailySpendMicros7d: 0,
      currency: 'XXX',
      summary,
    },
  };
}

export interface ContactNow {
  id: string;
  name: string;
  clientId: string | null;
  email: string | null;
  phone: string | null;
}

export async function loadContact(trx: Executor, org: string, id: string): Promise<ContactNow> {
  const c = await trx
    .selectFrom('crm_contacts')
    .select(['id', 'first_name', 'last_name', 'email', 'phone', 'client_id', 'external_id'])
    .where('organization_id', '=', org)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!c) throw notFound('Contact', id);
  const name = [c.first_name, c.last_name].filter(Boolean).join(' ') || c.email || c.phone || c.external_id;
  return { id: c.id, name, clientId: c.client_id, email: c.email, phone: c.phone };
}

/** The CRM write-back a proposal asks for, checked against the contact (a channel it can receive). */
export function plannedCrmWrite(
  input: ProposeInput & { kind: CrmKind },
  contact: ContactNow,
): { write: ProposedWrite; before: Snapshot; after: Snapshot; summary: string } {
  const amounts = [input.percent, input.amountMicros, input.dailyBudgetMicros].some((v) => v !== undefined);
  if (amounts) throw invalidInput(`A ${input.kind} takes no amount`);
  const before: Snapshot = { status: 'contact', dailyBudgetMicros: null };
  if (input.kind === 'crm_enroll_workflow') {
    if (!input.workflowId) throw invalidInput('A crm_enroll_workflow needs a workflowId');
    if (input.type || input.message || input.subject)
      throw invalidInput('A crm_enroll_workflow takes a workflowId only (no type, message or subject)');
    return {
      write: {
        type: 'crm_enroll_workflow',
        level: 'contact',
        entityId: contact.id,
        workflowId: input.workflowId,
      },
      before,
      after: { status: 'enrolled_in_workflow', dailyBudgetMicros: null },
      summary: `enrol contact "${contact.name}" in workflow ${input.workflowId}`,
    };
  }
  if (input.workflowId) throw invalidInput('A crm_send_message takes no workflowId');
  if (!input.type || !input.message) throw invalidInput('A crm_send_message needs a type and a message');
  if (input.type === 'Email' && !input.subject) throw invalidInput('An email needs a subject');
  if (input.type === 'SMS' && input.subject) throw invalidInput('An SMS has no subject');
  if (input.type === 'SMS' && !contact.phone)
    throw conflict(`Contact "${contact.name}" has no phone number to text`);
  if (input.type === 'Email' && !contact.email)
    throw conflict(`Contact "${contact.name}" has no email address`);
  return {
    write: {
      type: 'crm_send_message',
      level: 'contact',
      entityId: contact.id,
      channel: input.type,
      message: input.message,
      ...(input.subject ? { subject: input.subject } : {}),
    },
    before,
    after: { status: 'message_sent', dailyBudgetMicros: null },
    summary: `send an ${input.type === 'SMS' ? 'SMS' : 'email'} to contact "${contact.name}"`,
  };
}

const num = (v: unknown) => (v == null ? 0 : Number(v));

/** Recent applied CRM write-backs of the organization (and of this contact) for the CRM checks. */
export async function gatherCrmFacts(
  trx: Executor,
  org: string,
  p: { contactId: string; workflowId: string | null; now: Date },
): Promise<CrmFacts> {
  const hourAgo = new Date(p.now.getTime() - 3_600_000).toISOString();
  const dayAgo = new Date(p.now.getTime() - 86_400_000).toISOString();
  const count = async (type: string, since: string, contactId?: string) => {
    let q = trx
      .selectFrom('write_actions')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('organization_id', '=', org)
      .where('status', '=', 'applied')
      .where('type', '=', type)
      .where('applied_at', '>=', since);
    if (contactId) q = q.where('entity_id', '=', contactId);
    return num((await q.executeTakeFirst())?.n);
  };
  let alreadyEnrolled = false;
  if (p.workflowId) {
    const rows = await trx
      .selectFrom('write_actions')
      .select('payload')
      .where('organization_id', '=', org)
      .where('entity_id', '=', p.contactId)
      .where('type', '=', 'crm_enroll_workflow')
      .where('status', '=', 'applied')
      .execute();
    alreadyEnrolled = rows.some(
      (r) => (JSON.parse(r.payload) as { workflowId?: string }).workflowId === p.workflowId,
    );
  }
  return {
    messagesLastHour: await count('crm_send_message', hourAgo),
    messagesToContactLast24h: await count('crm_send_message', dayAgo, p.contactId),
    enrollmentsLastHour: await count('crm_enroll_workflow', hourAgo),
    alreadyEnrolled,
  };
}
