/** /api/v1/connections: connect platforms (OAuth), list them, sync them and follow the syncs. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ctxOf } from '../auth/auth.plugin.ts';
import { platforms } from '../connectors/connector.port.ts';
import type { Sync } from '../sync/sync.service.ts';
import type { Connections } from './connections.service.ts';

const connectionSchema = z.object({
  id: z.string(),
  clientId: z.string().nullable(),
  platform: z.string(),
  name: z.string(),
  status: z.enum(['pending_authorization', 'active', 'needs_reconnect', 'disconnected']),
  needsReconnect: z
    .boolean()
    .describe('The platform rejected our credentials: reconnect (POST …/reconnect) to resume syncing'),
  tokenExpiresAt: z.string().nullable(),
  settings: z.record(z.string(), z.string()),
  lastSyncAt: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const syncRunSchema = z.object({
  id: z.string(),
  connectionId: z.string(),
  kind: z.enum(['incremental', 'backfill']),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  range: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  progress: z.object({
    unitsDone: z.number(),
    unitsTotal: z.number(),
    percent: z.number(),
    etaSeconds: z.number().nullable(),
  }),
  rowsUpserted: z.number(),
  callsMade: z.number(),
  errors: z.array(z.object({ at: z.string(), kind: z.string(), message: z.string() })),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});

const idParam = z.object({ id: z.string().min(1).max(64) });

export function connectionsRoutes(
  app: FastifyInstance,
  { connections, sync }: { connections: Connections; sync: Sync },
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['connections'];

  r.post(
    '/api/v1/connections',
    {
      config: { permission: 'connections:manage' },
      schema: {
        tags,
        summary:
          'Connect a platform for a client. OAuth platforms answer with authorizationUrl: send the user there',
        description:
          'The simulator connects at once; its settings: seed, days (1-730, default 150), endDate (YYYY-MM-DD), clients, scale, industry; a value it cannot sync with is refused here (400 naming body.settings.<key>). OAuth platforms need OMNIFY_<PLATFORM>_CLIENT_ID/_CLIENT_SECRET configured.',
        body: z.strictObject({
          platform: z.enum(platforms),
          clientId: z.string().max(64).nullable().optional(),
          name: z.string().trim().min(1).max(200).optional(),
          settings: z
            .record(
              z.string().max(64),
              // A number (the simulator's days, clients, scale) is taken as written, as a string is.
              z.union([z.string().max(500), z.number()]).transform((v) => String(v)),
            )
            .optional()
            .refine((s) => !s || Object.keys(s).length <= 20, 'at most 20 settings')
            .describe(
              'Setting → value; numbers may be sent as JSON numbers or strings ({"days": 90} or {"days": "90"}) and are stored as strings',
            ),
        }),
        response: {
          201: z.object({ connection: connectionSchema, authorizationUrl: z.string().nullable() }),
        },
      },
    },
    async (req, reply) => reply.status(201).send(await connections.create(ctxOf(req), req.body)),
  );

  r.get(
    '/api/v1/connections/platforms',
    {
      config: { permission: 'connections:read' },
      schema: {
        tags,
        summary: 'Platforms one can connect, and whether their OAuth app is configured on this server',
        response: {
          200: z.object({
            items: z.array(
              z.object({
                platform: z.string(),
                name: z.string(),
                oauth: z.boolean().describe('Connecting goes through the platform consent screen'),
                configured: z
                  .boolean()
                  .describe(
                    'False for an OAuth platform whose client id or secret is not set: connecting fails',
                  ),
                missing: z.array(z.string()).describe('The environment variables to set to configure it'),
              }),
            ),
          }),
        },
      },
    },
    async () => ({ items: connections.platforms() }),
  );

  r.get(
    '/api/v1/connections',
    {
      config: { permission: 'connections:read' },
      schema: {
        tags,
        summary: 'Connections of the organization',
        querystring: z.object({
          clientId: z.string().max(64).optional(),
          platform: z.enum(platforms).optional(),
        }),
        response: { 200: z.object({ items: z.array(connectionSchema) }) },
      },
    },
    async (req) => ({ items: await connections.list(ctxOf(req), req.query) }),
  );

  r.get(
    '/api/v1/connections/:id',
    {
      config: { permission: 'connections:read' },
      schema: {
        tags,
        summary: 'One connection, with needsReconnect when its credentials were rejected',
        params: idParam,
        response: { 200: connectionSchema },
      },
    },
    async (req) => connections.get(ctxOf(req), req.params.id),
  );

  r.delete(
    '/api/v1/connections/:id',
    {
      config: { permission: 'connections:manage' },
      schema: {
        tags,
        summary: 'Disconnect: forget the tokens; synced data is kept',
        params: idParam,
        response: { 200: connectionSchema },
      },
    },
    async (req) => connections.disconnect(ctxOf(req), req.params.id),
  );

  r.post(
    '/api/v1/connections/:id/reconnect',
    {
      config: { permission: 'connections:manage' },
      schema: {
        tags,
        summary: 'Start a new OAuth authorization for a connection that needs reconnection',
        params: idParam,
        response: { 200: z.object({ connection: connectionSchema, authorizationUrl: z.string() }) },
      },
    },
    async (req) => connections.reconnect(ctxOf(req), req.params.id),
  );

  r.get(
    '/api/v1/connections/oauth/callback',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'OAuth redirect target (register this URL with the platform): completes the connection',
        // Loose, unlike every other query of the API (installStrictQuerystrings): the platform
        // builds this redirect and appends parameters of its own, which are ignored: Google
        // `scope`, `authuser`, `prompt`, `hd`, `iss`; Meta `error_reason` on a refusal (its `#_=_`
        // fragment never reaches the server); whatever a platform adds later must not break it.
        querystring: z.looseObject({
          state: z.string().min(10).max(200),
          code: z.string().max(4096).optional(),
          error: z.string().max(500).optional(),
          error_description: z.string().max(2000).optional(),
        }),
        response: { 200: z.object({ organizationId: z.string(), connection: connectionSchema }) },
      },
    },
    async (req, reply) => {
      // A browser coming back from the platform's consent screen lands on the dashboard's
      // Connections page (with the outcome in the query) instead of a JSON document.
      const browser = (req.headers.accept ?? '').includes('text/html');
      try {
        const done = await connections.completeOAuth({
          state: req.query.state,
          ...(req.query.code ? { code: req.query.code } : {}),
          ...(req.query.error
            ? {
                error: `${req.query.error}${req.query.error_description ? `: ${req.query.error_description}` : ''}`,
              }
            : {}),
        });
        if (browser)
          return reply.redirect(`/connections?connected=${encodeURIComponent(done.connection.id)}`);
        return done;
      } catch (e) {
        if (!browser) throw e;
        return reply.redirect(`/connections?oauthError=${encodeURIComponent((e as Error).message)}`);
      }
    },
  );

  r.post(
    '/api/v1/connections/:id/sync',
    {
      config: { permission: 'connections:manage' },
      schema: {
        tags: ['sync'],
        summary: 'Start a sync: incremental (re-reads the restatement window) or a backfill of N days',
        description:
          'One run at a time per connection: while a run is queued or running, 409 conflict naming it (details.syncRunId, kind, status, progress). `days` is for a backfill only.',
        params: idParam,
        body: z
          .strictObject({
            kind: z.enum(['incremental', 'backfill']).default('incremental'),
            days: z.number().int().min(1).max(1095).optional(),
          })
          .refine((b) => b.kind === 'backfill' || b.days === undefined, {
            path: ['days'],
            message:
              'days applies only to a backfill ({"kind":"backfill","days":N}); an incremental sync re-reads the restatement window',
          }),
        response: { 202: syncRunSchema },
      },
    },
    async (req, reply) => reply.status(202).send(await sync.start(ctxOf(req), req.params.id, req.body)),
  );

  r.get(
    '/api/v1/connections/:id/syncs',
    {
      config: { permission: 'connections:read' },
      schema: {
        tags: ['sync'],
        summary: 'Sync history of a connection, newest first: row counts, calls made, errors',
        params: idParam,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: z.object({ items: z.array(syncRunSchema) }) },
      },
    },
    async (req) => ({ items: await sync.list(ctxOf(req), req.params.id, req.query.limit) }),
  );

  r.get(
    '/api/v1/sync-runs/:id',
    {
      config: { permission: 'connections:read' },
      schema: {
        tags: ['sync'],
        summary: 'One sync run with progress (percent, ETA)',
        params: idParam,
        response: { 200: syncRunSchema },
      },
    },
    async (req) => sync.get(ctxOf(req), req.params.id),
  );
}
