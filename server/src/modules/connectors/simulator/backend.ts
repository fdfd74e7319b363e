/**
 * The simulated vendor's API as an in-process `fetch`: small JSON routes with cursor paging, error
 * answers with status codes, and injectable failures (expired token, rate limit with Retry-After,
 * server error, malformed body). The connector reaches it through the same vendorRequest loop as
 * the real platforms, so budgets, retries and failure classification are exercised for real, but
 * nothing ever leaves the process.
 */
import type { CrmApi, WriteAction } from '../connector.port.ts';
import { applyAction, fetchMetrics, fetchStructure, listAccounts, SimulatorApiError } from './ads.ts';
import type { SimulatorConfig } from './config.ts';
import {
  enrol,
  listContacts,
  listOpportunities,
  listPipelines,
  sendMessage,
  upsertContact,
} from './crm-api.ts';
import type { Engine } from './engine.ts';

type ContactInput = Parameters<CrmApi['upsertContact']>[1];

export type SimulatorFailure = 'expired_token' | 'rate_limited' | 'server_error' | 'malformed';

/** Consulted once per API call; answering a failure serves it instead of the call. */
export interface SimulatorFaults {
  next(call: { method: string; path: string }): SimulatorFailure | undefined;
}

interface Answer {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

const failures: Record<SimulatorFailure, Answer> = {
  expired_token: { status: 401, json: { error: { code: 'token_expired', message: 'Access token expired' } } },
  rate_limited: {
    status: 429,
    headers: { 'retry-after': '1' },
    json: { error: { code: 'rate_limited', message: 'Too many requests' } },
  },
  server_error: { status: 503, json: { error: { code: 'unavailable', message: 'Try again later' } } },
  malformed: { status: 200, text: '{"data": [{"externalId": ' },
};

function page<T>(items: T[], query: URLSearchParams, fallbackLimit: number): Answer {
  const start = Number(query.get('cursor') ?? 0);
  const limit = Math.min(Math.max(1, Number(query.get('limit') ?? fallbackLimit) || fallbackLimit), 10_000);
  if (!Number.isInteger(start) || start < 0) throw new SimulatorApiError(400, 'bad_cursor', 'Bad cursor');
  const end = start + limit;
  return {
    status: 200,
    json: { data: items.slice(start, end), next: end < items.length ? String(end) : null },
  };
}

const ok = (data: unknown): Answer => ({ status: 200, json: { data: data ?? null } });

type Route = (m: RegExpExecArray, q: URLSearchParams, body: Record<string, unknown>) => Promise<Answer>;

export function simulatorFetch(
  engine: Engine,
  config: SimulatorConfig,
  deps: { faults?: SimulatorFaults; now: () => Date },
): typeof fetch {
  const now = () => deps.now().toISOString();
  const routes: Array<[string, RegExp, Route]> = [
    ['GET', /^\/v1\/accounts$/, async () => ok(listAccounts(engine, config))],
    [
      'GET',
      /^\/v1\/accounts\/([^/]+)\/(campaigns|adgroups|ads)$/,
      async (m, q) => {
        const s = await fetchStructure(engine, config, m[1]!);
        return page<unknown>(
          m[2] === 'campaigns' ? s.campaigns : m[2] === 'adgroups' ? s.adGroups : s.ads,
          q,
          1000,
        );
      },
    ],
    [
      'GET',
      /^\/v1\/accounts\/([^/]+)\/metrics$/,
      async (m, q) =>
        page(
          await fetchMetrics(engine, config, m[1]!, { from: q.get('from') ?? '', to: q.get('to') ?? '' }),
          q,
          5000,
        ),
    ],
    [
      'POST',
      /^\/v1\/accounts\/([^/]+)\/actions$/,
      async (m, _q, b) => ok(await applyAction(engine, config, m[1]!, b.action as WriteAction, now())),
    ],
    ['GET', /^\/v1\/crm\/pipelines$/, async () => ok(await listPipelines(engine, config))],
    [
      'GET',
      /^\/v1\/crm\/(contacts|opportunities)$/,
      async (m, q) => {
        const since = q.get('updatedSince') ?? undefined;
        const xs =
          m[1] === 'contacts'
            ? await listContacts(engine, config, since)
            : await listOpportunities(engine, config, since);
        return page<unknown>(xs, q, 500);
      },
    ],
    [
      'POST',
      /^\/v1\/crm\/contacts$/,
      async (_m, _q, b) => ok(await upsertContact(engine, config, b as ContactInput, now())),
    ],
    [
      'POST',
      /^\/v1\/crm\/contacts\/([^/]+)\/workflows$/,
      async (m, _q, b) => ok(await enrol(engine, config, m[1]!, String(b.workflowId ?? ''), now())),
    ],
    [
      'POST',
      /^\/v1\/crm\/contacts\/([^/]+)\/messages$/,
      async (m, _q, b) =>
        ok(
          await sendMessage(
            engine,
            config,
            {
              contactExternalId: m[1]!,
              channel: b.channel === 'Email' ? 'Email' : 'SMS',
              message: String(b.message ?? ''),
              ...(typeof b.subject === 'string' ? { subject: b.subject } : {}),
            },
            now(),
          ),
        ),
    ],
  ];

  async function answer(method: string, url: URL, body: Record<string, unknown>): Promise<Answer> {
    const failure = deps.faults?.next({ method, path: url.pathname });
    if (failure) return failures[failure];
    for (const [m, pattern, route] of routes) {
      const match = m === method ? pattern.exec(decodeURIComponent(url.pathname)) : null;
      if (!match) continue;
      try {
        return await route(match, url.searchParams, body);
      } catch (e) {
        if (e instanceof SimulatorApiError)
          return { status: e.status, json: { error: { code: e.code, message: e.message } } };
        throw e;
      }
    }
    return {
      status: 404,
      json: { error: { code: 'no_route', message: `No route ${method} ${url.pathname}` } },
    };
  }

  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? 'GET').toUpperCase();
    let body: Record<string, unknown> = {};
    if (typeof init?.body === 'string' && init.body.length > 0)
      body = JSON.parse(init.body) as Record<string, unknown>;
    const a = await answer(method, url, body);
    const text = a.text ?? (a.json === undefined ? '' : JSON.stringify(a.json));
    return new Response(text, {
      status: a.status,
      headers: { 'content-type': 'application/json', ...a.headers },
    });
  };
}
