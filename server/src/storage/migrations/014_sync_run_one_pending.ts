import { sql } from 'kysely';
import type { OmnifyMigration } from '../migrate.ts';

/**
 * At most one sync run queued or running per connection: a second request while one is pending is
 * refused (409) or coalesced by the sync engine, and two requests at the same instant cannot both
 * insert, whichever dialect. A partial unique index (both SQLite and PostgreSQL have them) holds the
 * rule in the database; the engine inserts with ON CONFLICT DO NOTHING against it.
 *
 * Databases from before it may hold several pending runs of one connection (repeated sync
 * requests): the oldest is kept and the later ones are marked failed, with the reason in their
 * errors, before the index is built. Their jobs then find the run finished and do nothing.
 */
export const syncRunOnePending: OmnifyMigration = {
  async up({ db }) {
    const pending = await db
      .selectFrom('sync_runs')
      .select(['id', 'connection_id', 'errors'])
      .where('status', 'in', ['queued', 'running'])
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    const kept = new Set<string>();
    const now = new Date().toISOString();
    for (const run of pending) {
      if (!kept.has(run.connection_id)) {
        kept.add(run.connection_id);
        continue;
      }
      const errors = [
        ...(JSON.parse(run.errors) as unknown[]),
        {
          at: now,
          kind: 'conflict',
          message: 'Another sync of this connection was already queued or running; this one was not run',
        },
      ];
      await db
        .updateTable('sync_runs')
        .set({ status: 'failed', finished_at: now, updated_at: now, errors: JSON.stringify(errors) })
        .where('id', '=', run.id)
        .execute();
    }
    await sql`create unique index sync_runs_one_pending on sync_runs (connection_id) where status in ('queued', 'running')`.execute(
      db,
    );
  },
};
