/**
 * GoHighLevel actions through the proposal path, against the HighLevel fake over real HTTP: workflow
 * enrolments and messages are proposed at POST /api/v1/actions, pass the CRM guardrails, and reach
 * the vendor once (checked in the fake's request log, with the Version each endpoint needs).
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GoHighLevelFake, startGoHighLevelFake } from '../../../test/fakes/gohighlevel/fake.ts';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import { systemCtx } from '../auth/context.ts';
import { makeCrmScenario } from '../connectors/gohighlevel/crm.contract.ts';

describe(`GoHighLevel actions through proposals on ${testDialect()}`, () => {
  let t: TestApp;
  let fake: GoHighLevelFake;
  let owner: Signed;
  let contacts: Array<{ id: string; email: string | null; phone: string | null }>;

  const req = (who: Signed, opts: InjectOptions) => t.app.inject(as(who, opts));
  const propose = (payload: Record<string, unknown>, who: Signed = owner) =>
    req(who, { method: 'POST', url: '/api/v1/actions', payload });
  const approve = (id: string) =>
    req(owner, { method: 'POST', url: `/api/v1/actions/${id}/approve`, payload: {} });
  const vendorCalls = (path: RegExp) =>
    fake.log.filter((r) => r.method === 'POST' && path.test(r.path)).map((r) => r);

  beforeAll(async () => {
    fake = await startGoHighLevelFake(makeCrmScenario());
    t = await createTestApp({
      env: {
        OMNIFY_GOHIGHLEVEL_CLIENT_ID: 'client-123',
        OMNIFY_GOHIGHLEVEL_CLIENT_SECRET: 'secret-456',
        OMNIFY_GOHIGHLEVEL_API_BASE_URL: fake.url,
        OMNIFY_GOHIGHLEVEL_TOKEN_URL: `${fake.url}/oauth/token`,
        OMNIFY_GOHIGHLEVEL_AUTHORIZE_URL: `${fake.url}/oauth/chooselocation`,
      },
    });
    owner = await signUp(t.app, 'crm-actions');
    const created = await req(owner, {
      method: 'POST',
      url: '/api/v1/connections',
      payload: { platform: 'gohighlevel', name: 'Acme HighLevel' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const state = new URL(created.json().authorizationUrl).searchParams.get('state');
    const cb = await t.app.inject({
      method: 'GET',
      url: `/api/v1/connections/oauth/callback?state=${state}&code=good-code`,
    });
    expect(cb.statusCode, cb.body).toBe(200);
    const connectionId = created.json().connection.id;
    const sync = await req(owner, {
      method: 'POST',
      url: `/api/v1/connections/${connectionId}/sync`,
      payload: { kind: 'incremental' },
    });
    expect(sync.statusCode, sync.body).toBe(202);
    expect((await t.services.sync.execute(owner.organizationId, sync.json().id)).status).toBe('succeeded');
    contacts = await t.storage.db
      .selectFrom('crm_contacts')
      .select(['id', 'email', 'phone'])
      .where('organization_id', '=', owner.organizationId)
      .orderBy('id')
      .execute();
    expect(contacts.length).toBeGreaterThan(4);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('a message waits for approval by default, is sent once on approval, and cannot be reverted', async () => {
    const contact = contacts.find((c) => c.phone)!;
    const res = await propose({
      kind: 'crm_send_message',
      contactId: contact.id,
      type: 'SMS',
      message: 'Hi! Your consultation is confirmed for Tuesday.',
      reason: 'Follow-up after the form fill',
    });
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json().proposal;
    expect(p).toMatchObject({
      status: 'pending_approval',
      level: 'contact',
      entityId: contact.id,
      risk: 'medium',
      action: { type: 'crm_send_message', channel: 'SMS' },
    });
    expect(p.checks).toContainEqual(
      expect.objectContaining({ check: 'always_require_approval', outcome: 'needs_approval' }),
    );
    expect(vendorCalls(/^\/conversations\/messages$/)).toHaveLength(0);

    const approved = await approve(p.id);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().status).toBe('applied');
    const sent = vendorCalls(/^\/conversations\/messages$/);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers.version).toBe('2021-04-15');
    expect(sent[0]?.body).toMatchObject({
      type: 'SMS',
      message: 'Hi! Your consultation is confirmed for Tuesday.',
    });
    expect(fake.messages()).toHaveLength(1);
    const writeBack = await req(owner, {
      method: 'GET',
      url: `/api/v1/write-backs/${approved.json().appliedActionId}`,
    });
    expect(writeBack.json()).toMatchObject({
      level: 'contact',
      type: 'crm_send_message',
      after: { messageId: fake.messages()[0]?.messageId },
    });

    // Approving again or reverting sends nothing more.
    expect((await approve(p.id)).statusCode).toBe(409);
    const revert = await req(owner, { method: 'POST', url: `/api/v1/actions/${p.id}/revert`, payload: {} });
    expect(revert.statusCode).toBe(409);
    expect(vendorCalls(/^\/conversations\/messages$/)).toHaveLength(1);

    // A second message to the same contact within 24 hours trips the per-contact limit too.
    const again = (
      await propose({ kind: 'crm_send_message', contactId: contact.id, type: 'SMS', message: 'Reminder' })
    ).json().proposal;
    expect(again.checks).toContainEqual(
      expect.objectContaining({ check: 'max_messages_per_contact_per_day', outcome: 'needs_approval' }),
    );
  });

  it('a workflow enrolment within limits is applied at once; the same enrolment again is blocked', async () => {
    const contact = contacts[1]!;
    const res = await propose({
      kind: 'crm_enroll_workflow',
      contactId: contact.id,
      workflowId: 'wf-nurture-7',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().proposal).toMatchObject({ status: 'applied', risk: 'low' });
    const calls = vendorCalls(/^\/contacts\/[^/]+\/workflow\/wf-nurture-7$/);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.headers.version).toBe('2021-07-28');
    expect(fake.workflowEnrolments()).toContainEqual({
      contactExternalId: expect.any(String),
      workflowId: 'wf-nurture-7',
    });
    const twice = (
      await propose({ kind: 'crm_enroll_workflow', contactId: contact.id, workflowId: 'wf-nurture-7' })
    ).json().proposal;
    expect(twice.status).toBe('blocked');
    expect(twice.checks).toContainEqual(
      expect.objectContaining({ check: 'already_enrolled', outcome: 'blocked' }),
    );
    expect(vendorCalls(/^\/contacts\/[^/]+\/workflow\/wf-nurture-7$/)).toHaveLength(1);
  });

  it('the hourly message limit sends the next message to approval once messages no longer always need it', async () => {
    await t.services.proposals.policies.put(systemCtx(owner.organizationId), null, {
      alwaysRequireApproval: [],
      maxMessagesPerHour: 2,
    });
    const withEmail = contacts.filter((c) => c.email).slice(2, 5);
    const outcomes: string[] = [];
    for (const c of withEmail) {
      const p = (
        await propose({
          kind: 'crm_send_message',
          contactId: c.id,
          type: 'Email',
          subject: 'Your quote',
          message: 'Here is your quote.\nThanks!',
        })
      ).json().proposal;
      outcomes.push(p.status);
    }
    // One message went out in the first test; one more fits under 2 per hour; the next waits.
    expect(outcomes).toEqual(['applied', 'pending_approval', 'pending_approval']);
    const emails = vendorCalls(/^\/conversations\/messages$/).filter(
      (r) => (r.body as { type?: string }).type === 'Email',
    );
    expect(emails).toHaveLength(1);
    // Plain text becomes escaped HTML with line breaks.
    expect(emails[0]?.body).toMatchObject({ subject: 'Your quote', html: 'Here is your quote.<br>Thanks!' });
  });

  it('refuses malformed CRM proposals with 400 and another organization with 404, sending nothing', async () => {
    const before = fake.log.length;
    const contact = contacts.find((c) => c.email)!;
    for (const payload of [
      { kind: 'crm_send_message', contactId: contact.id, type: 'Email', message: 'no subject' },
      { kind: 'crm_send_message', contactId: contact.id, message: 'no type' },
      { kind: 'crm_enroll_workflow', contactId: contact.id },
      { kind: 'crm_enroll_workflow', campaignId: 'cmp_x', workflowId: 'wf-1' },
      { kind: 'pause', contactId: contact.id },
      { kind: 'crm_enroll_workflow', contactId: contact.id, workflowId: 'wf-1', percent: 10 },
    ]) {
      const res = await propose(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const other = await signUp(t.app, 'crm-other');
    const foreign = await propose(
      { kind: 'crm_enroll_workflow', contactId: contact.id, workflowId: 'wf-1' },
      other,
    );
    expect(foreign.statusCode).toBe(404);
    expect(fake.log.length).toBe(before);
  });
});
