/** Builds the HTTP API: plugins, hooks, every module's routes, OpenAPI, health and metrics. */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { actionsRoutes } from '../modules/actions/actions.routes.ts';
import { agentsRoutes } from '../modules/agents/agents.routes.ts';
import { analyticsRoutes } from '../modules/analytics/index.ts';
import { auditRoutes } from '../modules/audit/audit.routes.ts';
import { installAuth } from '../modules/auth/auth.plugin.ts';
import { authRoutes } from '../modules/auth/auth.routes.ts';
import { bearerOf, createRequestClaims, isApiKeyBearer } from '../modules/auth/request-claims.ts';
import { billingRoutes, installApiCallMetering } from '../modules/billing/index.ts';
import { catalogRoutes } from '../modules/catalog/index.ts';
import { connectionsRoutes } from '../modules/connections/connections.routes.ts';
import { ledgerRoutes } from '../modules/ledger/index.ts';
import { oracleRoutes } from '../modules/oracle/index.ts';
import { portalRoutes } from '../modules/portal/index.ts';
import { proposalsRoutes } from '../modules/proposals/index.ts';
import { retentionRoutes } from '../modules/retention/retention.routes.ts';
import { rulesRoutes } from '../modules/rules/index.ts';
import { tenancyRoutes } from '../modules/tenancy/tenancy.routes.ts';
import { webhooksRoutes } from '../modules/webhooks/webhooks.routes.ts';
import { workflowsRoutes } from '../modules/workflows/index.ts';
import { AppError } from '../platform/errors.ts';
import {
  genRequestId,
  installEmptyBodies,
  installErrorHandling,
  installStrictQuerystrings,
  optionalRequestBodies,
  sendError,
  toAppError,
} from '../platform/http.ts';
import { installMetrics } from '../platform/metrics.ts';
import type { Services } from './services.ts';
import { installWebApp, webDistDir } from './web.ts';

export interface ApiOptions {
  /** Extra readiness checks (the queue), name → probe. */
  readiness?: Record<string, () => Promise<void>>;
  /** Registers more routes (modules outside the foundation). */
  extraRoutes?: Array<(app: FastifyInstance) => void>;
  /** The web dashboard's build (web/dist); null serves none. Default: the workspace's web/dist. */
  webRoot?: string | null;
}

export const API_VERSION = '0.1.0';

export async function buildApi(s: Services, opts: ApiOptions = {}): Promise<FastifyInstance> {
  const { config } = s;
  const app = Fastify({
    loggerInstance: s.logger as unknown as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    genReqId: genRequestId,
    // Errors Fastify raises before routing (bad percent-encoding, a path over maxParamLength) get the
    // same error body as everything else.
    frameworkErrors: (err, req, reply) => sendError(reply, req, toAppError(err)),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  installEmptyBodies(app);
  installStrictQuerystrings(app);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  await app.register(helmet, {
    // The interactive docs page needs inline scripts and styles of its own.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // Ad creatives in the dashboard load from the platforms' CDNs.
        imgSrc: ["'self'", 'data:', 'https:'],
        // Self-hosted installs are often reached over plain HTTP on a LAN address: upgrading the
        // dashboard's own script and style requests to HTTPS would leave a blank page.
        upgradeInsecureRequests: null,
      },
    },
  });
  await app.register(cors, {
    origin: (origin, cb) =>
      cb(null, !origin || config.http.corsOrigins.includes(origin) || config.http.corsOrigins.includes('*')),
    credentials: true,
    exposedHeaders: ['x-request-id', 'retry-after'],
  });
  // The bearer token's verification, shared by the rate limiter's key and the auth hooks.
  const claims = createRequestClaims(s.tokens, s.clock);
  await app.register(rateLimit, {
    // Every route, in a route-level onRequest hook: that runs after the app's onRequest hooks and
    // before authentication (preParsing), so a request refused 401 counts too.
    global: true,
    max: config.http.rateLimitPerMinute,
    timeWindow: '1 minute',
    // Per signed-in person where the request proves one (a valid access token: an agency office
    // behind one address is many people), else per client address. An API key, or an invalid or
    // made-up token, counts against the address, so varying it buys nothing.
    keyGenerator: async (req) => {
      const token = bearerOf(req);
      // An API key (omk_…) is no access token: nothing to verify, it counts against the address.
      if (token && !isApiKeyBearer(token)) {
        const user = await claims.access(req, token).catch(() => null);
        if (user) return `user:${user.userId}`;
        const portal = await claims.portal(req, token).catch(() => null);
        if (portal) return `portal:${portal.portalUserId}`;
      }
      return req.ip;
    },
    errorResponseBuilder: (_req, ctx) =>
      new AppError(
        'rate_limited',
        `Too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s`,
        { limit: ctx.max },
        { retryAfterSeconds: ctx.ttl / 1000 },
      ),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Omnify API',
        version: API_VERSION,
        description:
          'Campaign intelligence for agencies. Authenticate with `Authorization: Bearer <accessToken>` from /api/v1/auth/login, or with an API key (`X-Api-Key`). Errors are `{"error":{"code","message","details","requestId"}}`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (d) => optionalRequestBodies('openapiObject' in d ? d.openapiObject : d.swaggerObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  installMetrics(app);
  installAuth(app, { auth: s.auth, apiKeys: s.apiKeys, claims });
  // After authentication: counts (and past the plan, refuses) requests made with API keys.
  installApiCallMetering(app, s.billing.meter);

  app.get(
    '/openapi.json',
    { schema: { tags: ['system'], summary: 'This OpenAPI 3.1 document' }, config: { auth: 'public' } },
    async () => app.swagger(),
  );

  // The web dashboard (web/dist) at / with an SPA fallback; without a build, / opens the API docs.
  await installWebApp(app, opts.webRoot === undefined ? webDistDir() : opts.webRoot);

  app.get(
    '/health',
    { schema: { tags: ['system'], summary: 'Liveness: 200 while the process serves requests' } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/ready',
    {
      schema: {
        tags: ['system'],
        summary: 'Readiness: 200 when the database and the queue answer, 503 (code unavailable) otherwise',
      },
    },
    async (req, reply) => {
      const checks: Record<string, { ok: boolean; error?: string }> = {};
      const probes: Record<string, () => Promise<void>> = {
        database: () => s.storage.ping(),
        ...opts.readiness,
      };
      await Promise.all(
        Object.entries(probes).map(async ([name, probe]) => {
          try {
            await probe();
            checks[name] = { ok: true };
          } catch (e) {
            checks[name] = { ok: false, error: (e as Error).message };
          }
        }),
      );
      const ok = Object.values(checks).every((c) => c.ok);
      if (!ok)
        return sendError(
          reply.header('cache-control', 'no-store'),
          req,
          new AppError('unavailable', 'Not ready', { checks }),
        );
      return { status: 'ready', checks };
    },
  );

  authRoutes(app, {
    auth: s.auth,
    mfa: s.mfa,
    passwordReset: s.passwordReset,
    loginRateLimitPerMinute: config.auth.loginRateLimitPerMinute,
  });
  tenancyRoutes(app, s);
  auditRoutes(app, s);
  agentsRoutes(app, s);
  retentionRoutes(app, s);
  catalogRoutes(app, s);
  analyticsRoutes(app, s);
  oracleRoutes(app, s);
  ledgerRoutes(app, s);
  connectionsRoutes(app, s);
  actionsRoutes(app, s);
  proposalsRoutes(app, s);
  rulesRoutes(app, s);
  webhooksRoutes(app, s);
  workflowsRoutes(app, s);
  billingRoutes(app, s);
  portalRoutes(app, {
    portal: s.portal,
    claims,
    loginRateLimitPerMinute: config.auth.loginRateLimitPerMinute,
  });
  for (const add of opts.extraRoutes ?? []) add(app);

  await app.ready();
  return app;
}
