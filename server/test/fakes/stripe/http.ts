/**
 * The Stripe API's HTTP conventions, for the fake: form bodies in bracket notation, the error body,
 * Bearer secret keys, request ids and idempotency keys (the first response to a key is replayed;
 * the same key with other parameters is an `idempotency_error`).
 * Shapes from https://docs.stripe.com/api/errors and https://docs.stripe.com/api/idempotent_requests.
 */
import { randomBytes } from 'node:crypto';
import type { FakeRequest, FakeResponse } from '../fake-server.ts';

export type Form = { [key: string]: string | Form | Form[] | string[] };

/** `line_items[0][price]=p&metadata[org_id]=o` → `{ line_items: [{ price: 'p' }], metadata: { org_id: 'o' } }`. */
export function decodeForm(raw: string): Form {
  const root: Form = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const path = key.split(/\[|\]\[|\]/).filter((p) => p !== '');
    let node: Record<string, unknown> | unknown[] = root;
    path.forEach((seg, i) => {
      const last = i === path.length - 1;
      const nextIsIndex = /^\d+$/.test(path[i + 1] ?? '');
      const slot = Array.isArray(node) ? Number(seg) : seg;
      const container = node as Record<string | number, unknown>;
      if (last) container[slot] = value;
      else {
        container[slot] ??= nextIsIndex ? [] : {};
        node = container[slot] as Record<string, unknown>;
      }
    });
  }
  return root;
}

export const requestId = () => `req_${randomBytes(7).toString('hex')}`;

export function stripeError(
  status: number,
  error: { type: string; message: string; code?: string; param?: string },
): FakeResponse {
  return {
    status,
    headers: { 'request-id': requestId() },
    json: {
      error: {
        ...error,
        ...(error.code
          ? { doc_url: `https://stripe.com/docs/error-codes/${error.code.replace(/_/g, '-')}` }
          : {}),
      },
    },
  };
}

export const missingParam = (param: string) =>
  stripeError(400, {
    type: 'invalid_request_error',
    code: 'parameter_missing',
    param,
    message: `Missing required param: ${param}.`,
  });

/** A missing object: 404 when it is the one addressed by the URL, 400 when a parameter names it. */
export const noSuch = (what: string, id: string, param = 'id') =>
  stripeError(param === 'id' ? 404 : 400, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${what}: '${id}'`,
  });

/** 401 unless `Authorization: Bearer <the fake's secret key>`. */
export function checkKey(req: FakeRequest, secretKey: string): FakeResponse | undefined {
  const auth = String(req.headers.authorization ?? '');
  if (auth === `Bearer ${secretKey}`) return undefined;
  const shown = auth.replace(/^Bearer\s+/i, '');
  return stripeError(401, {
    type: 'invalid_request_error',
    message: shown
      ? `Invalid API Key provided: ${shown.slice(0, 8)}${'*'.repeat(Math.max(0, shown.length - 12))}${shown.slice(-4)}`
      : 'You did not provide an API key.',
  });
}

/** Stripe keeps the first response to an Idempotency-Key and replays it for the same parameters. */
export function createIdempotencyStore() {
  const saved = new Map<string, { fingerprint: string; response: FakeResponse }>();
  let replays = 0;
  return {
    /** Runs `handler` once per key; a reused key with other parameters is refused. */
    async run(req: FakeRequest, handler: () => FakeResponse | Promise<FakeResponse>): Promise<FakeResponse> {
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || req.method !== 'POST') return handler();
      const fingerprint = `${req.method} ${req.path} ${[...new URLSearchParams(req.rawBody.toString('utf8'))]
        .map(([k, v]) => `${k}=${v}`)
        .sort()
        .join('&')}`;
      const prior = saved.get(key);
      if (prior) {
        if (prior.fingerprint !== fingerprint)
          return stripeError(400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          });
        replays++;
        return prior.response;
      }
      const response = await handler();
      saved.set(key, { fingerprint, response });
      return response;
    },
    replays: () => replays,
  };
}
