/**
 * A tiny local HTTP server for vendor fakes: a route table, JSON helpers, failure injection and a
 * call counter. Each vendor fake (one folder per vendor) builds on it and speaks that vendor's
 * documented shapes, status codes and headers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  rawBody: Buffer;
  /** Parsed JSON body or form body (as an object), when present. */
  body: unknown;
  params: Record<string, string>;
}

export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  /** Raw text, for malformed answers. */
  text?: string;
}

export type FakeHandler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: FakeHandler;
  /** Token/OAuth routes are not counted and not subject to injected failures. */
  counted: boolean;
}

/** `/v26/customers/:id/googleAds\\:search` style patterns; `:name` matches one path segment. */
function compile(path: string): { pattern: RegExp; keys: string[] } {
  const keys: string[] = [];
  const src = path
    .split(/(:[A-Za-z_]+)/)
    .map((part) => {
      if (part.startsWith(':') && /^:[A-Za-z_]+$/.test(part)) {
        keys.push(part.slice(1));
        return '([^/]+?)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { pattern: new RegExp(`^${src}$`), keys };
}

export interface FakeServer {
  url: string;
  route(method: string, path: string, handler: FakeHandler, opts?: { counted?: boolean }): void;
  /** Answers the next `count` counted calls with `response` instead of the route. */
  failNext(response: FakeResponse | ((req: FakeRequest) => FakeResponse), count?: number): void;
  requests(): number;
  log: FakeRequest[];
  close(): Promise<void>;
}

export async function startFakeServer(): Promise<FakeServer> {
  const routes: Route[] = [];
  const failures: Array<FakeResponse | ((req: FakeRequest) => FakeResponse)> = [];
  const log: FakeRequest[] = [];
  let counted = 0;

  const send = (res: ServerResponse, r: FakeResponse) => {
    const headers: Record<string, string> = { ...r.headers };
    let body = '';
    if (r.text !== undefined) body = r.text;
    else if (r.json !== undefined) {
      body = JSON.stringify(r.json);
      headers['content-type'] ??= 'application/json';
    }
    res.writeHead(r.status ?? 200, headers);
    res.end(body);
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown;
    const ct = String(req.headers['content-type'] ?? '');
    if (rawBody.length) {
      if (ct.includes('json')) {
        try {
          body = JSON.parse(rawBody.toString('utf8'));
        } catch {
          body = undefined;
        }
      } else if (ct.includes('x-www-form-urlencoded'))
        body = Object.fromEntries(new URLSearchParams(rawBody.toString('utf8')));
    }
    const method = req.method ?? 'GET';
    for (const r of routes) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(decodeURIComponent(url.pathname));
      if (!m) continue;
      const params = Object.fromEntries(r.keys.map((k, i) => [k, m[i + 1] ?? '']));
      const fr: FakeRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        body,
        params,
      };
      log.push(fr);
      try {
        if (r.counted) {
          counted++;
          const f = failures.shift();
          if (f) return send(res, typeof f === 'function' ? f(fr) : f);
        }
        return send(res, await r.handler(fr));
      } catch (e) {
        return send(res, { status: 500, json: { error: `fake crashed: ${(e as Error).message}` } });
      }
    }
    send(res, { status: 404, json: { error: `fake has no route ${method} ${url.pathname}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    route(method, path, handler, opts = {}) {
      routes.push({ method, ...compile(path), handler, counted: opts.counted ?? true });
    },
    failNext(response, count = 1) {
      for (let i = 0; i < count; i++) failures.push(response);
    },
    requests: () => counted,
    log,
    // A browser keeps connections open (keep-alive, preconnects) that would hold close() forever.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Pages a list with an opaque numeric cursor. */
export function pageOf<T>(
  items: T[],
  cursor: string | null | undefined,
  size: number,
): { page: T[]; next: string | null } {
  const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : 0;
  const page = items.slice(start, start + size);
  const nextStart = start + size;
  return {
    page,
    next: nextStart < items.length ? Buffer.from(String(nextStart)).toString('base64url') : null,
  };
}
