import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import {
  type Permission,
  permissions,
  permissionsOf,
  type Role,
  roleCan,
  roleRank,
  roles,
} from './permissions.ts';

let ipCounter = 0;
const nextIp = () => `10.7.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

interface Case {
  role: Role;
  does: string;
  request: () => InjectOptions;
  status: number;
}

describe('the permission matrix', () => {
  it('ranks roles so that a higher role can do everything a lower one can', () => {
    const ordered = [...roles].sort((x, y) => roleRank[y] - roleRank[x]);
    expect(ordered).toEqual(['owner', 'admin', 'manager', 'member', 'viewer']);
    for (let i = 1; i < ordered.length; i++) {
      const higher = new Set(permissionsOf(ordered[i - 1] as Role));
      for (const p of permissionsOf(ordered[i] as Role))
        expect(higher.has(p), `${ordered[i - 1]} lacks ${p}`).toBe(true);
    }
  });

  it('never grants a write without the matching read', () => {
    for (const role of roles)
      for (const p of permissionsOf(role)) {
        const read = `${p.split(':')[0]}:read` as Permission;
        if (permissions.includes(read))
          expect(roleCan(role, read), `${role} has ${p} but not ${read}`).toBe(true);
      }
  });

  it('keeps billing:manage for owners and API key management for admins and owners', () => {
    expect(roles.filter((r) => roleCan(r, 'billing:manage'))).toEqual(['owner']);
    expect(roles.filter((r) => roleCan(r, 'api_keys:manage'))).toEqual(['owner', 'admin']);
    expect(roles.filter((r) => roleCan(r, 'audit:read'))).toEqual(['owner', 'admin', 'manager']);
    expect(roles.filter((r) => roleCan(r, 'clients:read'))).toEqual([...roles]);
  });
});

describe(`permissions enforced over HTTP on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  const users = {} as Record<Role, Signed>;
  let clientId: string;
  let agentId: string;
  const send = (who: Signed | null, opts: InjectOptions) =>
    t.app.inject({
      ...opts,
      remoteAddress: nextIp(),
      headers: { ...(who?.headers ?? {}), ...(opts.headers as Record<string, string>) },
    });
  const auditHead = async () =>
    (
      await t.storage.db
        .selectFrom('audit_chain_heads')
        .select(['last_seq', 'last_hash'])
        .where('organization_id', '=', owner.organizationId)
        .executeTakeFirstOrThrow()
    ).last_seq;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'roles-owner');
    users.owner = owner;
    for (const role of ['admin', 'manager', 'member', 'viewer'] as const) {
      const email = uniqueEmail(role);
      const inv = await send(owner, { method: 'POST', url: '/api/v1/invitations', payload: { email, role } });
      const res = await send(null, {
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email, password: 'role password', name: role, invitationToken: inv.json().token },
      });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      users[role] = {
        token: body.tokens.accessToken,
        refreshToken: body.tokens.refreshToken,
        userId: body.user.id,
        organizationId: owner.organizationId,
        email,
        password: 'role password',
        headers: { authorization: `Bearer ${body.tokens.accessToken}` },
      };
    }
    clientId = (
      await send(owner, {
        method: 'POST',
        url: '/api/v1/clients',
        payload: { name: 'Kept', email: uniqueEmail('kept') },
      })
    ).json().id;
    agentId = (await send(owner, { method: 'GET', url: '/api/v1/agents' })).json().items[0].id;
  });
  afterAll(() => t.close());

  const newClient = () => ({
    method: 'POST' as const,
    url: '/api/v1/clients',
    payload: { name: 'New', email: uniqueEmail('new') },
  });
  const key = (scopes: Permission[]) => ({
    method: 'POST' as const,
    url: '/api/v1/api-keys',
    payload: { name: 'k', scopes },
  });
  const cases: Case[] = [
    {
      role: 'viewer',
      does: 'list clients',
      request: () => ({ method: 'GET', url: '/api/v1/clients' }),
      status: 200,
    },
    { role: 'viewer', does: 'create a client', request: newClient, status: 403 },
    {
      role: 'viewer',
      does: 'change an agent',
      request: () => ({ method: 'PATCH', url: `/api/v1/agents/${agentId}`, payload: { enabled: false } }),
      status: 403,
    },
    {
      role: 'viewer',
      does: 'list invitations',
      request: () => ({ method: 'GET', url: '/api/v1/invitations' }),
      status: 403,
    },
    { role: 'member', does: 'create a client', request: newClient, status: 201 },
    {
      role: 'member',
      does: 'delete a client',
      request: () => ({ method: 'DELETE', url: `/api/v1/clients/${clientId}` }),
      status: 403,
    },
    {
      role: 'member',
      does: 'read the audit trail',
      request: () => ({ method: 'GET', url: '/api/v1/audit' }),
      status: 403,
    },
    {
      role: 'member',
      does: 'read the retention policy',
      request: () => ({ method: 'GET', url: '/api/v1/retention' }),
      status: 403,
    },
    {
      role: 'manager',
      does: 'read the audit trail',
      request: () => ({ method: 'GET', url: '/api/v1/audit' }),
      status: 200,
    },
    {
      role: 'manager',
      does: 'change an agent',
      request: () => ({ method: 'PATCH', url: `/api/v1/agents/${agentId}`, payload: { enabled: true } }),
      status: 200,
    },
    {
      role: 'manager',
      does: 'list API keys',
      request: () => ({ method: 'GET', url: '/api/v1/api-keys' }),
      status: 403,
    },
    { role: 'manager', does: 'create an API key', request: () => key(['clients:read']), status: 403 },
    {
      role: 'manager',
      does: 'invite someone',
      request: () => ({
        method: 'POST',
        url: '/api/v1/invitations',
        payload: { email: uniqueEmail('i'), role: 'viewer' },
      }),
      status: 403,
    },
    {
      role: 'manager',
      does: 'change the retention policy',
      request: () => ({
        method: 'PUT',
        url: '/api/v1/retention',
        payload: { auditDays: 3000, executionsDays: 90, metricsDays: 731 },
      }),
      status: 403,
    },
    { role: 'admin', does: 'create an API key', request: () => key(['clients:read']), status: 201 },
    {
      role: 'admin',
      does: 'grant billing:manage to an API key',
      request: () => key(['billing:manage']),
      status: 403,
    },
    {
      role: 'admin',
      does: 'rename the organization',
      request: () => ({
        method: 'PATCH',
        url: '/api/v1/organization',
        payload: { name: 'Renamed by admin' },
      }),
      status: 200,
    },
    {
      role: 'owner',
      does: 'grant billing:manage to an API key',
      request: () => key(['billing:manage']),
      status: 201,
    },
    {
      role: 'owner',
      does: 'change the retention policy',
      request: () => ({
        method: 'PUT',
        url: '/api/v1/retention',
        payload: { auditDays: 3000, executionsDays: 90, metricsDays: 731 },
      }),
      status: 200,
    },
  ];

  for (const c of cases) {
    it(`a ${c.role} ${c.status < 300 ? 'may' : 'may not'} ${c.does}${c.status === 403 ? ' (403, nothing written)' : ''}`, async () => {
      const before = await auditHead();
      const res = await send(users[c.role], c.request());
      expect(res.statusCode, res.body).toBe(c.status);
      if (c.status === 403) {
        expect(res.json().error.code).toBe('forbidden');
        expect(await auditHead()).toBe(before);
      }
    });
  }

  it('every role sees its own permissions on /api/v1/me', async () => {
    for (const role of roles) {
      const me = await send(users[role], { method: 'GET', url: '/api/v1/me' });
      expect(me.json()).toMatchObject({ role, permissions: permissionsOf(role) });
    }
  });
});
