/**
 * Form fields from a JSON Schema object, as the API serves inputs (a workflow template's variables
 * and run input, an agent's input): the label is the field's `title` (else its name in words), the
 * hint its `description`, and an id of a campaign, client or connection (`x-entity`, or a field
 * named campaignId / clientId / connectionId) gets a picker that shows names instead of a box for
 * a raw id. Numbers stay numbers in the value sent.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { api, type Page } from '../lib/api.ts';
import { platformName } from '../lib/format.ts';
import { useClientNames, useClients, useConnections } from '../lib/hooks.ts';
import type { Campaign } from '../lib/types.ts';
import { Button, cx, Field, Input, Select, StatusBadge } from './ui.tsx';

export type Entity = 'campaign' | 'client' | 'connection';

export interface PropSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  format?: string;
  default?: unknown;
  enum?: unknown[];
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  'x-entity'?: Entity;
}

export interface ObjectSchema {
  properties?: Record<string, PropSchema>;
  required?: string[];
}

const byName: Record<string, Entity> = {
  campaignId: 'campaign',
  clientId: 'client',
  connectionId: 'connection',
};

/** The entity an id field refers to, when it refers to one. */
export const entityOf = (key: string, p: PropSchema | undefined): Entity | undefined =>
  p?.['x-entity'] ?? byName[key];

/** `title`, else the name in words: budgetChangePercent → "Budget change percent", clientId → "Client". */
export function labelOf(key: string, p: PropSchema | undefined): string {
  if (p?.title) return p.title;
  const words = key
    .replace(/Id$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const isNumber = (p: PropSchema | undefined) =>
  [p?.type].flat().some((t) => t === 'number' || t === 'integer');

/** What the form starts with: each field's default (or first example), as text. */
export function initialValues(schema: ObjectSchema | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, p] of Object.entries(schema?.properties ?? {})) {
    const v = p.default ?? p.examples?.[0];
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  }
  return out;
}

/**
 * The values to send: empty fields left out, numbers for number fields (and, for a field of no
 * declared type, text that is a number), trimmed text otherwise.
 */
export function valuesToInput(schema: ObjectSchema, values: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(values)) {
    const v = raw.trim();
    if (v === '') continue;
    const p = schema.properties?.[k];
    const numeric = isNumber(p) || (!p?.type && /^-?\d+(\.\d+)?$/.test(v));
    out[k] = numeric && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

/** Every field of `schema` (or the `only` ones), each with its label, hint and control. */
export function SchemaFields({
  schema,
  values,
  onChange,
  only,
}: {
  schema: ObjectSchema;
  values: Record<string, string>;
  onChange: (key: string, value: string) => void;
  only?: string[];
}) {
  const required = new Set(schema.required ?? []);
  const keys = only ?? Object.keys(schema.properties ?? {});
  return (
    <>
      {keys.map((k) => (
        <SchemaField
          key={k}
          name={k}
          prop={schema.properties?.[k]}
          required={required.has(k)}
          value={values[k] ?? ''}
          onChange={(v) => onChange(k, v)}
        />
      ))}
    </>
  );
}

function SchemaField({
  name,
  prop,
  required,
  value,
  onChange,
}: {
  name: string;
  prop: PropSchema | undefined;
  required: boolean;
  value: string;
  onChange: (v: string) => void;
}) {
  const label = labelOf(name, prop);
  const hint = prop?.description;
  const entity = entityOf(name, prop);
  if (entity === 'campaign')
    return <CampaignPicker label={label} hint={hint} value={value} onChange={onChange} required={required} />;
  return (
    <Field label={label} hint={hint}>
      {entity === 'client' ? (
        <ClientPicker value={value} onChange={onChange} required={required} />
      ) : entity === 'connection' ? (
        <ConnectionPicker value={value} onChange={onChange} required={required} />
      ) : prop?.enum ? (
        <Select value={value} onChange={(e) => onChange(e.target.value)} required={required}>
          {!required && <option value="">—</option>}
          {prop.enum.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </Select>
      ) : (
        <Input
          type={isNumber(prop) ? 'number' : prop?.format === 'email' ? 'email' : 'text'}
          step={isNumber(prop) ? 'any' : undefined}
          min={prop?.minimum}
          max={prop?.maximum}
          required={required}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** The organization's clients by name; `noneLabel` offers "no client" (e.g. the whole organization). */
export function ClientPicker({
  value,
  onChange,
  required,
  noneLabel,
  ...rest
}: {
  value: string;
  onChange: (id: string) => void;
  required?: boolean;
  noneLabel?: string;
  'aria-label'?: string;
}) {
  const clients = useClients();
  const items = clients.data?.items ?? [];
  return (
    <Select value={value} onChange={(e) => onChange(e.target.value)} required={required} {...rest}>
      {noneLabel !== undefined ? (
        <option value="">{noneLabel}</option>
      ) : (
        <option value="" disabled>
          {clients.isPending ? 'Loading clients…' : items.length ? 'Choose a client' : 'No clients yet'}
        </option>
      )}
      {items.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name}
        </option>
      ))}
    </Select>
  );
}

/** The organization's connections: name, platform and client. */
export function ConnectionPicker({
  value,
  onChange,
  required,
}: {
  value: string;
  onChange: (id: string) => void;
  required?: boolean;
}) {
  const connections = useConnections();
  const clientNames = useClientNames();
  const items = connections.data?.items ?? [];
  return (
    <Select value={value} onChange={(e) => onChange(e.target.value)} required={required}>
      <option value="" disabled>
        {connections.isPending
          ? 'Loading connections…'
          : items.length
            ? 'Choose a connection'
            : 'No connections yet'}
      </option>
      {items.map((c) => (
        <option key={c.id} value={c.id}>
          {[c.name, platformName(c.platform), c.clientId ? clientNames.get(c.clientId) : null]
            .filter(Boolean)
            .join(' · ')}
        </option>
      ))}
    </Select>
  );
}

/**
 * A campaign found by name (the API's `q`: part of the name, or the platform's id), each match shown
 * with its client, platform and status; the chosen one stays shown with a Change button.
 */
export function CampaignPicker({
  label,
  hint,
  value,
  onChange,
  required,
}: {
  label: string;
  hint?: string;
  value: string;
  onChange: (id: string) => void;
  required?: boolean;
}) {
  const id = useId();
  const searchBox = () => document.getElementById(id) as HTMLInputElement | null;
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  // Asked once typing pauses, not on every key.
  useEffect(() => {
    const t = setTimeout(() => setQ(text.trim()), 200);
    return () => clearTimeout(t);
  }, [text]);
  const clientNames = useClientNames();
  const matches = useQuery({
    queryKey: ['campaign-search', q],
    enabled: !value && q !== '',
    queryFn: () => api.get<Page<Campaign>>('/api/v1/campaigns', { q, limit: 20 }),
    staleTime: 30_000,
  });
  const chosen = useQuery({
    queryKey: ['campaign', value],
    enabled: !!value,
    queryFn: () => api.get<Campaign>(`/api/v1/campaigns/${encodeURIComponent(value)}`),
  });
  // Nothing chosen: the form cannot be sent (the search text alone is not a campaign).
  useEffect(() => {
    searchBox()?.setCustomValidity(required && !value ? 'Choose a campaign from the list' : '');
  });
  const meta = (c: Campaign) =>
    [
      c.clientId ? (clientNames.get(c.clientId) ?? 'Unknown client') : 'No client',
      platformName(c.platform),
    ].join(' · ');
  return (
    <div className="min-w-0 sm:col-span-2">
      <label htmlFor={value ? undefined : id} className="mb-1 block text-xs font-medium text-slate-700">
        {label}
      </label>
      {value ? (
        <div
          className="flex items-center justify-between gap-3 rounded-md px-3 py-2 ring-1 ring-slate-300 ring-inset"
          data-testid="chosen-campaign"
        >
          <div className="min-w-0">
            <p className="truncate text-sm font-medium text-slate-900">
              {chosen.data?.name ?? (chosen.isPending ? 'Loading…' : value)}
            </p>
            {chosen.data && <p className="text-xs text-slate-500">{meta(chosen.data)}</p>}
          </div>
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              onChange('');
              requestAnimationFrame(() => searchBox()?.focus());
            }}
          >
            Change
          </Button>
        </div>
      ) : (
        <>
          <Input
            id={id}
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="Search campaigns by name"
            autoComplete="off"
            aria-controls={`${id}-matches`}
          />
          {q !== '' && (
            <ul
              id={`${id}-matches`}
              aria-label={`Campaigns matching “${q}”`}
              className="mt-1 max-h-56 overflow-y-auto rounded-md border border-slate-200"
            >
              {matches.isPending ? (
                <li className="px-3 py-2 text-xs text-slate-500">Searching…</li>
              ) : matches.error ? (
                <li className="px-3 py-2 text-xs text-rose-700">{(matches.error as Error).message}</li>
              ) : matches.data.items.length === 0 ? (
                <li className="px-3 py-2 text-xs text-slate-500">No campaign matches “{q}”.</li>
              ) : (
                matches.data.items.map((c) => (
                  <li key={c.id} className="border-b border-slate-100 last:border-0">
                    <button
                      type="button"
                      onClick={() => onChange(c.id)}
                      className={cx(
                        'flex w-full items-center justify-between gap-3 px-3 py-2 text-left hover:bg-slate-50',
                        'focus:bg-brand-50 focus:outline-none',
                      )}
                    >
                      <span className="min-w-0">
                        <span className="block truncate text-sm text-slate-900">{c.name}</span>
                        <span className="block text-xs text-slate-500">{meta(c)}</span>
                      </span>
                      <StatusBadge status={c.status} />
                    </button>
                  </li>
                ))
              )}
            </ul>
          )}
          {matches.data?.nextCursor && (
            <p className="mt-1 text-xs text-slate-500">More campaigns match: type more of the name.</p>
          )}
        </>
      )}
      {hint && <span className="mt-1 block text-xs text-slate-500">{hint}</span>}
    </div>
  );
}
