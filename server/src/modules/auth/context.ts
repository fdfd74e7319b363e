/** Who is acting, for which organization, from where: built once per request and passed to services. */
import { type Permission, type Role, roleCan } from './permissions.ts';

/** `portal_user`: a client's own person signed in to the client portal (modules/portal). */
export type ActorType = 'user' | 'api_key' | 'agent' | 'system' | 'portal_user';

export interface Actor {
  type: ActorType;
  id: string | null;
}

/** Request metadata that the audit trail records with every change. */
export interface Origin {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

/** An authenticated caller inside one organization. */
export interface Ctx extends Origin {
  organizationId: string;
  actor: Actor;
  /** The signed-in user (for API keys: the key's creator, whose role bounds the key). */
  userId: string | null;
  role: Role;
  /** For API keys: the granted scopes; for users: undefined (the role decides). */
  scopes?: Permission[];
  sessionId?: string;
}

export const systemCtx = (organizationId: string, origin: Origin = {}): Ctx => ({
  organizationId,
  actor: { type: 'system', id: null },
  userId: null,
  role: 'owner',
  ...origin,
});

/** Whether this caller may do `permission`: its role allows it and, for an API key, its scopes too. */
export const ctxCan = (ctx: Pick<Ctx, 'role' | 'scopes'>, permission: Permission): boolean =>
  roleCan(ctx.role, permission) && (ctx.scopes === undefined || ctx.scopes.includes(permission));
