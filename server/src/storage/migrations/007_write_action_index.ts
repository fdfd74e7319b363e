import type { OmnifyMigration } from '../migrate.ts';

/** Guardrails and reverts look up the actions applied to an entity, newest first. */
export const writeActionIndex: OmnifyMigration = {
  async up({ db }) {
    await db.schema
      .createIndex('write_actions_entity')
      .on('write_actions')
      .columns(['organization_id', 'entity_id', 'created_at'])
      .execute();
  },
};
