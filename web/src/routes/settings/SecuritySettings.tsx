/** Two-factor authentication (TOTP) for the signed-in user, and the organization's MFA requirement. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  Button,
  Card,
  CardHeader,
  ErrorState,
  Field,
  Input,
  LoadingState,
  Notice,
} from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { TotpQrCode } from './TotpQrCode.tsx';

interface MfaStatus {
  enabled: boolean;
  recoveryCodesRemaining: number;
}

export function SecuritySettings() {
  const { me, can } = useAuth();
  const qc = useQueryClient();
  const status = useQuery({ queryKey: ['mfa'], queryFn: () => api.get<MfaStatus>('/api/v1/auth/mfa') });
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const enroll = useMutation({
    mutationFn: () => api.post<{ secret: string; otpauthUri: string }>('/api/v1/auth/mfa/enroll', {}),
    onSuccess: setEnrolment,
  });
  const verify = useMutation({
    mutationFn: () => api.post<{ recoveryCodes: string[] }>('/api/v1/auth/mfa/verify', { code: code.trim() }),
    onSuccess: (r) => {
      setCodes(r.recoveryCodes);
      setEnrolment(null);
      setCode('');
      qc.invalidateQueries({ queryKey: ['mfa'] });
      qc.invalidateQueries({ queryKey: ['me'] });
    },
  });
  const disable = useMutation({
    mutationFn: () => api.post('/api/v1/auth/mfa/disable', { code: code.trim() }),
    onSuccess: () => {
      setCode('');
      qc.invalidateQueries({ queryKey: ['mfa'] });
    },
  });
  const org = me?.organizations.find((o) => o.id === me.organizationId);
  const requireMfa = useMutation({
    mutationFn: (v: boolean) => api.patch('/api/v1/organization', { mfaRequired: v }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['me'] }),
  });
  return (
    <div className="space-y-6">
      <Card>
        <CardHeader
          title="Two-factor authentication"
          description="A code from an authenticator app at every sign-in"
        />
        <div className="space-y-4 px-5 py-4 text-sm">
          {status.isPending ? (
            <LoadingState rows={2} />
          ) : status.error ? (
            <ErrorState error={status.error} />
          ) : status.data.enabled ? (
            <>
              <Notice tone="green">On. {status.data.recoveryCodesRemaining} recovery codes left.</Notice>
              <form
                className="flex flex-wrap items-end gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  disable.mutate();
                }}
              >
                <Field label="Current code to turn it off">
                  <Input
                    value={code}
                    onChange={(e) => setCode(e.target.value)}
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    className="w-40"
                    required
                    minLength={6}
                    title="The 6-digit code from your authenticator app, or a recovery code"
                  />
                </Field>
                <Button type="submit" variant="danger" loading={disable.isPending}>
                  Turn off
                </Button>
              </form>
              {disable.error && <Notice tone="red">{disable.error.message}</Notice>}
            </>
          ) : enrolment ? (
            <form
              className="space-y-3"
              onSubmit={(e) => {
                e.preventDefault();
                verify.mutate();
              }}
            >
              <TotpQrCode secret={enrolment.secret} otpauthUri={enrolment.otpauthUri} />
              <p>Then enter the 6-digit code the app shows.</p>
              <div className="flex items-end gap-2">
                <Field label="Code">
                  <Input
                    value={code}
                    onChange={(e) => setCode(e.target.value)}
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    className="w-40"
                    required
                    pattern="\s*[0-9]{6}\s*"
                    title="The 6-digit code your authenticator app shows now"
                  />
                </Field>
                <Button type="submit" variant="primary" loading={verify.isPending}>
                  Confirm
                </Button>
              </div>
              {verify.error && <Notice tone="red">{verify.error.message}</Notice>}
            </form>
          ) : (
            <Button variant="primary" loading={enroll.isPending} onClick={() => enroll.mutate()}>
              Set up two-factor authentication
            </Button>
          )}
          {codes && (
            <Notice tone="amber">
              <p className="font-medium">Recovery codes — store them now, each works once:</p>
              <ul
                aria-label="Recovery codes"
                className="mt-2 grid grid-cols-2 gap-1 font-mono text-xs sm:grid-cols-5"
              >
                {codes.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            </Notice>
          )}
          {enroll.error && <Notice tone="red">{enroll.error.message}</Notice>}
        </div>
      </Card>
      {can('organization:update') && org && (
        <Card>
          <CardHeader
            title="Require two-factor authentication"
            description={`For every member of ${org.name}`}
          />
          <div className="flex items-center justify-between gap-3 px-5 py-4 text-sm">
            <span>
              {org.mfaRequired
                ? 'Required: members without it must enrol before anything else.'
                : 'Not required.'}
            </span>
            <Button loading={requireMfa.isPending} onClick={() => requireMfa.mutate(!org.mfaRequired)}>
              {org.mfaRequired ? 'Stop requiring' : 'Require'}
            </Button>
          </div>
          {requireMfa.error && (
            <div className="px-5 pb-4">
              <Notice tone="red">{requireMfa.error.message}</Notice>
            </div>
          )}
        </Card>
      )}
    </div>
  );
}
