/**
 * Form fields from a JSON Schema object, as the API serves inputs (a workflow template's variables
 * and run input, an agent's input): the label is the field's `title` (else its name in words), the
 * hint its `description`, and an id of a campaign, client or connection (`x-entity`, or a field
 * named campaignId / clientId / connectionId) gets a picker that shows names instead of a box for
 * a raw id. Numbers stay numbers in the value sent.
 */
import { useQuery } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
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
  /** A connection that must belong to a client: the others are offered, but cannot be chosen. */
  'x-of-client'?: boolean;
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
  const entity = entityOf(name, prop);
  const ofClient = entity === 'connection' && prop?.['x-of-client'] === true;
  const hint = ofClient ? (
    <>
      {prop?.description}
      <ConnectionsWithoutClient />
    </>
  ) : (
    prop?.description
  );
  if (entity === 'campaign')
    return (
      <CampaignPicker
        label={label}
        hint={prop?.description}
        value={value}
        onChange={onChange}
        required={required}
      />
    );
  return (
    <Field label={label} hint={hint}>
      {entity === 'client' ? (
        <ClientPicker value={value} onChange={onChange} required={required} />
      ) : entity === 'connection' ? (
        <ConnectionPicker value={value} onChange={onChange} required={required} ofClient={ofClient} />
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

/**
 * The organization's connections: name, platform and client. `ofClient`: only a client's connection
 * will do (client onboarding): one of no client is listed, marked "no client" and disabled
 * (`ConnectionsWithoutClient` says why, under the field).
 */
export function ConnectionPicker({
  value,
  onChange,
  required,
  ofClient = false,
}: {
  value: string;
  onChange: (id: string) => void;
  required?: boolean;
  ofClient?: boolean;
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
        <option key={c.id} value={c.id} disabled={ofClient && !c.clientId}>
          {[
            c.name,
            platformName(c.platform),
            c.clientId ? clientNames.get(c.clientId) : ofClient ? 'no client' : null,
          ]
            .filter(Boolean)
            .join(' · ')}
        </option>
      ))}
    </Select>
  );
}

/** Under a picker of clients' connections: how many cannot be chosen, and where to connect one for a client. */
function ConnectionsWithoutClient() {
  const connections = useConnections();
  const n = (connections.data?.items ?? []).filter((c) => !c.clientId).length;
  if (n === 0) return null;
  return (
    <span className="mt-1 block" data-testid="connections-without-client">
      {n === 1 ? 'One connection belongs' : `${n} connections belong`} to no client and cannot be chosen here:
      connect the client's account on the{' '}
      <Link to="/connections" className="text-brand-700 underline">
        Connections page
      </Link>{' '}
      with the client selected.
    </span>
  );
}

/**
 * A campaign found by name (the API's `q`: part of the name, or the platform's id), each match shown
 * with its client, platform and status; the chosen one stays shown with a Change button. The search
 * box is an ARIA combobox over a listbox of the matches: Down and Up move through them (the active
 * one is announced through aria-activedescendant and marked aria-selected), Enter chooses it,
 * Escape closes the list (and a second Escape clears the search).
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
  const listId = `${id}-matches`;
  const optionId = (i: number) => `${id}-match-${i}`;
  const searchBox = () => document.getElementById(id) as HTMLInputElement | null;
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [active, setActive] = useState(-1);
  const [closed, setClosed] = useState(false);
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
  const options = q !== '' && matches.data ? matches.data.items : [];
  const open = q !== '' && !closed;
  // New matches: nothing active until the keyboard (or the pointer) moves to one.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the search changes
  useEffect(() => setActive(-1), [q]);
  // The active option stays in view as Down and Up move through a long list.
  useEffect(() => {
    if (active >= 0) document.getElementById(optionId(active))?.scrollIntoView({ block: 'nearest' });
  });
  // Nothing chosen: the form cannot be sent (the search text alone is not a campaign).
  useEffect(() => {
    searchBox()?.setCustomValidity(required && !value ? 'Choose a campaign from the list' : '');
  });
  const choose = (c: Campaign) => {
    onChange(c.id);
    setActive(-1);
  };
  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setClosed(false);
      if (!options.length) return;
      const last = options.length - 1;
      setActive((a) => (e.key === 'ArrowDown' ? (a >= last ? 0 : a + 1) : a <= 0 ? last : a - 1));
    } else if (e.key === 'Enter' && open && active >= 0 && options[active]) {
      // Choosing, not sending the form.
      e.preventDefault();
      choose(options[active]);
    } else if (e.key === 'Escape') {
      if (open) {
        e.preventDefault();
        setClosed(true);
        setActive(-1);
      } else if (text) {
        e.preventDefault();
        setText('');
      }
    }
  }
  const meta = (c: Campaign) =>
    [
      c.clientId ? (clientNames.get(c.clientId) ?? 'Unknown client') : 'No client',
      platformName(c.platform),
    ].join(' · ');
  const status =
    q === ''
      ? null
      : matches.isPending
        ? 'Searching…'
        : matches.error
          ? (matches.error as Error).message
          : options.length === 0
            ? `No campaign matches “${q}”.`
            : `${options.length}${matches.data?.nextCursor ? '+' : ''} ${options.length === 1 ? 'campaign matches' : 'campaigns match'}: Down and Up to move, Enter to choose.`;
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
            aria-label={`Change ${label.toLowerCase()}`}
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
            role="combobox"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setClosed(false);
            }}
            onKeyDown={onKeyDown}
            placeholder="Search campaigns by name"
            autoComplete="off"
            aria-autocomplete="list"
            aria-expanded={open && options.length > 0}
            aria-controls={listId}
            aria-activedescendant={open && active >= 0 ? optionId(active) : undefined}
            aria-describedby={status ? `${id}-status` : undefined}
          />
          <p
            id={`${id}-status`}
            role="status"
            className={cx(
              'mt-1 text-xs',
              matches.error ? 'text-rose-700' : 'text-slate-500',
              (!status || (open && options.length > 0)) && 'sr-only',
            )}
          >
            {status}
          </p>
          <div
            id={listId}
            role="listbox"
            aria-label={`Campaigns matching “${q}”`}
            hidden={!open || options.length === 0}
            className="mt-1 max-h-56 overflow-y-auto rounded-md border border-slate-200"
          >
            {options.map((c, i) => (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the keys are the search box's (aria-activedescendant): focus stays there
              <div
                key={c.id}
                id={optionId(i)}
                role="option"
                tabIndex={-1}
                aria-selected={i === active}
                // The pointer keeps the focus in the search box, as the keys do.
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => choose(c)}
                onMouseMove={() => setActive(i)}
                className={cx(
                  'flex cursor-pointer items-center justify-between gap-3 border-b border-slate-100 px-3 py-2 last:border-0',
                  i === active ? 'bg-brand-50 ring-1 ring-brand-200 ring-inset' : 'hover:bg-slate-50',
                )}
              >
                <span className="min-w-0">
                  <span className="block truncate text-sm text-slate-900">{c.name}</span>
                  <span className="block text-xs text-slate-500">{meta(c)}</span>
                </span>
                <StatusBadge status={c.status} />
              </div>
            ))}
          </div>
          {open && matches.data?.nextCursor && (
            <p className="mt-1 text-xs text-slate-500">More campaigns match: type more of the name.</p>
          )}
        </>
      )}
      {hint && <span className="mt-1 block text-xs text-slate-500">{hint}</span>}
    </div>
  );
}
