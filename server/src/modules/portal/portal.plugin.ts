/**
 * Authentication of portal routes (`config.auth: 'portal'`). The agency's hook skips these routes
 * and this one handles only them, so the two kinds of token never cross: an agency token has no
 * `portal` audience and is refused here; a portal token is refused by the agency hook. Like the agency
 * hook it runs in `preParsing`, after the rate limiter has counted the request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unauthenticated } from '../../platform/errors.ts';
import { originOf } from '../auth/auth.plugin.ts';
import { bearerOf, isApiKeyBearer, type RequestClaims } from '../auth/request-claims.ts';
import type { PortalAuth, PortalCtx } from './portal-auth.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    portalCtx: PortalCtx | null;
  }
}

/** The signed-in portal user of a portal route. */
export function portalCtxOf(req: FastifyRequest): PortalCtx {
  if (!req.portalCtx) throw unauthenticated('Sign in to the client portal');
  return req.portalCtx;
}

export function installPortalAuth(app: FastifyInstance, portalAuth: PortalAuth, claims: RequestClaims) {
  app.decorateRequest('portalCtx', null);
  app.addHook('preParsing', async (req) => {
    if (req.routeOptions.config?.auth !== 'portal') return;
    const bearer = bearerOf(req);
    if (!bearer || req.headers['x-api-key'] !== undefined || isApiKeyBearer(bearer))
      throw unauthenticated(
        'Send a client-portal access token (Authorization: Bearer …) from /api/v1/portal/auth/login',
      );
    req.portalCtx = await portalAuth.authenticate(bearer, originOf(req), claims.portal(req, bearer));
  });
}
