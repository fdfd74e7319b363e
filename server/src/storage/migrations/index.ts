/** Every migration, in order. Add new ones at the end; never edit one that has shipped. */
import type { OmnifyMigration } from '../migrate.ts';
import { foundation } from './001_foundation.ts';

export const migrations: Record<string, OmnifyMigration> = {
  '001_foundation': foundation,
};
