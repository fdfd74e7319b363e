/**
 * The one HTTP loop every connector uses: budget before each call, classification of the answer
 * into the four failure kinds by the connector's own `classify`, waiting as told on rate limits and
 * backing off on transient failures, a bounded number of times. Connectors stay small and the retry
 * policy is the same everywhere.
 */
import { type ConnectorContext, ConnectorError } from './connector.port.ts';

export interface VendorResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body was empty. */
  body: unknown;
  text: string;
}

export interface VendorRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
}

export interface VendorClientOptions {
  /** Budget key: usually `<platform>:<account>`. */
  budgetKey: string;
  /**
   * Turns a response into an error (or undefined when it is a success). Also called for successful
   * responses so the connector can report usage headers to the budget.
   */
  classify(res: VendorResponse): ConnectorError | undefined;
  /** Usage in percent from the vendor's headers, if it reports any. */
  usage?(headers: Headers): number | undefined;
  maxAttempts?: number;
  baseBackoffMs?: number;
  /**
   * A rate-limit wait longer than this is not slept through inside the call: the error goes up, and
   * the job that made the call is retried later instead of holding a worker (Meta can ask for hours).
   */
  maxRateLimitWaitMs?: number;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason ?? new Error('aborted'));
      },
      { once: true },
    );
  });

export async function vendorRequest(
  ctx: ConnectorContext,
  req: VendorRequest,
  opts: VendorClientOptions,
): Promise<VendorResponse> {
  const sleep = ctx.sleep ?? defaultSleep;
  const maxAttempts = opts.maxAttempts ?? 6;
  const url = new URL(req.url);
  for (const [k, v] of Object.entries(req.query ?? {}))
    if (v !== undefined) url.searchParams.set(k, String(v));
  let lastError: ConnectorError | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    await ctx.budget.acquire(opts.budgetKey, ctx.signal);
    let res: VendorResponse;
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
      let body: string | undefined;
      if (req.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(req.json);
      } else if (req.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(req.form).toString();
      }
      const r = await ctx.fetch(url, { method: req.method ?? 'GET', headers, body, signal: ctx.signal });
      const text = await r.text();
      let parsed: unknown;
      if (text.length > 0) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
      }
      res = { status: r.status, headers: r.headers, body: parsed, text };
    } catch (e) {
      if (ctx.signal?.aborted) throw e;
      lastError = new ConnectorError(
        'transient',
        `Network error calling ${url.host}: ${(e as Error).message}`,
        { cause: e },
      );
      await sleep(backoff(attempt, opts.baseBackoffMs), ctx.signal);
      continue;
    }
    const usagePct = opts.usage?.(res.headers);
    const error = opts.classify(res);
    if (!error) {
      if (usagePct !== undefined) ctx.budget.report(opts.budgetKey, { usagePct });
      return res;
    }
    lastError = error;
    if (error.kind === 'auth' || error.kind === 'invalid') throw error;
    if (error.kind === 'rate_limited') {
      const wait = error.retryAfterMs ?? backoff(attempt, opts.baseBackoffMs ?? 1000);
      if (wait > (opts.maxRateLimitWaitMs ?? 10 * 60_000)) {
        ctx.budget.report(opts.budgetKey, { retryAfterMs: wait });
        throw error;
      }
      ctx.budget.report(opts.budgetKey, {
        retryAfterMs: wait,
        ...(usagePct === undefined ? {} : { usagePct }),
      });
      // The budget holds every caller of this platform until the wait is over; acquire() waits.
      continue;
    }
    await sleep(backoff(attempt, opts.baseBackoffMs), ctx.signal);
  }
  throw (
    lastError ?? new ConnectorError('transient', `Giving up on ${url.host} after ${maxAttempts} attempts`)
  );
}

function backoff(attempt: number, base = 500): number {
  const exp = Math.min(base * 2 ** (attempt - 1), 60_000);
  return Math.round(exp * (0.75 + Math.random() * 0.5));
}

/** Parses Retry-After (seconds or HTTP date) into milliseconds. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const v = headers.get('retry-after');
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Money: vendors' decimal strings ("12.34") or minor units to integer micros, without float drift. */
export function decimalToMicros(value: string | number | null | undefined): number {
  if (value === null || value === undefined || value === '') return 0;
  const s = typeof value === 'number' ? value.toFixed(6) : value.trim();
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m) throw new ConnectorError('invalid', `Not a decimal amount: ${s}`);
  const frac = ((m[3] ?? '') + '000000').slice(0, 6);
  const micros = Number(m[2] || '0') * 1_000_000 + Number(frac);
  return m[1] === '-' ? -micros : micros;
}
