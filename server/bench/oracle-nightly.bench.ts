/**
 * The `oracle.nightly` job over the demo agency (150 days, three clients on three platforms): wall
 * time of the first run (forecasts of every client and campaign, four metrics each, and anomaly
 * scans) and of the second (same data: nothing new stored), on SQLite in memory.
 *
 *   cd server && node --import tsx bench/oracle-nightly.bench.ts [--days 150]
 */

import { DEMO_DAYS, seedDemo } from '../src/main/demo.ts';
import { runNightly } from '../src/modules/oracle/index.ts';
import { createTestApp } from '../test/helpers/app.ts';

const i = process.argv.indexOf('--days');
const days = i > 0 ? Number(process.argv[i + 1]) : DEMO_DAYS;
const t = await createTestApp({ clockStart: new Date('2026-11-20T12:00:00Z') });
const demo = await seedDemo(t.services, { days, quiet: true });
const deps = { storage: t.storage, oracle: t.services.oracle };
for (const label of ['first run', 'second run']) {
  const start = performance.now();
  const r = await runNightly(deps, demo.organizationId);
  const ms = performance.now() - start;
  console.log(
    `${label}: ${ms.toFixed(0)} ms; forecasts stored ${r.stored / 4} × 4 metrics, unchanged ${r.unchanged / 4} × 4, anomalous days stored ${r.anomalies}, skipped ${r.skipped.length}${
      r.skipped.length
        ? ` (${r.skipped
            .map((s) => `${s.entityType} ${s.days}d: ${s.reason}`)
            .slice(0, 3)
            .join('; ')})`
        : ''
    }`,
  );
}
const sample = await t.services.oracle.listForecasts(
  { organizationId: demo.organizationId, actor: { type: 'system', id: null }, userId: null, role: 'owner' },
  { metric: 'spend', limit: 1 },
);
const f = sample.items[0];
if (f)
  console.log(
    `sample: ${f.entityType} spend ${f.model}@${f.modelVersion}, confidence ${f.confidence}, warnings ${f.explanation.warnings.join(' | ') || 'none'}`,
  );
await t.close();
