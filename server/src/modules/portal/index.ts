/**
 * The white-label client portal: branding (organization and per-client), portal users and their
 * sign-in, and the read-only portal API scoped to one client. See README.md.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Mailer } from '../../platform/mailer.ts';
import type { Storage } from '../../storage/db.ts';
import type { AnalyticsModule } from '../analytics/index.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { AuthConfig } from '../auth/auth.service.ts';
import type { RequestClaims } from '../auth/request-claims.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { CatalogModule } from '../catalog/index.ts';
import { createBranding } from './branding.service.ts';
import { installPortalAuth } from './portal.plugin.ts';
import { brandingRoutes } from './portal.routes.ts';
import { portalApiRoutes } from './portal-api.routes.ts';
import { createPortalAuth } from './portal-auth.service.ts';
import { createPortalData } from './portal-data.service.ts';
import { createPortalUsers } from './portal-users.service.ts';

export type { Branding, BrandingInput, ResolvedBranding } from './branding.service.ts';
export type { PortalAuth, PortalCtx } from './portal-auth.service.ts';
export type { PortalUser, PortalUsers } from './portal-users.service.ts';

interface Deps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  mailer: Mailer;
  publicUrl: string;
  tokens: TokenService;
  authConfig: AuthConfig;
  analytics: AnalyticsModule;
  catalog: CatalogModule;
}

/** Builds `services.portal`: branding, users, auth and data. */
export function createPortalModule(d: Deps) {
  const branding = createBranding(d);
  const users = createPortalUsers(d);
  const auth = createPortalAuth({ ...d, users, config: d.authConfig });
  const data = createPortalData({ ...d, branding, users });
  return { branding, users, auth, data };
}

export type PortalModule = ReturnType<typeof createPortalModule>;

/**
 * Installs the portal's authentication hook and every portal and branding route. `claims` is the
 * request's token verification the rate limiter already did (see auth/request-claims.ts).
 */
export function portalRoutes(
  app: FastifyInstance,
  {
    portal,
    claims,
    loginRateLimitPerMinute = 20,
  }: { portal: PortalModule; claims: RequestClaims; loginRateLimitPerMinute?: number },
) {
  installPortalAuth(app, portal.auth, claims);
  brandingRoutes(app, { branding: portal.branding, portalUsers: portal.users });
  portalApiRoutes(app, {
    branding: portal.branding,
    portalAuth: portal.auth,
    portalData: portal.data,
    loginRateLimitPerMinute,
  });
}
