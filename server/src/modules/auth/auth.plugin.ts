/**
 * Authentication and authorization, enforced in one place. Every /api route declares one of
 * `config.auth: 'public'` (no credentials), `'user'` (a signed-in person: sessions, MFA),
 * `'any'` (a person or an API key) or `config.permission` (a resource:action from the matrix,
 * checked against the role and, for API keys, the scopes). A route that declares nothing does not start.
 *
 * The check runs in `preParsing`, after every `onRequest` hook: the rate limiter (a route-level
 * `onRequest` hook) has counted the request by then, so a made-up token or API key is refused 401
 * within the address's allowance and 429 past it, like any other request. The body of a refused
 * request is still not parsed.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, forbidden, unauthenticated } from '../../platform/errors.ts';
import type { ApiKeys } from '../tenancy/api-keys.service.ts';
import type { Auth } from './auth.service.ts';
import { type Ctx, ctxCan, type Origin } from './context.ts';
import { type Permission, roleCan } from './permissions.ts';
import { bearerOf, isApiKeyBearer, type RequestClaims } from './request-claims.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `portal`: a client-portal token only (checked by the portal module's own hook). */
    auth?: 'public' | 'user' | 'any' | 'portal';
    permission?: Permission;
    /** Reachable by a user who must enrol in MFA before anything else. */
    allowDuringMfaEnrollment?: boolean;
  }
  interface FastifyRequest {
    ctx: Ctx | null;
  }
}

export const originOf = (req: FastifyRequest): Origin => ({
  ip: req.ip,
  userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
  requestId: req.id,
});

/** The caller's context; routes behind auth always have one. */
export function ctxOf(req: FastifyRequest): Ctx {
  if (!req.ctx) throw unauthenticated();
  return req.ctx;
}

const ORG_HEADER = 'x-organization-id';

export function installAuth(
  app: FastifyInstance,
  { auth, apiKeys, claims }: { auth: Auth; apiKeys: ApiKeys; claims: RequestClaims },
) {
  app.decorateRequest('ctx', null);

  app.addHook('onRoute', (route) => {
    const cfg = (route.config ?? {}) as { auth?: string; permission?: string };
    if (route.url.startsWith('/api/') && !cfg.auth && !cfg.permission) {
      throw new Error(
        `route ${route.method} ${route.url} declares neither config.auth nor config.permission`,
      );
    }
  });

  app.addHook('preParsing', async (req) => {
    const cfg = req.routeOptions.config ?? {};
    if (
      !req.routeOptions.url ||
      cfg.auth === 'public' ||
      cfg.auth === 'portal' ||
      (!cfg.auth && !cfg.permission)
    )
      return;
    const origin = originOf(req);
    const bearer = bearerOf(req);
    const keyHeader = req.headers['x-api-key'];
    const apiKey =
      typeof keyHeader === 'string' ? keyHeader : bearer && isApiKeyBearer(bearer) ? bearer : undefined;
    let ctx: Ctx & { mfaEnrollmentRequired?: boolean };
    if (apiKey) {
      ctx = await apiKeys.authenticate(apiKey, origin);
    } else if (bearer) {
      const orgHeader = req.headers[ORG_HEADER];
      const requestedOrg =
        typeof orgHeader === 'string' && orgHeader.length > 0 ? orgHeader.slice(0, 64) : undefined;
      ctx = await auth.authenticateAccessToken(bearer, requestedOrg, origin, claims.access(req, bearer));
    } else {
      throw unauthenticated('Send an access token (Authorization: Bearer …) or an API key (X-Api-Key)');
    }
    if (ctx.mfaEnrollmentRequired && !cfg.allowDuringMfaEnrollment) {
      throw new AppError(
        'forbidden',
        'This organization requires two-factor authentication: enrol at POST /api/v1/auth/mfa/enroll first',
        {
          reason: 'mfa_enrollment_required',
        },
      );
    }
    if (cfg.permission) {
      if (!ctxCan(ctx, cfg.permission))
        throw forbidden(
          roleCan(ctx.role, cfg.permission)
            ? `This API key lacks the scope ${cfg.permission}`
            : `Your role (${ctx.role}) does not allow ${cfg.permission}`,
        );
    } else if (cfg.auth === 'user' && ctx.actor.type !== 'user') {
      throw forbidden('This endpoint is for signed-in users; API keys cannot use it');
    }
    req.ctx = ctx;
  });
}
