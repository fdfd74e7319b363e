/**
 * The white-label client portal: a public portal slug per client, branding per organization and
 * per client, and portal users (a client's own people) with sessions of their own, kept apart from
 * the agency's users, sessions and refresh tokens so that neither kind of credential opens the other.
 */
import type { OmnifyMigration } from '../migrate.ts';
import { idColumn, orgColumn, secureTables } from './helpers.ts';

/** Frozen copy of the slug rule at this migration (the module's may evolve). */
const slugOf = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '') || 'client';

export const portal: OmnifyMigration = {
  async up(ctx) {
    const { db } = ctx;
    // Globally unique (the public branding lookup and the login page are reached by slug alone);
    // several NULLs are allowed on both dialects.
    await db.schema.alterTable('clients').addColumn('portal_slug', 'text').execute();
    await db.schema.createIndex('clients_portal_slug').unique().on('clients').column('portal_slug').execute();
    const existing = await db.selectFrom('clients').select(['id', 'name']).orderBy('id').execute();
    const taken = new Set<string>();
    for (const c of existing as Array<{ id: string; name: string }>) {
      const base = slugOf(c.name);
      let slug = base;
      for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
      taken.add(slug);
      await db.updateTable('clients').set({ portal_slug: slug }).where('id', '=', c.id).execute();
    }

    await db.schema
      .createTable('portal_branding')
      .$call(idColumn)
      .$call(orgColumn)
      // '' for the organization's branding; a client id for that client's overrides.
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('agency_name', 'text')
      .addColumn('logo_url', 'text')
      // An uploaded logo, base64 (portable over both dialects), with its checked content type.
      .addColumn('logo_data', 'text')
      .addColumn('logo_content_type', 'text')
      .addColumn('primary_color', 'text')
      .addColumn('accent_color', 'text')
      .addColumn('support_email', 'text')
      // A custom host name that serves this organization's portal (organization rows only).
      .addColumn('portal_domain', 'text')
      .addColumn('updated_by', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('portal_branding_scope', ['organization_id', 'client_id'])
      .execute();
    await db.schema
      .createIndex('portal_branding_domain')
      .unique()
      .on('portal_branding')
      .column('portal_domain')
      .execute();

    await db.schema
      .createTable('portal_users')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('cascade'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      // Null until the invitation is accepted and a password chosen.
      .addColumn('password_hash', 'text')
      .addColumn('invite_token_hash', 'text', (c) => c.unique())
      .addColumn('invite_expires_at', 'text')
      .addColumn('invited_by', 'text')
      .addColumn('accepted_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('failed_login_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'text')
      .addColumn('last_login_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('portal_users_client_email', ['client_id', 'email'])
      .execute();
    await db.schema
      .createIndex('portal_users_org_client')
      .on('portal_users')
      .columns(['organization_id', 'client_id', 'id'])
      .execute();
    await db.schema.createIndex('portal_users_email').on('portal_users').column('email').execute();

    await db.schema
      .createTable('portal_sessions')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('portal_user_id', 'text', (c) =>
        c.notNull().references('portal_users.id').onDelete('cascade'),
      )
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('revoked_reason', 'text')
      .execute();
    await db.schema
      .createIndex('portal_sessions_user')
      .on('portal_sessions')
      .column('portal_user_id')
      .execute();

    await db.schema
      .createTable('portal_refresh_tokens')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('session_id', 'text', (c) =>
        c.notNull().references('portal_sessions.id').onDelete('cascade'),
      )
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();

    await secureTables(ctx, ['portal_branding', 'portal_users', 'portal_sessions', 'portal_refresh_tokens']);
  },
};
