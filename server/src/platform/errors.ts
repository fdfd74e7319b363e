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

export const notFound = (what: string, id?: string) =>
  new AppError(
    'not_found',
    id ? `${what} ${id} was not found` : `${what} was not found`,
    id ? { id } : undefined,
  );
export const forbidden = (message = 'You do not have permission to do this') =>
  new AppError('forbidden', message);
export const unauthenticated = (message = 'Authentication required') =>
  new AppError('unauthenticated', message);
export const invalidInput = (message: string, details?: unknown) =>
  new AppError('invalid_input', message, details);
export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, details);

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
