/**
 * The one error type of Omnify. Codes are a closed set; each maps to exactly one HTTP status here and
 * nowhere else.
 */
export const errorStatus = {
  invalid_input: 400,
  unauthenticated: 401,
  mfa_required: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  /** The request is valid, but the entity has no data (yet) to compute from: nothing synced. */
  no_data: 422,
  unsupported_media_type: 415,
  rate_limited: 429,
  plan_limit: 402,
  upstream_failed: 502,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Seconds a client should wait before retrying (rate_limited, unavailable). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: unknown,
    opts: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

/**
 * 404 `not_found`: "Campaign cmp_1 was not found". `what` is the entity's label; its first letter is
 * upper-cased so a label built from a level (`ad_group` → "ad group") reads like the others.
 */
export const notFound = (what: string, id?: string) => {
  const label = what.charAt(0).toUpperCase() + what.slice(1);
  return new AppError(
    'not_found',
    id ? `${label} ${id} was not found` : `${label} was not found`,
    id ? { id } : undefined,
  );
};
export const forbidden = (message = 'You do not have permission to do this') =>
  new AppError('forbidden', message);
export const unauthenticated = (message = 'Authentication required') =>
  new AppError('unauthenticated', message);
export const invalidInput = (message: string, details?: unknown) =>
  new AppError('invalid_input', message, details);
export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, details);
/** 422 `no_data`: nothing synced yet to compute from (a client just created, a connection not synced). */
export const noData = (message: string, details?: unknown) => new AppError('no_data', message, details);

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** The 400 `invalid_input` for these issues: the message starts with the first, as README.md shows. */
export function invalidInputOf(
  issues: SchemaIssue[],
  what = 'The request does not match the schema',
): AppError {
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new AppError('invalid_input', first ? `${first.location}: ${first.message}${more}` : what, {
    issues,
  });
}

/**
 * The 400 for one field that passed the route's schema but fails a check of its own (a cron that
 * fires too often, two ways of scoping a rule, a month not started yet), in the shape of a schema
 * failure: `details.issues[0]` with `location` (`body.schedule.cron`), `path`, `code` and `message`,
 * the message starting with the location. `details` adds fields at the top of `details` (kept for
 * clients that read them there).
 */
export function invalidField(
  part: string,
  path: Array<string | number>,
  message: string,
  opts: { code?: string; issue?: Record<string, unknown>; details?: Record<string, unknown> } = {},
): AppError {
  const err = invalidInputOf([
    issue(part, path, opts.code ?? 'invalid_value', message, (opts.issue ?? {}) as Partial<SchemaIssue>),
  ]);
  if (!opts.details) return err;
  return new AppError('invalid_input', err.message, { ...opts.details, ...(err.details as object) });
}

/**
 * The 400 for a value checked by a schema of its own after the route's (an agent's input), in the
 * same shape as a request that fails the route's schema: `issues[]` with `location`, `path`, `code`,
 * …, the message starting with the first. `part` and `at` say where the value sits in the request
 * (`body` and `['input']` for the `input` of a run); `what` ends the message.
 */
export function zodInvalidInput(
  error: { issues: ReadonlyArray<{ code: string; path: PropertyKey[]; message: string }> },
  part: string,
  at: Array<string | number> = [],
  what?: string,
): AppError {
  const issues = error.issues
    .filter((i) => !coveredSafeIntBound(i, error.issues))
    .flatMap((i) => {
      const { code, path, message, ...rest } = i as RawIssue;
      return schemaIssues(part, [...at, ...path.map(segment)], code, message, rest);
    });
  const err = invalidInputOf(issues, what);
  if (!what || issues.length === 0) return err;
  return new AppError('invalid_input', `${err.message} (${what})`, err.details);
}

/**
 * zod's integers carry the safe-integer range of their own: 1e308 for a "1-90" field fails that
 * (`<=9007199254740991`) as well as the field's `max(90)`. The field's own bound is the one to tell.
 */
function coveredSafeIntBound(
  issue: { code: string; path: PropertyKey[] },
  all: ReadonlyArray<{ code: string; path: PropertyKey[] }>,
): boolean {
  const bound =
    (issue as { maximum?: unknown; minimum?: unknown }).maximum ?? (issue as { minimum?: unknown }).minimum;
  if (
    (issue.code !== 'too_big' && issue.code !== 'too_small') ||
    (bound !== Number.MAX_SAFE_INTEGER && bound !== Number.MIN_SAFE_INTEGER)
  )
    return false;
  const key = issue.path.map(String).join('.');
  return all.some((o) => o !== issue && o.code === issue.code && o.path.map(String).join('.') === key);
}

/** One problem with a request part, as `details.issues[]` of a 400 `invalid_input` carries it. */
export interface SchemaIssue {
  /** Where: the part (`body`, `querystring`, `params`) and the path, dotted: `body.conditions.0.metric`. */
  location: string;
  /** The path inside the part, as keys and indexes. */
  path: Array<string | number>;
  /** zod's issue code: `invalid_value`, `invalid_type`, `too_big`, `unrecognized_keys`, … */
  code: string;
  message: string;
  /** The accepted values, for a field that takes one of a fixed set. */
  allowed?: unknown[];
  /** The expected type, for a value of the wrong type or a missing one. */
  expected?: string;
  /** The unknown keys, for `unrecognized_keys`. */
  keys?: string[];
  minimum?: unknown;
  maximum?: unknown;
}

interface RawIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  [k: string]: unknown;
}

const segment = (k: PropertyKey): string | number => (typeof k === 'number' ? k : String(k));

/**
 * Turns one zod issue into what a client can act on. A union of object shapes (a rule condition is
 * a comparison or a group) fails as a bare "Invalid input" at the union: its branches are weighed
 * and the issues of the one the input was meant to be (fewest issues about the value as a whole,
 * then fewest issues) are reported at their full path instead, so an unknown metric says
 * `body.conditions.conditions.0.metric` and lists the metrics allowed. Enum-like fields carry
 * `allowed`, missing fields say so.
 */
export function schemaIssues(
  part: string,
  at: Array<string | number>,
  code: string,
  message: string,
  params: Record<string, unknown>,
): SchemaIssue[] {
  if (code === 'invalid_union' && Array.isArray(params.errors) && params.errors.length > 0) {
    const branches = (params.errors as RawIssue[][]).filter((b) => b.length > 0);
    const score = (b: RawIssue[]) => b.filter((i) => i.path.length === 0).length * 1000 + b.length;
    const best = [...branches].sort((a, b) => score(a) - score(b))[0];
    // Some branch got past the shape of the value itself: report that branch's issues.
    if (best?.some((i) => i.path.length > 0))
      return best.flatMap((i) => {
        const { code: c, path, message: m, ...rest } = i;
        return schemaIssues(part, [...at, ...path.map(segment)], c, m, rest);
      });
    const expected = [
      ...new Set(branches.flat().flatMap((i) => (typeof i.expected === 'string' ? [i.expected] : []))),
    ];
    if (expected.length > 0)
      return [
        issue(part, at, code, `Invalid input: expected ${expected.join(' or ')}`, {
          expected: expected.join(' | '),
        }),
      ];
  }
  const extra: Partial<SchemaIssue> = {};
  let text = message;
  if (Array.isArray(params.values)) extra.allowed = params.values;
  if (Array.isArray(params.options)) extra.allowed = params.options;
  if (typeof params.expected === 'string') extra.expected = params.expected;
  if (Array.isArray(params.keys)) extra.keys = params.keys as string[];
  if (params.minimum !== undefined) extra.minimum = params.minimum;
  if (params.maximum !== undefined) extra.maximum = params.maximum;
  if (code === 'invalid_type' && / received undefined$/.test(message))
    text = `Required: expected ${extra.expected ?? 'a value'}`;
  return [issue(part, at, code, text, extra)];
}

function issue(
  part: string,
  path: Array<string | number>,
  code: string,
  message: string,
  extra: Partial<SchemaIssue>,
): SchemaIssue {
  return { location: path.length ? `${part}.${path.join('.')}` : part, path, code, message, ...extra };
}
