/**
 * Portal slugs: the public, globally unique name of a client's portal (`/portal/<slug>/login`).
 * Unique across organizations because the login page and the public branding lookup know nothing
 * else; the database's unique index is the final word, this only picks a free name first.
 */
import { conflict } from '../../platform/errors.ts';
import type { Storage } from '../../storage/db.ts';

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,46}[a-z0-9])$/;

export function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/g, '') || 'client'
  );
}

/**
 * Whether a slug is held by any client. Reads outside the tenant transaction on purpose: the slug
 * space is shared by every organization (on PostgreSQL, RLS would hide the other holders), and a
 * slug is public anyway. Call it before opening a transaction (SQLite has one connection).
 */
async function holderOf(storage: Storage, slug: string): Promise<string | undefined> {
  const row = await storage.db
    .selectFrom('clients')
    .select('id')
    .where('portal_slug', '=', slug)
    .executeTakeFirst();
  return row?.id;
}

/** A free slug from a client's name: `peak-fitness`, else `peak-fitness-2`, `-3`, … */
export async function freeSlugFor(storage: Storage, name: string): Promise<string> {
  const base = slugify(name);
  if (!(await holderOf(storage, base))) return base;
  for (let n = 2; n < 1000; n++) {
    const candidate = `${base}-${n}`;
    if (!(await holderOf(storage, candidate))) return candidate;
  }
  return `${base}-${Date.now().toString(36)}`;
}

/** Refuses a slug another client holds (409, field portalSlug). */
export async function assertSlugFree(storage: Storage, slug: string, clientId?: string): Promise<void> {
  const holder = await holderOf(storage, slug);
  if (holder && holder !== clientId)
    throw conflict(`The portal address ${slug} is taken; choose another`, { field: 'portalSlug' });
}
