/** Team and roles, invitations, API keys. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  Field,
  Input,
  LoadingState,
  Notice,
  Select,
  StatusBadge,
} from '../../components/ui.tsx';
import { api, type Page } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { ago, date } from '../../lib/format.ts';
import type { Role } from '../../lib/types.ts';

const roles: Role[] = ['owner', 'admin', 'manager', 'member', 'viewer'];

interface Member {
  id: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
}
interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: string;
  expiresAt: string;
  token?: string;
  acceptUrl?: string;
}
interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  secret?: string;
}

export function TeamSettings() {
  const { can, me } = useAuth();
  const qc = useQueryClient();
  const members = useQuery({
    queryKey: ['members'],
    queryFn: () => api.get<Page<Member>>('/api/v1/members'),
  });
  const change = useMutation({
    mutationFn: ({ id, role }: { id: string; role: Role }) => api.patch(`/api/v1/members/${id}`, { role }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['members'] }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.del(`/api/v1/members/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['members'] }),
  });
  const manage = can('members:manage');
  return (
    <Card>
      <CardHeader
        title="Team"
        description="Owners and admins manage the team; nobody can grant a role above their own"
      />
      {members.isPending ? (
        <LoadingState />
      ) : members.error ? (
        <ErrorState error={members.error} />
      ) : (
        <ul className="divide-y divide-slate-100">
          {members.data.items.map((m) => (
            <li key={m.id} className="flex flex-wrap items-center justify-between gap-3 px-5 py-3">
              <div className="min-w-0">
                <p className="text-sm font-medium">
                  {m.name}{' '}
                  {m.userId === me?.user?.id && <span className="text-xs text-slate-400">(you)</span>}
                </p>
                <p className="text-xs text-slate-500">{m.email}</p>
              </div>
              {manage && m.userId !== me?.user?.id ? (
                <div className="flex items-center gap-2">
                  <Select
                    aria-label={`Role of ${m.name}`}
                    value={m.role}
                    onChange={(e) => change.mutate({ id: m.id, role: e.target.value as Role })}
                    className="w-auto py-1.5 text-xs"
                  >
                    {roles.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </Select>
                  <ConfirmDialog
                    title="Remove this member?"
                    summary={`${m.name} (${m.email}), ${m.role}`}
                    confirmLabel="Remove member"
                    tone="danger"
                    busy={remove.isPending && remove.variables === m.id}
                    onConfirm={() => remove.mutate(m.id)}
                    trigger={
                      <Button size="sm" variant="danger" aria-label={`Remove ${m.name}`}>
                        Remove
                      </Button>
                    }
                  >
                    <p>
                      They lose access to this organization at once: their sessions here end and the API keys
                      they created here are revoked. Their past actions stay in the audit log. To give access
                      again, invite them again.
                    </p>
                  </ConfirmDialog>
                </div>
              ) : (
                <Badge tone="violet">{m.role}</Badge>
              )}
            </li>
          ))}
        </ul>
      )}
      {(change.error || remove.error) && (
        <div className="px-5 pb-4">
          <Notice tone="red">{(change.error ?? remove.error)?.message}</Notice>
        </div>
      )}
    </Card>
  );
}

export function Invitations() {
  const { can } = useAuth();
  const qc = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [created, setCreated] = useState<Invitation | null>(null);
  const list = useQuery({
    queryKey: ['invitations'],
    queryFn: () => api.get<Page<Invitation>>('/api/v1/invitations'),
  });
  const invite = useMutation({
    mutationFn: () => api.post<Invitation>('/api/v1/invitations', { email, role }),
    onSuccess: (i) => {
      setCreated(i);
      setEmail('');
      qc.invalidateQueries({ queryKey: ['invitations'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.del(`/api/v1/invitations/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['invitations'] }),
  });
  const manage = can('invitations:manage');
  return (
    <Card>
      <CardHeader title="Invitations" description="Valid for 7 days" />
      {manage && (
        <form
          className="grid gap-3 border-b border-slate-100 px-5 py-4 sm:grid-cols-[1fr_10rem_auto] sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            invite.mutate();
          }}
        >
          <Field label="Email">
            <Input
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder="colleague@agency.com"
            />
          </Field>
          <Field label="Role">
            <Select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </Select>
          </Field>
          <Button type="submit" variant="primary" loading={invite.isPending}>
            Send invitation
          </Button>
          {invite.error && (
            <div className="sm:col-span-3">
              <Notice tone="red">{invite.error.message}</Notice>
            </div>
          )}
          {created?.token && (
            <div className="sm:col-span-3">
              <Notice tone="green">
                Invited {created.email}; the invitation is mailed to them. If mail is not set up on this
                server, send them this link yourself (shown once, valid 7 days):{' '}
                <code
                  className="rounded bg-white px-1 font-mono text-xs break-all"
                  data-testid="invitation-link"
                >
                  {created.acceptUrl ?? created.token}
                </code>
              </Notice>
            </div>
          )}
        </form>
      )}
      {list.isPending ? (
        <LoadingState />
      ) : list.error ? (
        <ErrorState error={list.error} />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No invitations" />
      ) : (
        <ul className="divide-y divide-slate-100">
          {list.data.items.map((i) => (
            <li key={i.id} className="flex flex-wrap items-center justify-between gap-2 px-5 py-3 text-sm">
              <span>
                {i.email}{' '}
                <span className="text-xs text-slate-500">
                  as {i.role} · expires {date(i.expiresAt)}
                </span>
              </span>
              <span className="flex items-center gap-2">
                <StatusBadge status={i.status} />
                {manage && i.status === 'pending' && (
                  <ConfirmDialog
                    title="Revoke this invitation?"
                    summary={`${i.email}, invited as ${i.role}`}
                    confirmLabel="Revoke invitation"
                    tone="danger"
                    busy={revoke.isPending && revoke.variables === i.id}
                    onConfirm={() => revoke.mutate(i.id)}
                    trigger={
                      <Button size="sm" variant="ghost" aria-label={`Revoke the invitation of ${i.email}`}>
                        Revoke
                      </Button>
                    }
                  >
                    <p>The link in the invitation email stops working. You can invite this address again.</p>
                  </ConfirmDialog>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function ApiKeys() {
  const { can, me } = useAuth();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['analytics:read', 'campaigns:read']);
  const [secret, setSecret] = useState<string | null>(null);
  const list = useQuery({ queryKey: ['api-keys'], queryFn: () => api.get<Page<ApiKey>>('/api/v1/api-keys') });
  const create = useMutation({
    mutationFn: () => api.post<ApiKey>('/api/v1/api-keys', { name, scopes }),
    onSuccess: (k) => {
      setSecret(k.secret ?? null);
      setName('');
      qc.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.del(`/api/v1/api-keys/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const manage = can('api_keys:manage');
  return (
    <Card>
      <CardHeader
        title="API keys"
        description="Scoped keys for scripts and integrations (X-Api-Key header)"
      />
      {manage && (
        <form
          className="space-y-3 border-b border-slate-100 px-5 py-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <div className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-end">
            <Field label="Name">
              <Input
                required
                value={name}
                onChange={(e) => setName(e.target.value)}
                placeholder="Reporting script"
              />
            </Field>
            <Button type="submit" variant="primary" loading={create.isPending} disabled={scopes.length === 0}>
              Create key
            </Button>
          </div>
          <fieldset>
            <legend className="mb-1 text-xs font-medium text-slate-700">
              Scopes (only permissions your role has)
            </legend>
            <div className="flex flex-wrap gap-x-4 gap-y-1">
              {(me?.permissions ?? []).map((p) => (
                <label key={p} className="flex items-center gap-1.5 text-xs text-slate-600">
                  <input
                    type="checkbox"
                    checked={scopes.includes(p)}
                    onChange={(e) =>
                      setScopes((s) => (e.target.checked ? [...s, p] : s.filter((x) => x !== p)))
                    }
                  />
                  <span className="font-mono">{p}</span>
                </label>
              ))}
            </div>
          </fieldset>
          {create.error && <Notice tone="red">{create.error.message}</Notice>}
          {secret && (
            <Notice tone="green">
              Copy the key now; it is not shown again:{' '}
              <code className="rounded bg-white px-1 font-mono text-xs break-all">{secret}</code>
            </Notice>
          )}
        </form>
      )}
      {list.isPending ? (
        <LoadingState />
      ) : list.error ? (
        <ErrorState error={list.error} />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No API keys" />
      ) : (
        <ul className="divide-y divide-slate-100">
          {list.data.items.map((k) => (
            <li key={k.id} className="flex flex-wrap items-center justify-between gap-2 px-5 py-3 text-sm">
              <div className="min-w-0">
                <p className="font-medium">
                  {k.name} <code className="ml-1 text-xs text-slate-500">{k.prefix}…</code>
                </p>
                <p className="truncate text-xs text-slate-500">
                  {k.scopes.join(', ')} · last used {ago(k.lastUsedAt)}
                </p>
              </div>
              {k.revokedAt ? (
                <StatusBadge status="revoked" />
              ) : (
                manage && (
                  <ConfirmDialog
                    title="Revoke this API key?"
                    summary={`${k.name} (${k.prefix}…)`}
                    confirmLabel="Revoke key"
                    tone="danger"
                    busy={revoke.isPending && revoke.variables === k.id}
                    onConfirm={() => revoke.mutate(k.id)}
                    trigger={
                      <Button size="sm" variant="danger" aria-label={`Revoke API key ${k.name}`}>
                        Revoke
                      </Button>
                    }
                  >
                    <p>
                      Scripts and integrations using it stop working at once: every request with it is
                      refused. This cannot be undone; create a new key to give access again.
                    </p>
                  </ConfirmDialog>
                )
              )}
            </li>
          ))}
        </ul>
      )}
      {revoke.error && (
        <div className="px-5 pb-4">
          <Notice tone="red">{revoke.error.message}</Notice>
        </div>
      )}
    </Card>
  );
}
