/**
 * The only way the dashboard talks to Omnify: the documented HTTP API under /api/v1. Errors arrive as
 * `{ error: { code, message, details, requestId } }` and become ApiError; a 401 triggers one refresh
 * of the token pair and a retry, and a failed refresh signs the user out.
 */
import { getTokens, setTokens, type Tokens } from './session.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly requestId?: string,
  ) {
    super(message);
  }
  get notFound() {
    return this.status === 404;
  }
}

type Query = Record<string, string | number | boolean | undefined | null | string[]>;

export function qs(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  organizationId: string;
  mfaEnrollmentRequired: boolean;
}

export function storePair(t: TokenPair): Tokens {
  const tokens = {
    accessToken: t.accessToken,
    refreshToken: t.refreshToken,
    organizationId: t.organizationId,
    mfaEnrollmentRequired: t.mfaEnrollmentRequired,
  };
  setTokens(tokens);
  return tokens;
}

let refreshing: Promise<boolean> | null = null;

/** Exchanges the refresh token once, however many requests hit 401 at the same moment. */
export function refreshSession(organizationId?: string): Promise<boolean> {
  if (refreshing && !organizationId) return refreshing;
  const run = (async () => {
    const t = getTokens();
    if (!t) return false;
    const res = await fetch('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: t.refreshToken, ...(organizationId ? { organizationId } : {}) }),
    });
    if (!res.ok) {
      if (!organizationId) setTokens(null);
      return false;
    }
    const body = (await res.json()) as { tokens: TokenPair };
    storePair(body.tokens);
    return true;
  })();
  if (!organizationId) {
    refreshing = run;
    run.finally(() => {
      refreshing = null;
    });
  }
  return run;
}

/** The API's error body `{ error: { code, message, details, requestId } }` as an ApiError. */
export async function toError(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as {
      error?: { code: string; message: string; details?: Record<string, unknown>; requestId?: string };
    };
    if (body.error)
      return new ApiError(
        res.status,
        body.error.code,
        body.error.message,
        body.error.details ?? {},
        body.error.requestId,
      );
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, 'http_error', `${res.status} ${res.statusText}`);
}

type Auth = { token: () => string | null; refresh?: () => Promise<boolean> };

/**
 * One request with a bearer token: a 401 runs `refresh` once and retries with the new token; an
 * error answer becomes ApiError. The response is returned unread, for `send` (JSON) and `download`.
 */
async function respond(
  method: string,
  path: string,
  body: unknown,
  auth: Auth,
  accept: string,
): Promise<Response> {
  const token = auth.token();
  const headers: Record<string, string> = { accept };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401 && token && auth.refresh && (await auth.refresh()))
    return respond(method, path, body, { token: auth.token }, accept);
  if (!res.ok) throw await toError(res);
  return res;
}

/**
 * One JSON request with a bearer token: a 401 runs `refresh` once and retries with the new token;
 * errors become ApiError. Shared by the agency session and the client portal's (kept apart).
 */
export async function send<T>(method: string, path: string, body: unknown, auth: Auth): Promise<T> {
  const res = await respond(method, path, body, auth, 'application/json');
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** The agency session's token, refreshed on a 401 unless `retry` is false. */
function agencyAuth(opts: { auth?: boolean; retry?: boolean } = {}): Auth {
  return {
    token: () => (opts.auth === false ? null : (getTokens()?.accessToken ?? null)),
    ...(opts.retry === false ? {} : { refresh: () => refreshSession() }),
  };
}

export function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: { auth?: boolean; retry?: boolean } = {},
): Promise<T> {
  return send<T>(method, path, body, agencyAuth(opts));
}

/**
 * A GET answered as a file (CSV, say) with the signed-in session, as a Blob: the API wants the
 * Authorization header, so a plain link cannot fetch it. A 401 refreshes like `request`; an error
 * answer (JSON) becomes ApiError.
 */
export async function download(path: string, q: Query = {}, accept = 'text/csv'): Promise<Blob> {
  const res = await respond('GET', `${path}${qs(q)}`, undefined, agencyAuth(), accept);
  return res.blob();
}

/** The most rows a list page loads by following cursors (`getAll`): beyond it the page says so. */
export const LIST_CAP = 5000;
/** The same for history (approvals, the change ledger), which grows for as long as Omnify runs. */
export const HISTORY_CAP = 1000;

/**
 * Every item of a cursor-paginated list, 200 per request, up to `cap` items. The answer has the
 * Page shape: `nextCursor` is null when everything came, else the cursor of what was left out, so a
 * page can say "showing the first N". Lists of an agency's campaigns, rules or workflows grow past
 * one page (200) and a table that silently shows the first page loses the rest.
 */
export async function getAll<T>(path: string, q: Query = {}, cap = LIST_CAP): Promise<Page<T>> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const limit = Math.min(200, cap - items.length);
    const page: Page<T> = await request<Page<T>>(
      'GET',
      `${path}${qs({ ...q, limit, ...(cursor ? { cursor } : {}) })}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < cap);
  return { items, nextCursor: cursor };
}

export const api = {
  get: <T>(path: string, q?: Query) => request<T>('GET', `${path}${qs(q)}`),
  getAll,
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Proposed actions moved from /api/v1/proposals to /api/v1/actions; servers of either age answer
 * here, so the dashboard asks the new path first and falls back once on 404.
 */
let actionsBase: string | null = null;
export async function actionsPath(): Promise<string> {
  if (actionsBase) return actionsBase;
  try {
    await request('GET', '/api/v1/actions?limit=1');
    actionsBase = '/api/v1/actions';
  } catch (e) {
    actionsBase = e instanceof ApiError && e.status === 404 ? '/api/v1/proposals' : '/api/v1/actions';
  }
  return actionsBase;
}
