/** Sign-in: email and password, then a second step for the TOTP (or a recovery code) when MFA is on. */
import { type FormEvent, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { Logo } from '../../components/icons.tsx';
import { Button, Field, Input, Notice } from '../../components/ui.tsx';
import { ApiError } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';

/** A recovery code's shape (three groups of 4 letters and digits, dashes optional): never a TOTP. */
const RECOVERY_SHAPE = /^[a-z0-9]{4}-?[a-z0-9]{4}-?[a-z0-9]{4}$/i;

const invalidCode = (recovery: boolean) =>
  recovery
    ? 'That recovery code is not valid or has been used. Each one works once.'
    : 'That code is not valid. Try the current code.';

export function LoginPage() {
  const { login, signedIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [useRecovery, setUseRecovery] = useState(false);
  const [step, setStep] = useState<'password' | 'mfa'>('password');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = (location.state as { from?: string } | null)?.from ?? '/';

  if (signedIn && !busy) return <Navigate to={next} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    // An authenticator code is 6 digits (spaces ignored); a recovery code pasted here instead
    // (letters and digits, e.g. 7f3k-q9xm-2hdp) is sent as one.
    const totp = code.replace(/\s/g, '');
    const asRecovery = useRecovery || (step === 'mfa' && RECOVERY_SHAPE.test(code.trim()));
    if (step === 'mfa' && !asRecovery && !/^\d{6}$/.test(totp)) {
      setError(
        'An authenticator code is 6 digits. To sign in with a recovery code, choose “Use a recovery code instead”.',
      );
      return;
    }
    setBusy(true);
    try {
      await login({
        email,
        password,
        ...(step === 'mfa' ? (asRecovery ? { recoveryCode: code.trim() } : { mfaCode: totp }) : {}),
      });
      navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'mfa_required') {
        // The API answers mfa_required both when the code is missing and when it is wrong.
        if (step === 'mfa') setError(invalidCode(asRecovery));
        setStep('mfa');
      } else if (err instanceof ApiError && err.status === 429) {
        setError(err.message || 'Too many attempts. Wait a moment and try again.');
      } else if (err instanceof ApiError && err.status === 401) {
        setError(step === 'mfa' ? invalidCode(asRecovery) : 'Email or password is incorrect.');
      } else {
        setError(err instanceof Error ? err.message : 'Sign-in failed');
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex min-h-screen items-center justify-center bg-gradient-to-b from-slate-50 to-brand-50/60 px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center gap-3 text-center">
          <Logo className="size-11" />
          <div>
            <h1 className="text-2xl font-semibold tracking-tight">Sign in to Omnify</h1>
            <p className="mt-1 text-sm text-slate-500">Campaign intelligence for your agency</p>
          </div>
        </div>
        <form
          onSubmit={submit}
          className="space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
          aria-label={step === 'mfa' ? 'Two-factor authentication' : 'Sign in'}
        >
          {step === 'password' ? (
            <>
              <Field label="Email">
                <Input
                  type="email"
                  name="email"
                  autoComplete="username"
                  required
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                  autoFocus
                />
              </Field>
              <Field label="Password">
                <Input
                  type="password"
                  name="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              </Field>
            </>
          ) : (
            <>
              <Notice>
                {useRecovery
                  ? 'Enter one of your one-time recovery codes.'
                  : 'Enter the 6-digit code from your authenticator app.'}
              </Notice>
              <Field label={useRecovery ? 'Recovery code' : 'Authentication code'}>
                <Input
                  name="code"
                  inputMode={useRecovery ? 'text' : 'numeric'}
                  autoComplete="one-time-code"
                  required
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                  autoFocus
                />
              </Field>
              <button
                type="button"
                className="text-xs font-medium text-brand-700 hover:underline"
                onClick={() => {
                  setUseRecovery((v) => !v);
                  setCode('');
                }}
              >
                {useRecovery ? 'Use an authenticator code instead' : 'Use a recovery code instead'}
              </button>
            </>
          )}
          {error && <Notice tone="red">{error}</Notice>}
          <Button type="submit" variant="primary" className="w-full" loading={busy}>
            {step === 'mfa' ? 'Verify' : 'Sign in'}
          </Button>
          {step === 'mfa' && (
            <Button
              variant="ghost"
              className="w-full"
              onClick={() => {
                setStep('password');
                setCode('');
                setError(null);
              }}
            >
              Back
            </Button>
          )}
        </form>
        {step === 'password' && (
          <p className="mt-4 flex justify-between text-xs">
            <Link className="font-medium text-brand-700 hover:underline" to="/forgot-password">
              Forgot your password?
            </Link>
            <Link className="font-medium text-brand-700 hover:underline" to="/register">
              Create an agency
            </Link>
          </p>
        )}
        <p className="mt-6 text-center text-xs text-slate-500">
          API reference at{' '}
          <a className="font-medium text-brand-700 hover:underline" href="/docs">
            /docs
          </a>
        </p>
      </div>
    </div>
  );
}
