/** Short-lived access tokens (JWT, HS256) and opaque refresh tokens (random, stored hashed). */
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { randomToken, sha256Hex } from '../../platform/crypto.ts';
import { unauthenticated } from '../../platform/errors.ts';

export interface AccessClaims {
  userId: string;
  sessionId: string;
  organizationId: string;
}

/** Claims of a client-portal access token (audience `portal`): one client of one organization. */
export interface PortalClaims {
  portalUserId: string;
  sessionId: string;
  organizationId: string;
  clientId: string;
}

const PORTAL_AUDIENCE = 'portal';

export function createTokenService(secret: Uint8Array, accessTtlSeconds: number) {
  return {
    accessTtlSeconds,
    async signAccess(c: AccessClaims, now: Date): Promise<string> {
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({ sid: c.sessionId, org: c.organizationId, typ: 'access' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(c.userId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + accessTtlSeconds)
        .setIssuer('omnify')
        .sign(secret);
    },
    async verifyAccess(token: string, now: Date): Promise<AccessClaims> {
      try {
        const { payload } = await jwtVerify(token, secret, {
          issuer: 'omnify',
          algorithms: ['HS256'],
          currentDate: now,
        });
        // A portal token (audience `portal`) never opens the agency API.
        if (
          payload.aud !== undefined ||
          payload.typ !== 'access' ||
          typeof payload.sid !== 'string' ||
          typeof payload.org !== 'string' ||
          !payload.sub
        ) {
          throw unauthenticated('Invalid access token');
        }
        return { userId: payload.sub, sessionId: payload.sid, organizationId: payload.org };
      } catch (e) {
        if (e instanceof joseErrors.JWTExpired) throw unauthenticated('Access token expired; refresh it');
        if (e instanceof joseErrors.JOSEError) throw unauthenticated('Invalid access token');
        throw e;
      }
    },
    /** A client-portal access token: audience `portal`, carrying the organization and the client. */
    async signPortalAccess(c: PortalClaims, now: Date): Promise<string> {
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({ sid: c.sessionId, org: c.organizationId, cli: c.clientId, typ: 'portal' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(c.portalUserId)
        .setAudience(PORTAL_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + accessTtlSeconds)
        .setIssuer('omnify')
        .sign(secret);
    },
    /** Verifies a portal token; an agency access token (no audience) is refused. */
    async verifyPortalAccess(token: string, now: Date): Promise<PortalClaims> {
      try {
        const { payload } = await jwtVerify(token, secret, {
          issuer: 'omnify',
          audience: PORTAL_AUDIENCE,
          algorithms: ['HS256'],
          currentDate: now,
        });
        if (
          payload.typ !== 'portal' ||
          typeof payload.sid !== 'string' ||
          typeof payload.org !== 'string' ||
          typeof payload.cli !== 'string' ||
          !payload.sub
        )
          throw unauthenticated('Invalid portal access token');
        return {
          portalUserId: payload.sub,
          sessionId: payload.sid,
          organizationId: payload.org,
          clientId: payload.cli,
        };
      } catch (e) {
        if (e instanceof joseErrors.JWTExpired) throw unauthenticated('Access token expired; refresh it');
        if (e instanceof joseErrors.JOSEError)
          throw unauthenticated('This is not a client-portal access token; sign in to the portal');
        throw e;
      }
    },
    /** A refresh token: `<sessionId>.<random>`; only its SHA-256 is stored. */
    newRefreshToken(sessionId: string): { token: string; hash: string } {
      const token = `${sessionId}.${randomToken(32)}`;
      return { token, hash: sha256Hex(token) };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
