/** Organization name and currency, data retention, and the client portal's branding. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
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
import { ApiError, api } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';

export function OrganizationSettings() {
  const { me, can } = useAuth();
  const qc = useQueryClient();
  const org = me?.organizations.find((o) => o.id === me.organizationId);
  const [name, setName] = useState(org?.name ?? '');
  const [currency, setCurrency] = useState(org?.reportingCurrency ?? 'USD');
  const save = useMutation({
    mutationFn: () => api.patch('/api/v1/organization', { name, reportingCurrency: currency }),
    onSuccess: () => qc.invalidateQueries(),
  });
  const editable = can('organization:update');
  return (
    <Card>
      <CardHeader title="Organization" description="Every amount is reported in the reporting currency" />
      <form
        className="grid gap-4 px-5 py-4 sm:grid-cols-[1fr_10rem_auto] sm:items-end"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Field label="Name">
          <Input value={name} onChange={(e) => setName(e.target.value)} disabled={!editable} required />
        </Field>
        <Field label="Reporting currency">
          <Input
            value={currency}
            onChange={(e) => setCurrency(e.target.value.toUpperCase())}
            maxLength={3}
            disabled={!editable}
          />
        </Field>
        {editable && (
          <Button type="submit" variant="primary" loading={save.isPending}>
            Save
          </Button>
        )}
        {save.error && (
          <div className="sm:col-span-3">
            <Notice tone="red">{save.error.message}</Notice>
          </div>
        )}
        {save.isSuccess && (
          <div className="sm:col-span-3">
            <Notice tone="green">Saved.</Notice>
          </div>
        )}
      </form>
    </Card>
  );
}

interface Retention {
  auditDays: number;
  executionsDays: number;
  metricsDays: number;
}

export function RetentionSettings() {
  const { can } = useAuth();
  const q = useQuery({ queryKey: ['retention'], queryFn: () => api.get<Retention>('/api/v1/retention') });
  const [r, setR] = useState<Retention | null>(null);
  useEffect(() => {
    if (q.data) setR(q.data);
  }, [q.data]);
  const save = useMutation({ mutationFn: (b: Retention) => api.put<Retention>('/api/v1/retention', b) });
  const editable = can('retention:manage');
  return (
    <Card>
      <CardHeader
        title="Data retention"
        description="Purged nightly by an audited job; the audit chain stays verifiable"
      />
      {q.isPending || !r ? (
        q.error ? (
          <ErrorState error={q.error} />
        ) : (
          <LoadingState />
        )
      ) : (
        <form
          className="grid gap-4 px-5 py-4 sm:grid-cols-2 sm:items-start xl:grid-cols-4"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            save.mutate(r);
          }}
        >
          <Field label="Audit log (days)" hint="At least 365">
            <Input
              type="number"
              min={365}
              value={r.auditDays}
              disabled={!editable}
              onChange={(e) => setR({ ...r, auditDays: Number(e.target.value) })}
            />
          </Field>
          <Field label="Agent executions (days)" hint="At least 1">
            <Input
              type="number"
              min={1}
              value={r.executionsDays}
              disabled={!editable}
              onChange={(e) => setR({ ...r, executionsDays: Number(e.target.value) })}
            />
          </Field>
          <Field label="Daily metrics (days)" hint="At least 30">
            <Input
              type="number"
              min={30}
              value={r.metricsDays}
              disabled={!editable}
              onChange={(e) => setR({ ...r, metricsDays: Number(e.target.value) })}
            />
          </Field>
          {editable && (
            <Button type="submit" variant="primary" loading={save.isPending} className="sm:mt-5">
              Save
            </Button>
          )}
          {save.error && (
            <div className="col-span-full">
              <Notice tone="red">{save.error.message}</Notice>
            </div>
          )}
          {save.isSuccess && (
            <div className="col-span-full">
              <Notice tone="green">Retention policy saved.</Notice>
            </div>
          )}
        </form>
      )}
    </Card>
  );
}

interface Branding {
  agencyName: string | null;
  /** The external URL, or a data: URI of an uploaded logo (see logoSource). */
  logoUrl: string | null;
  logoSource: 'url' | 'upload' | null;
  primaryColor: string | null;
  accentColor: string | null;
  supportEmail: string | null;
}

const brandingFields = ['agencyName', 'logoUrl', 'primaryColor', 'accentColor', 'supportEmail'] as const;
type BrandingField = (typeof brandingFields)[number];
type BrandingForm = Record<BrandingField, string>;

const brandingLabels: Record<BrandingField, string> = {
  agencyName: 'Agency name',
  logoUrl: 'Logo URL',
  primaryColor: 'Primary colour',
  accentColor: 'Accent colour',
  supportEmail: 'Support email',
};

/**
 * The form's values: an uploaded logo is not a URL to edit (the API takes only http(s) there), so
 * its field starts empty and typing a URL replaces the upload.
 */
function brandingForm(b: Branding): BrandingForm {
  return {
    agencyName: b.agencyName ?? '',
    logoUrl: b.logoSource === 'upload' ? '' : (b.logoUrl ?? ''),
    primaryColor: b.primaryColor ?? '',
    accentColor: b.accentColor ?? '',
    supportEmail: b.supportEmail ?? '',
  };
}

/** A refused save in words: each field the API names, by its label here. */
function brandingError(e: Error): string {
  if (!(e instanceof ApiError) || e.code !== 'invalid_input') return e.message;
  const issues = (e.details.issues ?? []) as Array<{ path?: unknown[]; code?: string; message?: string }>;
  const said = issues.flatMap((i) => {
    const field = i.path?.[0] as BrandingField | undefined;
    const label = field && brandingLabels[field];
    if (!label) return [];
    const words =
      field === 'logoUrl'
        ? 'enter a web address starting with https:// (or http://)'
        : field === 'primaryColor' || field === 'accentColor'
          ? 'enter a hex colour such as #1a2b3c'
          : field === 'supportEmail'
            ? 'enter an email address such as support@agency.com'
            : i.code === 'too_big'
              ? 'too long (at most 120 characters)'
              : (i.message ?? 'not valid');
    return [`${label}: ${words}.`];
  });
  return said.length > 0 ? said.join(' ') : e.message;
}

export function BrandingSettings() {
  const { can } = useAuth();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['branding'], queryFn: () => api.get<Branding>('/api/v1/branding') });
  const [f, setF] = useState<BrandingForm | null>(null);
  const [unchanged, setUnchanged] = useState(false);
  useEffect(() => {
    if (q.data) setF(brandingForm(q.data));
  }, [q.data]);
  const save = useMutation({
    // Only the fields changed here: the others (an uploaded logo above all) stay as they are.
    mutationFn: (body: Partial<Record<BrandingField, string | null>>) =>
      api.put<Branding>('/api/v1/branding', body),
    onSuccess: (saved) => qc.setQueryData(['branding'], saved),
  });
  const editable = can('organization:update');
  if (q.error instanceof ApiError && q.error.status === 404)
    return (
      <Card>
        <CardHeader title="Client portal branding" />
        <div className="px-5 py-4">
          <Notice>This server does not offer portal branding yet.</Notice>
        </div>
      </Card>
    );
  const uploaded = q.data?.logoSource === 'upload';
  const set = (k: BrandingField, v: string) => {
    if (!f) return;
    setF({ ...f, [k]: v });
    setUnchanged(false);
    save.reset();
  };
  const text = (k: BrandingField, placeholder: string, type = 'text') => (
    <Field label={brandingLabels[k]}>
      <Input
        type={type}
        value={f?.[k] ?? ''}
        placeholder={placeholder}
        disabled={!editable}
        onChange={(e) => set(k, e.target.value)}
      />
    </Field>
  );
  const b = f && {
    ...f,
    // The preview shows the uploaded logo until a URL is typed over it.
    logoUrl: f.logoUrl || (uploaded ? (q.data?.logoUrl ?? '') : ''),
  };
  return (
    <Card>
      <CardHeader
        title="Client portal branding"
        description="Your agency's name, logo and colours on the portal your clients see"
      />
      {q.isPending || !b ? (
        q.error ? (
          <ErrorState error={q.error} />
        ) : (
          <LoadingState />
        )
      ) : (
        <form
          className="grid gap-4 px-5 py-4 md:grid-cols-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (!q.data || !f) return;
            const before = brandingForm(q.data);
            const body = Object.fromEntries(
              brandingFields.filter((k) => f[k].trim() !== before[k]).map((k) => [k, f[k].trim() || null]),
            );
            if (Object.keys(body).length === 0) setUnchanged(true);
            else save.mutate(body);
          }}
        >
          {text('agencyName', 'Northwind Digital')}
          <div>
            {text(
              'logoUrl',
              uploaded ? 'Uploaded logo in use; a URL here replaces it' : 'https://…/logo.svg',
              'url',
            )}
            {uploaded && (
              <p className="mt-1 text-xs text-slate-500" data-testid="logo-uploaded">
                An uploaded logo is in use (see the preview). Leave this empty to keep it.
              </p>
            )}
          </div>
          <div className="grid grid-cols-2 gap-3">
            {(['primaryColor', 'accentColor'] as const).map((k) => (
              <Field key={k} label={k === 'primaryColor' ? 'Primary colour' : 'Accent colour'}>
                <span className="flex items-center gap-2">
                  <input
                    type="color"
                    aria-label={k === 'primaryColor' ? 'Primary colour picker' : 'Accent colour picker'}
                    value={b[k] || '#4f46e5'}
                    disabled={!editable}
                    onChange={(e) => set(k, e.target.value)}
                    className="h-9 w-12 rounded border border-slate-300"
                  />
                  <Input
                    value={b[k]}
                    placeholder="#4f46e5"
                    disabled={!editable}
                    onChange={(e) => set(k, e.target.value)}
                  />
                </span>
              </Field>
            ))}
          </div>
          {text('supportEmail', 'support@agency.com', 'email')}
          <div
            className="flex items-center gap-4 rounded-lg border border-slate-200 p-3 md:col-span-2"
            title="Preview"
          >
            {b.logoUrl ? (
              <img src={b.logoUrl} alt="" className="h-8 max-w-32 object-contain" />
            ) : (
              <span
                className="grid size-8 place-items-center rounded text-sm font-semibold text-white"
                style={{ background: b.primaryColor || '#4f46e5' }}
              >
                {(b.agencyName || 'A').slice(0, 1)}
              </span>
            )}
            <span className="font-semibold" style={{ color: b.primaryColor || undefined }}>
              {b.agencyName || 'Your agency'}
            </span>
            <span
              className="ml-auto rounded px-2 py-1 text-xs font-medium text-white"
              style={{ background: b.accentColor || '#0ea5e9' }}
            >
              Portal button
            </span>
          </div>
          {editable && (
            <div>
              <Button type="submit" variant="primary" loading={save.isPending}>
                Save branding
              </Button>
            </div>
          )}
          {save.error && (
            <div className="md:col-span-2">
              <Notice tone="red">{brandingError(save.error)}</Notice>
            </div>
          )}
          {unchanged && (
            <div className="md:col-span-2">
              <Notice>Nothing to save: no field was changed.</Notice>
            </div>
          )}
          {save.isSuccess && (
            <div className="md:col-span-2">
              <Notice tone="green">Branding saved.</Notice>
            </div>
          )}
        </form>
      )}
    </Card>
  );
}
