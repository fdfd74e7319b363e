/**
 * HTTP plumbing with no domain knowledge: request ids, the error body, and the mapping of every
 * failure (ours, Fastify's, validation) to one of the closed error codes.
 */
import { Readable } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, type ErrorCode, errorStatus, invalidInputOf, schemaIssues } from './errors.ts';
import { ulid } from './ids.ts';

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    requestId: z.string(),
  }),
});

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a caller's well-formed X-Request-Id, otherwise makes one. */
export function genRequestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : `req_${ulid()}`;
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_input',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_input',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_input',
  FST_ERR_VALIDATION: 'invalid_input',
  FST_ERR_NOT_FOUND: 'not_found',
};

function statusToCode(status: number): ErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 429) return 'rate_limited';
  if (status >= 400 && status < 500) return 'invalid_input';
  return 'internal';
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const part = err.validationContext ?? 'body';
    const issues = err.validation.flatMap((v) =>
      schemaIssues(
        part,
        v.instancePath
          .split('/')
          .filter(Boolean)
          .map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
        v.keyword,
        v.message ?? 'Invalid input',
        (v.params ?? {}) as Record<string, unknown>,
      ),
    );
    return invalidInputOf(issues);
  }
  if (isResponseSerializationError(err))
    return new AppError('internal', 'The server produced an invalid response');
  if (isUniqueViolation(err)) {
    // A race two requests lost to a unique constraint: the same answer the service gives when it sees it first.
    return new AppError('conflict', 'This conflicts with an existing record');
  }
  const fe = err as Partial<FastifyError>;
  if (fe?.code && fastifyCodes[fe.code]) {
    const code = fastifyCodes[fe.code] as ErrorCode;
    const message =
      code === 'payload_too_large'
        ? 'The request body is larger than the 1 MB limit'
        : code === 'invalid_input' && fe.code?.startsWith('FST_ERR_CTP')
          ? `The request body is not valid JSON: ${fe.message ?? ''}`.trim()
          : (fe.message ?? code);
    return new AppError(code, message);
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError(statusToCode(fe.statusCode), fe.message ?? 'Bad request');
  }
  return new AppError(
    'internal',
    'Something went wrong on our side; the request id identifies it in the logs',
    undefined,
    {
      cause: err,
    },
  );
}

export function sendError(reply: FastifyReply, request: FastifyRequest, err: AppError) {
  // Set here too: errors raised before routing skip the onSend hook that normally adds it.
  reply.header('x-request-id', request.id);
  if (err.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(Math.ceil(err.retryAfterSeconds)));
  return reply.status(errorStatus[err.code]).send({
    error: {
      code: err.code,
      message: err.message,
      ...(err.details === undefined ? {} : { details: err.details }),
      requestId: request.id,
    },
  });
}

export function installErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((err, request, reply) => {
    const appErr = toAppError(err);
    if (appErr.code === 'internal') request.log.error({ err }, 'unhandled error');
    else request.log.info({ code: appErr.code, msg: appErr.message }, 'request failed');
    return sendError(reply, request, appErr);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      request,
      new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      if (jsonDepth(value) > MAX_JSON_DEPTH)
        throw new AppError('invalid_input', `Input may nest at most ${MAX_JSON_DEPTH} levels deep`, {
          issues: [{ location: part, message: 'nested too deeply', code: 'too_deep' }],
        });
      const at = findNulCharacter(value);
      if (at !== undefined)
        throw new AppError('invalid_input', 'Text may not contain the NUL character (U+0000)', {
          issues: [
            { location: at ? `${part}.${at}` : part, message: 'contains U+0000', code: 'invalid_string' },
          ],
        });
    }
  });
}

/**
 * Query parameters of the API are strict: a key a route does not declare is a 400 `invalid_input`
 * naming it (`querystring: Unrecognized key: "client_id"`), never silently dropped. A misspelt
 * filter that was ignored would widen the answer to everything (`GET /campaigns?client_id=…` listing
 * every client's campaigns), and a script acting on that list would act on all of them.
 *
 * One rule for every `/api/` route, applied as routes are registered (so the OpenAPI document says
 * `additionalProperties: false` too): a querystring declared as a `z.object` becomes strict, and a
 * route that declares none accepts none. A route that third parties call with parameters of their own
 * declares `z.looseObject` and stays tolerant: the OAuth redirect target (platforms append `scope`,
 * `authuser`, `prompt`, `hd`, … to the redirect) and the inbound webhooks.
 */
export function installStrictQuerystrings(app: FastifyInstance) {
  // `_=<time>` is the cache-buster of jQuery's `cache: false` and of many HTTP tools: it names no
  // option, so it is dropped before validation rather than refused.
  app.addHook('preValidation', async (request) => {
    const q = request.query as Record<string, unknown> | undefined;
    if (q && typeof q === 'object' && '_' in q) delete q._;
  });
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    const schema = (route.schema ?? {}) as { querystring?: unknown };
    const q = schema.querystring;
    if (q === undefined) {
      route.schema = { ...schema, querystring: z.strictObject({}) };
      return;
    }
    // Only a plain object that strips unknown keys (catchall unset) is tightened: a strict or loose
    // one says what it wants already.
    if (q instanceof z.ZodObject && q._zod.def.catchall === undefined)
      route.schema = { ...schema, querystring: q.strict() };
  });
}

/**
 * A request without content means "no options". Many clients send `Content-Type: application/json`
 * on a bare POST (`curl -X POST -H 'content-type: application/json' …/approve`), which Fastify's
 * JSON parser refuses as an empty body; a request that declares no content (`Content-Length: 0`, or
 * neither Content-Length nor Transfer-Encoding, RFC 9112 §6.3) has nothing for that header to
 * describe, so it is dropped and the route sees no body. A route with a body schema then validates
 * `{}` in place of the missing body: the verb endpoints whose fields are all optional (approve,
 * reject, revert, sync, …) run with their defaults, and the others answer 400 naming the fields
 * they require. JSON `null` is a body, and stays a 400. This holds for every method (a DELETE or a
 * PATCH sent with the header and nothing after it, too), and for a chunked request that turns out
 * to carry nothing (Node's http.request sends one that way).
 *
 * Only routes of the root scope, which parse JSON with Fastify's parser: routes registered in a
 * scope of their own with a parser of their own (the signed webhooks keep the raw bytes, and an
 * empty body is refused there for want of a signature) are left as they are.
 */
export function installEmptyBodies(app: FastifyInstance) {
  app.addHook('onRequest', async (request) => {
    if (request.server !== app) return;
    const headers = request.raw.headers;
    if (
      headers['content-type'] !== undefined &&
      headers['transfer-encoding'] === undefined &&
      (headers['content-length'] === undefined || headers['content-length'] === '0')
    )
      delete headers['content-type'];
  });
  // A chunked request may still carry nothing: wait for its first bytes, and treat one that ends
  // before any as bodiless (the same as above). The rest is streamed on, so the body limit still
  // applies as the parser reads it.
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.server !== app) return payload;
    const headers = request.raw.headers;
    if (headers['content-type'] === undefined || headers['transfer-encoding'] === undefined) return payload;
    const chunks = payload[Symbol.asyncIterator]();
    const first = await chunks.next();
    if (first.done) {
      delete headers['content-type'];
      delete headers['transfer-encoding'];
      return payload;
    }
    return Readable.from(
      (async function* () {
        yield first.value;
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
      })(),
      { objectMode: false },
    );
  });
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body !== undefined) request.body = {};
  });
}

interface OpenApiBodies {
  paths?: Record<
    string,
    Record<string, { requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> } }>
  >;
}

/**
 * Marks the request body optional in the OpenAPI document where it may be left out: a body schema
 * that requires no field takes a request with no body at all (`installEmptyBodies`). Fastify's
 * swagger marks every body required.
 */
export function optionalRequestBodies<T>(doc: T): T {
  for (const ops of Object.values((doc as OpenApiBodies).paths ?? {}))
    for (const op of Object.values(ops)) {
      const body = op?.requestBody;
      if (!body?.content) continue;
      const schemas = Object.values(body.content).map((c) => c.schema as Record<string, unknown> | undefined);
      if (
        schemas.every(
          (sc) => sc?.type === 'object' && !(Array.isArray(sc.required) && sc.required.length > 0),
        )
      )
        body.required = false;
    }
  return doc;
}

/**
 * No document we accept nests deeper than this. Deeper input is refused at the edge, because later
 * recursive work on it (JSON.stringify when storing it, template walks) would overflow the stack: a
 * 500 instead of a 400.
 */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of a parsed JSON value (a scalar is 0, `{}` and `[]` are 1); iterative. */
export function jsonDepth(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (value === null || typeof value !== 'object') continue;
    if (depth + 1 > max) max = depth + 1;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return max;
}

/**
 * U+0000 is valid JSON and a valid URL escape, but PostgreSQL text cannot hold it (the statement fails,
 * which would be a 500) while SQLite stores it: input carrying it is rejected at the edge, the same on
 * both. Returns the path of the first string (or key) containing it; iterative, so deep nesting is safe.
 */
function findNulCharacter(root: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const childPath = path ? `${path}.${key}` : key;
        if (key.includes('\u0000')) return childPath;
        stack.push([child, childPath]);
      }
    }
  }
  return undefined;
}

/** A unique-constraint violation from either driver (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
