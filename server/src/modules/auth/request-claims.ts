/**
 * A request's bearer token, verified once however many hooks ask. The rate limiter verifies it first
 * (to count a signed-in person's requests against their own allowance), then the agency or portal
 * auth hook reads the same verification: one signature check per request and kind of token.
 *
 * The promise is kept as it settled, so a token that failed (expired, made up, the other kind)
 * fails the auth hook with the same error it would have raised checking the token itself.
 */
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { AccessClaims, PortalClaims, TokenService } from './tokens.ts';

/**
 * The token of an `Authorization: Bearer …` header (scheme case-insensitive, surrounding spaces
 * dropped), or undefined when there is none. It may be an agency access token, a client-portal one,
 * or an API key sent as a bearer (`omk_…`, see `isApiKeyBearer`).
 */
export function bearerOf(req: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !/^bearer /i.test(header)) return undefined;
  return header.slice(7).trim() || undefined;
}

/** An API key sent as a bearer token: API keys start `omk_`, access tokens (JWTs) never do. */
export const isApiKeyBearer = (token: string) => token.startsWith('omk_');

export interface RequestClaims {
  /** The claims of an agency access token (refused if it is a portal token). */
  access(req: FastifyRequest, token: string): Promise<AccessClaims>;
  /** The claims of a client-portal access token (refused if it is an agency token). */
  portal(req: FastifyRequest, token: string): Promise<PortalClaims>;
}

export function createRequestClaims(tokens: TokenService, clock: Clock): RequestClaims {
  const verified = new WeakMap<FastifyRequest, Map<string, Promise<unknown>>>();
  function once<T>(req: FastifyRequest, key: string, verify: () => Promise<T>): Promise<T> {
    let byToken = verified.get(req);
    if (!byToken) {
      byToken = new Map();
      verified.set(req, byToken);
    }
    let p = byToken.get(key) as Promise<T> | undefined;
    if (!p) {
      p = verify();
      byToken.set(key, p);
    }
    return p;
  }
  return {
    access: (req, token) => once(req, `access ${token}`, () => tokens.verifyAccess(token, clock.now())),
    portal: (req, token) => once(req, `portal ${token}`, () => tokens.verifyPortalAccess(token, clock.now())),
  };
}
