/**
 * Cursor pagination on time-sortable ids: the cursor is an opaque base64url of the last id seen, and
 * a page is `id < cursor ORDER BY id DESC` (newest first). Stable under inserts, cheap on both dialects.
 */
import { z } from 'zod';
import { invalidInput } from './errors.ts';

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size (1-200, default 50)'),
  cursor: z.string().max(200).optional().describe('Opaque cursor from the previous page’s nextCursor'),
};

export const encodeCursor = (value: string): string => Buffer.from(value, 'utf8').toString('base64url');

const cursorShapes = {
  /** A prefixed id (`cli_…`). */
  id: /^[a-z]{2,5}_[0-9a-z]{26}$/,
  /** A sequence number; at most 15 digits so that it stays an exact number and a valid bigint. */
  seq: /^\d{1,15}$/,
};

/**
 * Decodes a cursor and checks it has the shape the list pages by: a cursor of another list (an id
 * where a seq is expected) is invalid input, not a query the database cannot compare.
 */
export function decodeCursor(
  cursor: string | undefined,
  kind: keyof typeof cursorShapes,
): string | undefined {
  if (cursor === undefined) return undefined;
  const v = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!cursorShapes[kind].test(v)) throw invalidInput('Invalid cursor', { cursor });
  return v;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Given `limit + 1` rows, returns the page and the cursor to the next one. */
export function toPage<T>(rows: T[], limit: number, key: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
