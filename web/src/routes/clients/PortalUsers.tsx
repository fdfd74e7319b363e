/**
 * The people of one client with access to its read-only portal: list, invite (the server mails a
 * link to choose a password, valid 7 days), send a new link, revoke. Reading needs clients:read,
 * changes clients:write (a viewer sees the list without the controls); the API is
 * /api/v1/clients/:clientId/portal-users.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertDialog } from 'radix-ui';
import { useState } from 'react';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import {
  Button,
  Card,
  CardHeader,
  ErrorState,
  Field,
  Input,
  LoadingState,
  Notice,
  StatusBadge,
} from '../../components/ui.tsx';
import { ApiError, api } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { ago, date, dateTime } from '../../lib/format.ts';
import type { Client } from '../../lib/types.ts';

export interface PortalUser {
  id: string;
  clientId: string;
  email: string;
  name: string;
  status: 'invited' | 'active' | 'revoked' | 'expired';
  invitedBy: string | null;
  inviteExpiresAt: string | null;
  acceptedAt: string | null;
  lastLoginAt: string | null;
  createdAt: string;
}

// The server's limits (portal.schema.ts: emailSchema, nameSchema), checked before sending so the
// usual mistakes are named next to their field; the server still has the last word.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function validateInvite(v: { email: string; name: string }): { email?: string; name?: string } {
  const out: { email?: string; name?: string } = {};
  const name = v.name.trim();
  const email = v.email.trim();
  if (!name) out.name = 'Enter their name';
  else if (name.length > 200) out.name = 'At most 200 characters';
  if (!email) out.email = 'Enter their email address';
  else if (email.length > 254 || !EMAIL.test(email)) out.email = 'Enter a valid email address';
  return out;
}

const statusHelp: Record<PortalUser['status'], string> = {
  invited: 'Invited: the emailed link to choose a password has not been used yet.',
  active: 'Active: chose a password and can sign in.',
  expired: 'The invitation link expired unused; send a new one.',
  revoked: 'Access revoked: cannot sign in; the old link no longer works.',
};

export function portalLoginUrl(slug: string): string {
  return `${window.location.origin}/portal/${slug}/login`;
}

function RevokeButton({ user, onConfirm }: { user: PortalUser; onConfirm: () => void }) {
  return (
    <AlertDialog.Root>
      <AlertDialog.Trigger asChild>
        <Button size="sm" variant="danger" aria-label={`Revoke portal access of ${user.email}`}>
          Revoke
        </Button>
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
        <AlertDialog.Content className="fixed top-1/2 left-1/2 z-50 w-[28rem] max-w-[92vw] -translate-x-1/2 -translate-y-1/2 rounded-xl bg-white p-5 shadow-xl">
          <AlertDialog.Title className="text-base font-semibold text-slate-900">
            Revoke portal access?
          </AlertDialog.Title>
          <AlertDialog.Description className="mt-2 text-sm text-slate-600">
            {user.name} ({user.email}) can no longer sign in: every open session ends now and an unused
            invitation link stops working. You can invite them again later.
          </AlertDialog.Description>
          <div className="mt-5 flex justify-end gap-2">
            <AlertDialog.Cancel asChild>
              <Button>Cancel</Button>
            </AlertDialog.Cancel>
            <AlertDialog.Action asChild>
              <Button variant="danger" onClick={onConfirm}>
                Revoke access
              </Button>
            </AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}

function InviteForm({ clientId, onInvited }: { clientId: string; onInvited: (u: PortalUser) => void }) {
  const qc = useQueryClient();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [shown, setShown] = useState<{ email?: string; name?: string }>({});
  const invite = useMutation({
    mutationFn: () =>
      api.post<PortalUser>(`/api/v1/clients/${clientId}/portal-users`, {
        email: email.trim(),
        name: name.trim(),
      }),
    onSuccess: (u) => {
      setEmail('');
      setName('');
      onInvited(u);
      qc.invalidateQueries({ queryKey: ['portal-users', clientId] });
    },
  });
  const serverField =
    invite.error instanceof ApiError ? (invite.error.details as { field?: string }).field : undefined;
  return (
    <form
      noValidate
      aria-label="Invite a portal user"
      className="grid gap-3 border-b border-slate-100 px-5 py-4 sm:grid-cols-[1fr_1fr_auto] sm:items-start"
      onSubmit={(e) => {
        e.preventDefault();
        const errors = validateInvite({ email, name });
        setShown(errors);
        if (!errors.email && !errors.name) invite.mutate();
      }}
    >
      <Field label="Name" hint={shown.name && <span className="text-rose-700">{shown.name}</span>}>
        <Input
          value={name}
          maxLength={200}
          autoComplete="off"
          aria-invalid={!!shown.name || serverField === 'name'}
          onChange={(e) => setName(e.target.value)}
          placeholder="Dana Client"
        />
      </Field>
      <Field label="Email" hint={shown.email && <span className="text-rose-700">{shown.email}</span>}>
        <Input
          type="email"
          value={email}
          maxLength={254}
          autoComplete="off"
          aria-invalid={!!shown.email || serverField === 'email'}
          onChange={(e) => setEmail(e.target.value)}
          placeholder="dana@client.com"
        />
      </Field>
      <Button type="submit" variant="primary" loading={invite.isPending} className="sm:mt-5">
        Send invitation
      </Button>
      {invite.error && (
        <div className="sm:col-span-3">
          <Notice tone="red">
            {invite.error.message}
            {invite.error instanceof ApiError && (
              <span className="ml-1 text-xs opacity-70">({invite.error.code})</span>
            )}
          </Notice>
        </div>
      )}
    </form>
  );
}

/** What the agency needs after an invitation: who got the mail, until when the link works, where to sign in. */
function Invited({ user, slug, onClose }: { user: PortalUser; slug: string | null; onClose: () => void }) {
  return (
    <div className="border-b border-slate-100 px-5 py-4" data-testid="portal-invite-result">
      <Notice tone="green">
        <div className="flex items-start justify-between gap-3">
          <div className="min-w-0 space-y-1">
            <p className="font-medium">
              Invitation emailed to {user.email}
              {user.inviteExpiresAt ? `; the link works until ${dateTime(user.inviteExpiresAt)}` : ''}.
            </p>
            <p>
              The link to choose a password is only in that email (Omnify does not show it here). If it does
              not arrive, use “Send new link” below; the previous link then stops working.
            </p>
            {slug && (
              <div>
                <p>Afterwards they sign in at this address (send it to them or add it to your site):</p>
                <Input
                  readOnly
                  aria-label="Portal sign-in address"
                  value={portalLoginUrl(slug)}
                  onFocus={(e) => e.currentTarget.select()}
                  className="mt-1 font-mono text-xs"
                />
              </div>
            )}
          </div>
          <Button size="sm" variant="ghost" onClick={onClose} aria-label="Dismiss">
            ✕
          </Button>
        </div>
      </Notice>
    </div>
  );
}

export function PortalUsers({ client }: { client: Client }) {
  const { can } = useAuth();
  const qc = useQueryClient();
  const [invited, setInvited] = useState<PortalUser | null>(null);
  const key = ['portal-users', client.id];
  const list = useQuery({
    queryKey: key,
    queryFn: () => api.get<{ items: PortalUser[] }>(`/api/v1/clients/${client.id}/portal-users`),
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
  const revoke = useMutation({
    mutationFn: (u: PortalUser) => api.del<PortalUser>(`/api/v1/clients/${client.id}/portal-users/${u.id}`),
    onSuccess: (u) => {
      if (invited?.id === u.id) setInvited(null);
      qc.invalidateQueries({ queryKey: key });
    },
  });
  const resend = useMutation({
    mutationFn: (u: PortalUser) =>
      api.post<PortalUser>(`/api/v1/clients/${client.id}/portal-users`, { email: u.email, name: u.name }),
    onSuccess: (u) => {
      setInvited(u);
      qc.invalidateQueries({ queryKey: key });
    },
  });
  const write = can('clients:write');
  const forbidden = list.error instanceof ApiError && list.error.status === 403;

  const columns: Column<PortalUser>[] = [
    {
      key: 'name',
      header: 'Person',
      sortValue: (u) => u.name.toLowerCase(),
      render: (u) => (
        <div>
          <p className="font-medium text-slate-900">{u.name}</p>
          <p className="text-xs text-slate-500">{u.email}</p>
        </div>
      ),
    },
    {
      key: 'status',
      header: 'Access',
      sortValue: (u) => u.status,
      render: (u) => (
        <div>
          <StatusBadge status={u.status} help={statusHelp[u.status]} />
          {u.status === 'invited' && u.inviteExpiresAt && (
            <p className="mt-0.5 text-xs text-slate-500">link until {date(u.inviteExpiresAt)}</p>
          )}
          {u.status === 'expired' && u.inviteExpiresAt && (
            <p className="mt-0.5 text-xs text-slate-500">expired {date(u.inviteExpiresAt)}</p>
          )}
        </div>
      ),
    },
    {
      key: 'lastLogin',
      header: 'Last sign-in',
      sortValue: (u) => u.lastLoginAt,
      render: (u) => (
        <span className="text-slate-600" title={u.lastLoginAt ? dateTime(u.lastLoginAt) : undefined}>
          {ago(u.lastLoginAt)}
        </span>
      ),
    },
    {
      key: 'created',
      header: 'Invited',
      sortValue: (u) => u.createdAt,
      render: (u) => <span className="text-slate-600">{date(u.createdAt)}</span>,
    },
  ];
  if (write)
    columns.push({
      key: 'actions',
      header: '',
      align: 'right',
      render: (u) => (
        <span className="inline-flex gap-1.5">
          {u.status !== 'active' && (
            <Button
              size="sm"
              loading={resend.isPending && resend.variables?.id === u.id}
              onClick={() => resend.mutate(u)}
              aria-label={`Send a new invitation link to ${u.email}`}
            >
              {u.status === 'invited' ? 'Send new link' : 'Invite again'}
            </Button>
          )}
          {(u.status === 'active' || u.status === 'invited') && (
            <RevokeButton user={u} onConfirm={() => revoke.mutate(u)} />
          )}
        </span>
      ),
    });

  const rowError = revoke.error ?? resend.error;
  return (
    <Card className="mt-6">
      <CardHeader
        title="Portal users"
        description={
          client.portalSlug ? (
            <>
              People at {client.name} who can read its white-label portal at{' '}
              <a
                href={`/portal/${client.portalSlug}/login`}
                target="_blank"
                rel="noreferrer"
                className="font-mono text-brand-700 hover:underline"
              >
                /portal/{client.portalSlug}/login
              </a>
            </>
          ) : (
            `People at ${client.name} who can read its white-label portal`
          )
        }
      />
      {write && !forbidden && <InviteForm clientId={client.id} onInvited={setInvited} />}
      {invited && (
        <Invited user={invited} slug={client.portalSlug ?? null} onClose={() => setInvited(null)} />
      )}
      {!write && !forbidden && list.data && (
        <p className="border-b border-slate-100 px-5 py-3 text-xs text-slate-500">
          Your role can see portal users but not invite or revoke them.
        </p>
      )}
      {rowError && (
        <div className="px-5 pt-4">
          <Notice tone="red">{rowError.message}</Notice>
        </div>
      )}
      {list.isPending ? (
        <LoadingState />
      ) : forbidden ? (
        <div className="px-5 py-4">
          <Notice tone="amber">
            You cannot see this client's portal users: {(list.error as ApiError).message}.
          </Notice>
        </div>
      ) : list.error ? (
        <ErrorState error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <DataTable
          label="Portal users"
          rows={list.data.items}
          columns={columns}
          rowKey={(u) => u.id}
          empty="Nobody from this client has portal access yet"
          pageSize={10}
        />
      )}
    </Card>
  );
}
