/**
 * The audit trail's own cost: entries appended per second (each in its own transaction, as every
 * audited change does) and entries verified per second, on one organization's chain.
 *
 *   cd server && node --import tsx bench/audit.bench.ts
 *
 * BENCH_ENTRIES (default 3000), OMNIFY_TEST_DB=postgres for PostgreSQL (default: an on-disk SQLite
 * file). Also prints the hash function alone (unkeyed SHA-256 of version 1 against the HMAC-SHA256
 * of version 2) per entry.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as chain from '../src/modules/audit/audit.chain.ts';
import { createAudit } from '../src/modules/audit/audit.service.ts';
import { manualClock } from '../src/platform/clock.ts';
import { createTestStorage, testDialect } from '../src/storage/testing.ts';

const N = Number(process.env.BENCH_ENTRIES ?? 3000);

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnify-audit-bench-'));
  const storage = await createTestStorage(
    testDialect() === 'sqlite' ? { file: path.join(dir, 'bench.sqlite') } : {},
  );
  const clock = manualClock(new Date('2026-01-01T00:00:00Z'));
  const audit = createAudit({ storage, clock, keys: chain.createAuditKeys(randomBytes(32)) });
  const org = 'org_bench00000000000000000000';
  try {
    const now = clock.now().toISOString();
    await storage.transaction(async (trx) => {
      await trx
        .insertInto('organizations')
        .values({
          id: org,
          name: 'Bench',
          reporting_currency: 'USD',
          mfa_required: 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await audit.initChain(trx, org);
    });
    const entry = (i: number) => ({
      organizationId: org,
      actor: { type: 'user' as const, id: 'usr_bench' },
      action: 'clients.updated',
      target: { type: 'client', id: `cli_${i}` },
      input: { name: `Client ${i}`, status: 'active' },
      metadata: { i },
      origin: { ip: '203.0.113.9', userAgent: 'bench', requestId: `req-${i}` },
    });
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      clock.advance(1000);
      await storage.withTenant(org, (trx) => audit.record(trx, entry(i)));
    }
    const recordS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const result = await audit.verify(org);
    const verifyS = (performance.now() - t1) / 1000;
    if (!result.ok || result.checked !== N) throw new Error(`verification failed: ${JSON.stringify(result)}`);

    const row = await storage.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow();
    const keys = chain.createAuditKeys(randomBytes(32));
    const M = 100_000;
    const t2 = performance.now();
    for (let i = 0; i < M; i++) chain.entryHash(row);
    const v1us = ((performance.now() - t2) / M) * 1000;
    const t3 = performance.now();
    for (let i = 0; i < M; i++) keys.entryMac(row);
    const v2us = ((performance.now() - t3) / M) * 1000;

    console.log(`audit bench (${testDialect()}, ${N} entries)`);
    console.log(`  append:  ${(N / recordS).toFixed(0)} entries/s (one transaction each)`);
    console.log(`  verify:  ${(N / verifyS).toFixed(0)} entries/s`);
    console.log(
      `  hash alone: v1 SHA-256 ${v1us.toFixed(2)} µs, v2 HMAC-SHA256 ${v2us.toFixed(2)} µs per entry`,
    );
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
