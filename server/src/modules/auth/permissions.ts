/**
 * The resource:action permission matrix for the five roles, in one place. Routes declare the
 * permission they need (`config.permission`); the auth plugin enforces it; API keys carry a subset
 * as scopes and can never exceed the role of the user who created them.
 */
export const roles = ['owner', 'admin', 'manager', 'member', 'viewer'] as const;
export type Role = (typeof roles)[number];

export const permissions = [
  'organization:read',
  'organization:update',
  'members:read',
  'members:manage',
  'invitations:read',
  'invitations:manage',
  'api_keys:read',
  'api_keys:manage',
  'clients:read',
  'clients:write',
  'clients:delete',
  'audit:read',
  'agents:read',
  'agents:manage',
  'agents:run',
  'retention:read',
  'retention:manage',
  'jobs:read',
  'connections:read',
  'connections:manage',
  'campaigns:read',
  'campaigns:write',
  'analytics:read',
  'billing:read',
  'billing:manage',
  'actions:approve',
  'guardrails:manage',
] as const;
export type Permission = (typeof permissions)[number];

const read = permissions.filter((p) => p.endsWith(':read'));

const matrix: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(permissions),
  admin: new Set(permissions.filter((p) => p !== 'billing:manage')),
  manager: new Set<Permission>([
    ...read.filter((p) => p !== 'api_keys:read' && p !== 'billing:read'),
    'clients:write',
    'clients:delete',
    'agents:manage',
    'agents:run',
    'connections:manage',
    'campaigns:write',
    'actions:approve',
  ]),
  member: new Set<Permission>([
    ...read.filter(
      (p) =>
        !['api_keys:read', 'billing:read', 'audit:read', 'retention:read', 'invitations:read'].includes(p),
    ),
    'clients:write',
    'agents:run',
    'campaigns:write',
  ]),
  viewer: new Set<Permission>(
    read.filter(
      (p) =>
        ![
          'api_keys:read',
          'billing:read',
          'audit:read',
          'retention:read',
          'invitations:read',
          'jobs:read',
        ].includes(p),
    ),
  ),
};

export const isRole = (v: string): v is Role => (roles as readonly string[]).includes(v);
export const isPermission = (v: string): v is Permission => (permissions as readonly string[]).includes(v);

export function roleCan(role: Role, permission: Permission): boolean {
  return matrix[role].has(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return permissions.filter((p) => matrix[role].has(p));
}

/** Rank used for "can this user grant that role": nobody grants above their own role. */
export const roleRank: Record<Role, number> = { owner: 5, admin: 4, manager: 3, member: 2, viewer: 1 };
