/** Small building blocks shared by every page: buttons, cards, badges, states, headers, fields. */
import { Tooltip } from 'radix-ui';
import type {
  ButtonHTMLAttributes,
  InputHTMLAttributes,
  ReactNode,
  SelectHTMLAttributes,
  TextareaHTMLAttributes,
} from 'react';
import { ApiError } from '../lib/api.ts';

export const cx = (...c: Array<string | false | null | undefined>) => c.filter(Boolean).join(' ');

type Variant = 'primary' | 'secondary' | 'ghost' | 'danger';
const variants: Record<Variant, string> = {
  primary: 'bg-brand-600 text-white hover:bg-brand-700 shadow-sm disabled:bg-brand-600/50',
  secondary: 'bg-white text-slate-700 ring-1 ring-slate-300 ring-inset hover:bg-slate-50 shadow-sm',
  ghost: 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
  danger: 'bg-white text-rose-700 ring-1 ring-rose-300 ring-inset hover:bg-rose-50',
};

export function Button({
  variant = 'secondary',
  size = 'md',
  loading,
  className,
  children,
  type = 'button',
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; size?: 'sm' | 'md'; loading?: boolean }) {
  return (
    <button
      type={type}
      className={cx(
        'inline-flex items-center justify-center gap-1.5 rounded-md font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-60 whitespace-nowrap',
        size === 'sm' ? 'px-2.5 py-1 text-xs' : 'px-3.5 py-2 text-sm',
        variants[variant],
        className,
      )}
      disabled={loading || rest.disabled}
      {...rest}
    >
      {loading && <Spinner className="size-3.5" />}
      {children}
    </button>
  );
}

export function Card({ className, children }: { className?: string; children: ReactNode }) {
  return (
    <section className={cx('min-w-0 rounded-xl border border-slate-200 bg-white shadow-xs', className)}>
      {children}
    </section>
  );
}

export function CardHeader({
  title,
  description,
  actions,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-100 px-5 py-4">
      <div className="min-w-0">
        <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
        {description && <p className="mt-0.5 text-xs wrap-break-word text-slate-500">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

export type Tone = 'gray' | 'green' | 'amber' | 'orange' | 'red' | 'blue' | 'violet';
const tones: Record<Tone, string> = {
  gray: 'bg-slate-100 text-slate-700 ring-slate-500/20',
  green: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20',
  amber: 'bg-amber-50 text-amber-800 ring-amber-600/20',
  orange: 'bg-orange-100 text-orange-800 ring-orange-600/40',
  red: 'bg-rose-50 text-rose-700 ring-rose-600/20',
  blue: 'bg-sky-50 text-sky-700 ring-sky-600/20',
  violet: 'bg-brand-50 text-brand-700 ring-brand-600/20',
};

export function Badge({
  tone = 'gray',
  children,
  title,
}: {
  tone?: Tone;
  children: ReactNode;
  title?: string;
}) {
  return (
    <span
      title={title}
      className={cx(
        'inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset whitespace-nowrap',
        tones[tone],
      )}
    >
      {children}
    </span>
  );
}

const statusTones: Record<string, Tone> = {
  active: 'green',
  enabled: 'green',
  succeeded: 'green',
  applied: 'green',
  approved: 'green',
  healthy: 'green',
  ok: 'green',
  completed: 'green',
  paused: 'gray',
  archived: 'gray',
  removed: 'gray',
  expired: 'gray',
  reverted: 'gray',
  revoked: 'gray',
  pending: 'amber',
  pending_approval: 'amber',
  // A workflow run (or step) whose change waits for approval: nothing happened yet.
  proposed: 'amber',
  invited: 'amber',
  // A write-back (or its proposal) the reconciler could not settle: a person must look on the platform.
  unknown: 'orange',
  running: 'blue',
  queued: 'blue',
  failed: 'red',
  blocked: 'red',
  rejected: 'red',
  error: 'red',
  needs_reconnect: 'red',
};

/** Labels where the raw status alone would mislead. */
const statusLabels: Record<string, string> = { unknown: 'outcome unknown' };

/**
 * What a write-back or proposal status means for the person reading it. `unknown` is set only by
 * the write-back reconciler: the platform call was interrupted and reading the platform afterwards
 * could not tell whether the change landed.
 */
export const writeStatusHelp: Record<string, string> = {
  unknown:
    'Could not confirm on the platform whether this change landed — check it there. Omnify will not retry it.',
  pending: 'Sent to the platform; waiting for its answer.',
  failed: 'The platform refused the change or never received it; nothing changed there.',
};

export function statusTone(status: string): Tone {
  return statusTones[status] ?? 'gray';
}

/**
 * A status as a coloured pill. With `help` (or a status that has an explanation in `writeStatusHelp`
 * when `write` is set) it carries a tooltip that opens on hover and on keyboard focus.
 */
export function StatusBadge({ status, help, write }: { status: string; help?: string; write?: boolean }) {
  const label = statusLabels[status] ?? status.replace(/_/g, ' ');
  const text = help ?? (write ? writeStatusHelp[status] : undefined);
  if (!text) return <Badge tone={statusTone(status)}>{label}</Badge>;
  return (
    <Tooltip.Provider delayDuration={150}>
      <Tooltip.Root>
        <Tooltip.Trigger asChild>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: focusable so keyboard users get the tooltip too */}
          <span tabIndex={0} className="inline-flex rounded-full">
            <Badge tone={statusTone(status)}>
              {label}
              <span
                aria-hidden="true"
                className="grid size-3.5 place-items-center rounded-full bg-current/15 text-[10px] leading-none"
              >
                ?
              </span>
            </Badge>
          </span>
        </Tooltip.Trigger>
        <Tooltip.Portal>
          <Tooltip.Content
            side="top"
            sideOffset={6}
            className="z-50 max-w-xs rounded-md bg-slate-900 px-3 py-2 text-xs text-white shadow-lg"
          >
            {text}
            <Tooltip.Arrow className="fill-slate-900" />
          </Tooltip.Content>
        </Tooltip.Portal>
      </Tooltip.Root>
    </Tooltip.Provider>
  );
}

export function Spinner({ className = 'size-5' }: { className?: string }) {
  return (
    <svg
      className={cx('animate-spin text-current', className)}
      viewBox="0 0 24 24"
      fill="none"
      aria-hidden="true"
    >
      <circle className="opacity-25" cx="12" cy="12" r="10" stroke="currentColor" strokeWidth="4" />
      <path className="opacity-75" fill="currentColor" d="M4 12a8 8 0 018-8v4a4 4 0 00-4 4H4z" />
    </svg>
  );
}

export function Skeleton({ className }: { className?: string }) {
  return <div className={cx('animate-pulse rounded-md bg-slate-200/70', className)} />;
}

export function LoadingState({ label = 'Loading…', rows = 3 }: { label?: string; rows?: number }) {
  return (
    <output className="block space-y-3 p-5" aria-live="polite" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <Skeleton key={i} className={cx('h-4', i % 2 ? 'w-2/3' : 'w-full')} />
      ))}
    </output>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-col items-center justify-center gap-1 px-6 py-10 text-center">
      <div className="mb-2 grid size-10 place-items-center rounded-full bg-slate-100 text-slate-400">
        <svg
          viewBox="0 0 24 24"
          className="size-5"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.8"
          aria-hidden="true"
        >
          <path d="M3 7h18M3 12h18M3 17h10" strokeLinecap="round" />
        </svg>
      </div>
      <p className="text-sm font-medium text-slate-700">{title}</p>
      {children && <div className="max-w-md text-sm text-slate-500">{children}</div>}
    </div>
  );
}

/** An error from the API, phrased for people; a 404 route means the server predates the feature. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const e = error instanceof ApiError ? error : null;
  const missing = e?.status === 404 && e.code !== 'not_found';
  return (
    <div
      role="alert"
      className="m-4 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-800"
    >
      <p className="font-medium">
        {missing ? 'This server does not offer this feature yet.' : (e?.message ?? 'Something went wrong.')}
      </p>
      {e && (
        <p className="mt-1 text-xs text-rose-700/80">
          {e.code}
          {e.requestId ? ` · request ${e.requestId}` : ''}
        </p>
      )}
      {onRetry && !missing && (
        <Button size="sm" className="mt-2" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

export function Notice({
  tone = 'blue',
  children,
}: {
  tone?: 'blue' | 'green' | 'amber' | 'red';
  children: ReactNode;
}) {
  const t = {
    blue: 'border-sky-200 bg-sky-50 text-sky-900',
    green: 'border-emerald-200 bg-emerald-50 text-emerald-900',
    amber: 'border-amber-200 bg-amber-50 text-amber-900',
    red: 'border-rose-200 bg-rose-50 text-rose-800',
  }[tone];
  return (
    <div role={tone === 'red' ? 'alert' : 'status'} className={cx('rounded-lg border px-4 py-3 text-sm', t)}>
      {children}
    </div>
  );
}

/** Said under a list that stopped at its cap (`getAll`): what is shown is not everything. */
export function PartialList({
  page,
  narrow,
}: {
  page?: { items: unknown[]; nextCursor: string | null };
  narrow: string;
}) {
  if (!page?.nextCursor) return null;
  return (
    <div className="m-4">
      <Notice tone="amber">
        Showing the first {page.items.length.toLocaleString()}: there are more. {narrow}
      </Notice>
    </div>
  );
}

export function PageHeader({
  title,
  description,
  actions,
  crumbs,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  crumbs?: ReactNode;
}) {
  return (
    <header className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div className="min-w-0">
        {crumbs && (
          <nav aria-label="Breadcrumb" className="mb-1 text-xs text-slate-500">
            {crumbs}
          </nav>
        )}
        {/* Wrapped on a phone, where one line holds ~25 characters; one line from sm up. */}
        <h1 className="text-xl font-semibold tracking-tight break-words text-slate-900 sm:truncate sm:text-2xl">
          {title}
        </h1>
        {description && <p className="mt-1 text-sm text-slate-500">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </header>
  );
}

const fieldClass =
  'block rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 shadow-xs ring-1 ring-slate-300 ring-inset placeholder:text-slate-400 focus:ring-2 focus:ring-brand-500 focus:outline-none disabled:bg-slate-50';

/** Full width unless the caller sets a width (two width utilities would fight by CSS order). */
const width = (className?: string) => (className && /(^|\s)w-/.test(className) ? '' : 'w-full');

export function Input(props: InputHTMLAttributes<HTMLInputElement>) {
  return <input {...props} className={cx(fieldClass, width(props.className), props.className)} />;
}

export function Select(props: SelectHTMLAttributes<HTMLSelectElement>) {
  return <select {...props} className={cx(fieldClass, width(props.className), 'pr-8', props.className)} />;
}

export function Textarea(props: TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <textarea {...props} className={cx(fieldClass, width(props.className), props.className)} />;
}

export function Field({ label, hint, children }: { label: string; hint?: ReactNode; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child
    <label className="block">
      <span className="mb-1 block text-xs font-medium text-slate-700">{label}</span>
      {children}
      {hint && <span className="mt-1 block text-xs text-slate-500">{hint}</span>}
    </label>
  );
}

export function Stat({ label, value, sub }: { label: string; value: ReactNode; sub?: ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-sm font-medium text-slate-900 tabular">{value}</dd>
      {sub && <dd className="text-xs text-slate-500">{sub}</dd>}
    </div>
  );
}
