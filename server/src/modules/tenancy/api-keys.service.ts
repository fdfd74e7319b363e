/**
 * Organization API keys for machine access. The secret is shown once and stored as SHA-256; a key
 * carries scopes (a subset of its creator's permissions) and acts with at most its creator's current
 * role, so demoting or removing the creator shrinks or disables the key.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import { sha256Hex } from '../../platform/crypto.ts';
import { forbidden, invalidInput, notFound, unauthenticated } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Storage } from '../../storage/db.ts';
import type { ApiKeysTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx, Origin } from '../auth/context.ts';
import { isRole, type Permission, roleCan } from '../auth/permissions.ts';

export const API_KEY_PATTERN = /^omk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/;

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Permission[];
  createdBy: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

const toApiKey = (r: ApiKeysTable): ApiKey => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scopes: JSON.parse(r.scopes) as Permission[],
  createdBy: r.created_by,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  createdAt: r.created_at,
});

/** last_used_at is written at most once a minute per key, so authenticated reads stay reads. */
const LAST_USED_GRANULARITY_MS = 60_000;

export function createApiKeys({ storage, audit, clock }: { storage: Storage; audit: Audit; clock: Clock }) {
  async function create(ctx: Ctx, input: { name: string; scopes: Permission[]; expiresAt?: string | null }) {
    if (!ctx.userId || ctx.actor.type !== 'user') throw forbidden('API keys are created by signed-in users');
    if (input.expiresAt && new Date(input.expiresAt).getTime() <= clock.now().getTime()) {
      throw invalidInput('expiresAt must be in the future', { field: 'expiresAt' });
    }
    const notAllowed = input.scopes.filter((s) => !roleCan(ctx.role, s));
    if (notAllowed.length) throw forbidden(`Your role (${ctx.role}) cannot grant: ${notAllowed.join(', ')}`);
    const prefix = randomBytes(6).toString('hex').slice(0, 8);
    const secret = `omk_${prefix}_${randomBytes(32).toString('base64url')}`;
    const now = clock.now().toISOString();
    const row: ApiKeysTable = {
      id: newId('apiKey'),
      organization_id: ctx.organizationId,
      name: input.name,
      prefix: `omk_${prefix}`,
      key_hash: sha256Hex(secret),
      scopes: JSON.stringify([...new Set(input.scopes)]),
      created_by: ctx.userId,
      last_used_at: null,
      expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
      revoked_at: null,
      created_at: now,
    };
    await storage.withTenant(ctx.organizationId, async (trx) => {
      await trx.insertInto('api_keys').values(row).execute();
      await audit.recordFor(trx, ctx, {
        action: 'api_keys.created',
        target: { type: 'api_key', id: row.id },
        input: { name: input.name, scopes: input.scopes, expiresAt: input.expiresAt ?? null },
      });
    });
    return { ...toApiKey(row), secret };
  }

  const list = (ctx: Ctx) =>
    storage.withTenant(ctx.organizationId, async (trx) =>
      (
        await trx
          .selectFrom('api_keys')
          .selectAll()
          .where('organization_id', '=', ctx.organizationId)
          .orderBy('id', 'desc')
          .execute()
      ).map(toApiKey),
    );

  async function revoke(ctx: Ctx, id: string) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await trx
        .selectFrom('api_keys')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('API key', id);
      if (row.revoked_at) return toApiKey(row);
      const now = clock.now().toISOString();
      await trx
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'api_keys.revoked',
        target: { type: 'api_key', id },
      });
      return { ...toApiKey(row), revokedAt: now };
    });
  }

  /** Resolves a presented key to a context, or fails with 401. */
  async function authenticate(secret: string, origin: Origin): Promise<Ctx> {
    if (!API_KEY_PATTERN.test(secret)) throw unauthenticated('Invalid API key');
    const row = await storage.db
      .selectFrom('api_keys')
      .leftJoin('memberships', (j) =>
        j
          .onRef('memberships.user_id', '=', 'api_keys.created_by')
          .onRef('memberships.organization_id', '=', 'api_keys.organization_id'),
      )
      .selectAll('api_keys')
      .select('memberships.role')
      .where('api_keys.key_hash', '=', sha256Hex(secret))
      .executeTakeFirst();
    const now = clock.now();
    if (!row || row.revoked_at) throw unauthenticated('Invalid or revoked API key');
    if (row.expires_at && row.expires_at <= now.toISOString())
      throw unauthenticated('This API key has expired');
    if (!row.role || !isRole(row.role))
      throw unauthenticated('The user who created this API key is no longer a member');
    if (
      !row.last_used_at ||
      now.getTime() - new Date(row.last_used_at).getTime() > LAST_USED_GRANULARITY_MS
    ) {
      await storage.db
        .updateTable('api_keys')
        .set({ last_used_at: now.toISOString() })
        .where('id', '=', row.id)
        .execute();
    }
    const role = row.role;
    return {
      organizationId: row.organization_id,
      actor: { type: 'api_key', id: row.id },
      userId: row.created_by,
      role,
      scopes: (JSON.parse(row.scopes) as Permission[]).filter((s) => roleCan(role, s)),
      ...origin,
    };
  }

  return { create, list, revoke, authenticate };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
