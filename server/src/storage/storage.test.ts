import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../platform/ids.ts';
import { createTestStorage, type TestStorage, testDialect } from './testing.ts';

describe(`storage on ${testDialect()}`, () => {
  let s: TestStorage;
  beforeAll(async () => {
    s = await createTestStorage();
  });
  afterAll(() => s.close());

  it('migrates, writes and reads an organization with micros as numbers', async () => {
    const id = newId('organization');
    const now = new Date().toISOString();
    await s.db
      .insertInto('organizations')
      .values({
        id,
        name: 'Acme',
        reporting_currency: 'EUR',
        mfa_required: 0,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const row = await s.db
      .selectFrom('organizations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.name).toBe('Acme');
    await s.db
      .insertInto('clients')
      .values({
        id: newId('client'),
        organization_id: id,
        name: 'C',
        email: 'c@x.io',
        company: null,
        status: 'active',
        monthly_budget_micros: 5_000_000_000_000,
        currency: 'EUR',
        notes: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const c = await s.db.selectFrom('clients').select('monthly_budget_micros').executeTakeFirstOrThrow();
    expect(c.monthly_budget_micros).toBe(5_000_000_000_000);
  });

  it.runIf(testDialect() === 'postgres')(
    'row-level security hides other organizations inside a tenant transaction',
    async () => {
      const now = new Date().toISOString();
      const a = newId('organization');
      const b = newId('organization');
      for (const id of [a, b]) {
        await s.db
          .insertInto('organizations')
          .values({
            id,
            name: id,
            reporting_currency: 'USD',
            mfa_required: 0,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await s.db
          .insertInto('clients')
          .values({
            id: newId('client'),
            organization_id: id,
            name: 'x',
            email: 'same@x.io',
            company: null,
            status: 'active',
            monthly_budget_micros: null,
            currency: 'USD',
            notes: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
      }
      // No organization filter on purpose: the policy alone must keep b's row out.
      const seen = await s.withTenant(a, (trx) =>
        trx.selectFrom('clients').select('organization_id').execute(),
      );
      expect(seen.map((r) => r.organization_id)).toEqual([a]);
      await expect(
        s.withTenant(a, (trx) =>
          trx
            .insertInto('clients')
            .values({
              id: newId('client'),
              organization_id: b,
              name: 'y',
              email: 'y@x.io',
              company: null,
              status: 'active',
              monthly_budget_micros: null,
              currency: 'USD',
              notes: null,
              created_at: now,
              updated_at: now,
            })
            .execute(),
        ),
      ).rejects.toThrow(/row-level security/);
    },
  );

  it.runIf(testDialect() === 'postgres')(
    'migrates and introspects its own schema only, while another schema of the cluster is being dropped',
    async () => {
      const other = await createTestStorage();
      // A schema with a table that is not Omnify's: it must not show up in our introspection.
      await sql`create table stray_table (id integer)`.execute(other.db);
      const tables = await s.db.introspection.getTables();
      expect(tables.length).toBeGreaterThan(10);
      expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([s.searchPath]));
      expect(tables.map((t) => t.name)).not.toContain('stray_table');
      const orgs = tables.find((t) => t.name === 'organizations');
      expect(orgs?.columns.find((c) => c.name === 'id')).toMatchObject({ isNullable: false });
      // Dropping schemas while migrations and introspection run elsewhere (another install, another
      // test worker) must not fail them: Kysely's own introspector read every schema's catalog.
      const drops = Array.from({ length: 6 }, () => createTestStorage().then((t) => t.close()));
      for (let i = 0; i < 20; i++) {
        await s.migrate();
        await s.db.introspection.getTables();
      }
      await Promise.all(drops);
      await other.close();
    },
  );
});
