/**
 * The pages a mailed link or the sign-in page leads to, before anyone is signed in: asking for a
 * password reset, choosing a new password from the reset link, accepting an invitation (by creating
 * an account, or as the signed-in user), and creating an agency account.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Logo } from '../../components/icons.tsx';
import { Button, Field, Input, Notice } from '../../components/ui.tsx';
import { ApiError, api, storePair } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';

type TokenPair = Parameters<typeof storePair>[0];

const linkClass = 'font-medium text-brand-700 hover:underline';

/** The sign-in page's frame: logo, title, one card. */
export function AuthFrame({
  title,
  subtitle,
  children,
  footer,
}: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <div className="flex min-h-screen items-center justify-center bg-gradient-to-b from-slate-50 to-brand-50/60 px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center gap-3 text-center">
          <Logo className="size-11" />
          <div>
            <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
            {subtitle && <p className="mt-1 text-sm text-slate-500">{subtitle}</p>}
          </div>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">{children}</div>
        {footer && <p className="mt-6 text-center text-xs text-slate-500">{footer}</p>}
      </div>
    </div>
  );
}

/** The API's message, with the field it names when it names one (e.g. "password: at least 8 characters"). */
function messageOf(err: unknown, fallback: string): string {
  if (err instanceof ApiError) {
    if (err.status === 429) return err.message || 'Too many attempts. Wait a minute and try again.';
    return err.message || fallback;
  }
  return err instanceof Error ? err.message : fallback;
}

function useSubmit<T>(run: () => Promise<T>, fallback: string) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await run();
    } catch (err) {
      setError(messageOf(err, fallback));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, submit };
}

function PasswordField({
  label = 'Password',
  value,
  onChange,
}: {
  label?: string;
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <Field label={label} hint="At least 8 characters">
      <Input
        type="password"
        name="new-password"
        autoComplete="new-password"
        minLength={8}
        required
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </Field>
  );
}

function NameField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <Field label="Your name">
      <Input
        name="name"
        autoComplete="name"
        required
        autoFocus
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </Field>
  );
}

function EmailField({
  value,
  onChange,
  hint,
  autoFocus,
}: {
  value: string;
  onChange: (v: string) => void;
  hint?: string;
  autoFocus?: boolean;
}) {
  return (
    <Field label="Email" hint={hint}>
      <Input
        type="email"
        name="email"
        autoComplete="username"
        required
        autoFocus={autoFocus}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </Field>
  );
}

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, submit } = useSubmit(async () => {
    await api.post('/api/v1/auth/password-reset', { email: email.trim() });
    setSent(true);
  }, 'Could not send the link');
  return (
    <AuthFrame
      title="Reset your password"
      subtitle="We mail you a link that sets a new one"
      footer={
        <Link className={linkClass} to="/login">
          Back to sign in
        </Link>
      }
    >
      {sent ? (
        <Notice tone="green">
          If {email.trim()} has an Omnify account, a link to choose a new password is on its way. It works
          once, for one hour. No mail? Check the spam folder, or ask your administrator whether this server
          sends mail.
        </Notice>
      ) : (
        <form onSubmit={submit} className="space-y-4" aria-label="Reset password">
          <EmailField value={email} onChange={setEmail} autoFocus />
          {error && <Notice tone="red">{error}</Notice>}
          <Button type="submit" variant="primary" className="w-full" loading={busy}>
            Send reset link
          </Button>
        </form>
      )}
    </AuthFrame>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useSubmit(async () => {
    await api.post('/api/v1/auth/password-reset/confirm', { token, password });
    setDone(true);
  }, 'Could not set the password');
  return (
    <AuthFrame
      title="Choose a new password"
      footer={
        <Link className={linkClass} to="/login">
          Back to sign in
        </Link>
      }
    >
      {!token ? (
        <Notice tone="amber">
          This page needs the link from the reset mail.{' '}
          <Link className={linkClass} to="/forgot-password">
            Ask for a new link
          </Link>
        </Notice>
      ) : done ? (
        <div className="space-y-4">
          <Notice tone="green">
            Your password is changed, and every session that was signed in is signed out.
          </Notice>
          <Link className={linkClass} to="/login">
            Sign in with the new password
          </Link>
        </div>
      ) : (
        <form onSubmit={submit} className="space-y-4" aria-label="Password reset">
          <PasswordField label="New password" value={password} onChange={setPassword} />
          {error && (
            <Notice tone="red">
              {error}{' '}
              <Link className={linkClass} to="/forgot-password">
                Ask for a new link
              </Link>
            </Notice>
          )}
          <Button type="submit" variant="primary" className="w-full" loading={busy}>
            Set password
          </Button>
        </form>
      )}
    </AuthFrame>
  );
}

/** Creates the account and stores its session; `invitationToken` joins that organization instead. */
function useRegister() {
  const qc = useQueryClient();
  return async (body: Record<string, string>) => {
    const res = await api.post<{ tokens: TokenPair }>('/api/v1/auth/register', body);
    qc.clear();
    storePair(res.tokens);
  };
}

interface InvitationOffer {
  organizationName: string;
  email: string;
  role: string;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  expiresAt: string;
}

const spent: Record<Exclude<InvitationOffer['status'], 'pending'>, string> = {
  accepted: 'This invitation was already accepted.',
  revoked: 'This invitation was withdrawn.',
  expired: 'This invitation has expired (they last 7 days).',
};

export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  // A token is 43 characters; a shorter one is a link cut when it was copied.
  const complete = token.length >= 10;
  const offer = useQuery({
    queryKey: ['invitation-offer', token],
    enabled: complete,
    retry: false,
    queryFn: () => api.post<InvitationOffer>('/api/v1/invitations/lookup', { token }),
  });
  const navigate = useNavigate();
  const { signedIn, me, switchOrganization } = useAuth();
  const register = useRegister();
  const [name, setName] = useState('');
  const [typedEmail, setEmail] = useState<string | null>(null);
  const email = typedEmail ?? offer.data?.email ?? '';
  const [password, setPassword] = useState('');
  const joinNew = useSubmit(async () => {
    await register({ name: name.trim(), email: email.trim(), password, invitationToken: token });
    navigate('/', { replace: true });
  }, 'Could not accept the invitation');
  const joinSignedIn = useSubmit(async () => {
    const r = await api.post<{ organizationId: string }>('/api/v1/invitations/accept', { token });
    await switchOrganization(r.organizationId);
    navigate('/', { replace: true });
  }, 'Could not accept the invitation');

  const title = offer.data ? `Join ${offer.data.organizationName} on Omnify` : 'Join your team on Omnify';
  const unusable = !complete
    ? token
      ? 'This link is incomplete: it was probably cut when it was copied. Open the link from the invitation mail again.'
      : 'This page needs the link from the invitation mail. Ask whoever invited you to send it again.'
    : offer.error
      ? offer.error instanceof ApiError && offer.error.status === 404
        ? 'This invitation link is not valid: check that it is the whole link from the mail, or ask for a new invitation.'
        : messageOf(offer.error, 'Could not read the invitation')
      : offer.data && offer.data.status !== 'pending'
        ? `${spent[offer.data.status]} Ask whoever invited you for a new one.`
        : null;
  if (unusable)
    return (
      <AuthFrame title={title}>
        <Notice tone="amber">{unusable}</Notice>
      </AuthFrame>
    );
  if (offer.isPending)
    return (
      <AuthFrame title={title}>
        <p className="text-sm text-slate-500">Reading the invitation…</p>
      </AuthFrame>
    );
  const as = `as ${offer.data?.role === 'admin' || offer.data?.role === 'owner' ? 'an' : 'a'} ${offer.data?.role}`;
  if (signedIn)
    return (
      <AuthFrame
        title={title}
        subtitle={me?.user ? `Signed in as ${me.user.email}; invited ${as}` : undefined}
        footer={`The invitation was sent to ${offer.data?.email}; accept it signed in with that address.`}
      >
        <form onSubmit={joinSignedIn.submit} className="space-y-4" aria-label="Accept invitation">
          {joinSignedIn.error && <Notice tone="red">{joinSignedIn.error}</Notice>}
          <Button type="submit" variant="primary" className="w-full" loading={joinSignedIn.busy}>
            Accept invitation
          </Button>
        </form>
      </AuthFrame>
    );
  return (
    <AuthFrame
      title={title}
      subtitle={`Create your account to join ${as}`}
      footer={
        <>
          Already have an account?{' '}
          <Link className={linkClass} to="/login" state={{ from: `/accept-invitation?token=${token}` }}>
            Sign in
          </Link>{' '}
          and come back to this link.
        </>
      }
    >
      <form onSubmit={joinNew.submit} className="space-y-4" aria-label="Create account">
        <NameField value={name} onChange={setName} />
        <EmailField value={email} onChange={setEmail} hint="The address the invitation was sent to" />
        <PasswordField value={password} onChange={setPassword} />
        {joinNew.error && <Notice tone="red">{joinNew.error}</Notice>}
        <Button type="submit" variant="primary" className="w-full" loading={joinNew.busy}>
          Create account and join
        </Button>
      </form>
    </AuthFrame>
  );
}

export function RegisterPage() {
  const navigate = useNavigate();
  const register = useRegister();
  const [name, setName] = useState('');
  const [organizationName, setOrganizationName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    await register({
      name: name.trim(),
      organizationName: organizationName.trim(),
      email: email.trim(),
      password,
    });
    navigate('/', { replace: true });
  }, 'Could not create the account');
  return (
    <AuthFrame
      title="Create your agency"
      subtitle="An account, and an organization you own"
      footer={
        <>
          Already have an account?{' '}
          <Link className={linkClass} to="/login">
            Sign in
          </Link>
        </>
      }
    >
      <form onSubmit={submit} className="space-y-4" aria-label="Create agency">
        <NameField value={name} onChange={setName} />
        <Field label="Agency name">
          <Input
            name="organization"
            autoComplete="organization"
            required
            value={organizationName}
            onChange={(e) => setOrganizationName(e.target.value)}
          />
        </Field>
        <EmailField value={email} onChange={setEmail} />
        <PasswordField value={password} onChange={setPassword} />
        {error && <Notice tone="red">{error}</Notice>}
        <Button type="submit" variant="primary" className="w-full" loading={busy}>
          Create agency
        </Button>
      </form>
    </AuthFrame>
  );
}
