/**
 * The portal's sign-in page, branded before sign-in from the public branding of the slug, and the
 * invitation page where a new portal user chooses a password.
 */
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { Field, Input, LoadingState, Notice } from '../../components/ui.tsx';
import { ApiError } from '../../lib/api.ts';
import { BrandMark, brandStyle } from './PortalShell.tsx';
import { publicBranding, setPortalTokens } from './portal-api.ts';

interface SessionBody {
  tokens: { accessToken: string; refreshToken: string; clientId: string };
}

async function post(path: string, body: unknown): Promise<SessionBody> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as SessionBody & {
    error?: { code: string; message: string; details?: { issues?: Array<{ message?: string }> } };
  };
  // A 400's message starts with where the problem is (`body.token: …`), for programs; a person
  // reads the problem itself.
  const said = json.error?.details?.issues?.[0]?.message ?? json.error?.message;
  if (!res.ok) throw new ApiError(res.status, json.error?.code ?? 'http_error', said ?? res.statusText);
  return json;
}

function BrandedCard({ slug, title, children }: { slug: string; title: string; children: ReactNode }) {
  const brand = useQuery({
    queryKey: ['portal', 'branding', slug],
    queryFn: () => publicBranding(slug),
    retry: false,
  });
  if (brand.isLoading) return <LoadingState label="Loading…" />;
  if (brand.error || !brand.data)
    return (
      <div className="mx-auto max-w-md pt-24 text-center" data-testid="portal-not-found">
        <h1 className="text-xl font-semibold">This portal does not exist</h1>
        <p className="mt-2 text-sm text-slate-500">Check the address your agency sent you.</p>
      </div>
    );
  const { branding, clientName } = brand.data;
  return (
    <div className="grid min-h-screen place-items-center bg-slate-50 px-4 py-10" style={brandStyle(branding)}>
      <div className="w-full max-w-sm">
        <div className="mb-6 flex justify-center">
          <BrandMark branding={branding} size="lg" />
        </div>
        <div className="overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm">
          <div className="h-1.5 bg-(--portal-primary)" />
          <div className="px-6 py-6">
            <h1 className="text-lg font-semibold text-slate-900">{title}</h1>
            {clientName && <p className="mt-0.5 text-sm text-slate-500">{clientName} · campaign results</p>}
            <div className="mt-5">{children}</div>
          </div>
        </div>
        {branding.supportEmail && (
          <p className="mt-4 text-center text-xs text-slate-500">
            Need help?{' '}
            <a className="underline" href={`mailto:${branding.supportEmail}`}>
              {branding.supportEmail}
            </a>
          </p>
        )}
      </div>
    </div>
  );
}

function SubmitButton({ busy, children }: { busy: boolean; children: ReactNode }) {
  return (
    <button
      type="submit"
      disabled={busy}
      className="w-full rounded-md bg-(--portal-primary) px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:opacity-90 disabled:opacity-60"
    >
      {busy ? 'One moment…' : children}
    </button>
  );
}

export function PortalLoginPage() {
  const { slug = '' } = useParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = await post('/api/v1/portal/auth/login', { email, password, slug });
      setPortalTokens({ ...body.tokens, slug });
      navigate(`/portal/${slug}`, { replace: true });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Sign-in failed; try again');
    } finally {
      setBusy(false);
    }
  };
  return (
    <BrandedCard slug={slug} title="Sign in to your reporting portal">
      <form onSubmit={submit} className="space-y-4">
        {error && <Notice tone="red">{error}</Notice>}
        <Field label="Email">
          <Input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Password">
          <Input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <SubmitButton busy={busy}>Sign in</SubmitButton>
      </form>
    </BrandedCard>
  );
}

export function PortalAcceptPage() {
  const { slug = '' } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = await post('/api/v1/portal/auth/accept', { token: params.get('token') ?? '', password });
      setPortalTokens({ ...body.tokens, slug });
      navigate(`/portal/${slug}`, { replace: true });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'That did not work; try again');
    } finally {
      setBusy(false);
    }
  };
  return (
    <BrandedCard slug={slug} title="Choose your password">
      <form onSubmit={submit} className="space-y-4">
        {error && <Notice tone="red">{error}</Notice>}
        <Field label="New password" hint="At least 8 characters">
          <Input
            type="password"
            autoComplete="new-password"
            minLength={8}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <SubmitButton busy={busy}>Open my portal</SubmitButton>
      </form>
    </BrandedCard>
  );
}
