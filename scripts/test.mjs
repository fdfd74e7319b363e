#!/usr/bin/env node
/**
 * `npm test`: the whole suite twice — on SQLite with the in-process queue, then on PostgreSQL with
 * BullMQ on Redis — and a closing line `N passed, N failed[, N skipped]` counted from Vitest's JSON
 * reports. PostgreSQL and Redis must answer: a missing service fails the run, it is never skipped.
 *
 *   npm test                       both runs
 *   npm test -- --only sqlite      one run (sqlite | postgres)
 *   npm test -- src/modules/auth   pass file filters through to Vitest
 *
 * OMNIFY_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and
 * OMNIFY_TEST_REDIS_URL (default redis://127.0.0.1:6379) point at the services.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let only;
const passthrough = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--only') only = args[++i];
  else passthrough.push(args[i]);
}

const pgUrl = process.env.OMNIFY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.OMNIFY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url, defaultPort) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(3000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Test directories whose tests use no storage (see the PostgreSQL run below). */
const storageFreeDirs = [
  'oracle/forecast',
  'oracle/anomaly',
  'oracle/clv',
  'oracle/allocation',
  'oracle/nowcast',
  'oracle/fatigue',
  'connectors/meta',
  'connectors/google_ads',
  'connectors/linkedin',
  'connectors/gohighlevel',
  'connectors/simulator',
].map((d) => `src/modules/${d}`);
for (const dir of storageFreeDirs) {
  for (const f of readdirSync(path.join(root, 'server', dir), { recursive: true })) {
    if (!String(f).endsWith('.test.ts')) continue;
    const src = readFileSync(path.join(root, 'server', dir, String(f)), 'utf8');
    if (/storage\/|testDialect|buildApp|createTestApp/.test(src)) {
      console.error(
        `${dir}/${f} uses storage: move it out of ${dir} or off the storage-free list in scripts/test.mjs`,
      );
      process.exit(1);
    }
  }
}

const runs = [
  {
    name: 'SQLite + in-process queue',
    key: 'sqlite',
    env: { OMNIFY_TEST_DB: 'sqlite', OMNIFY_TEST_QUEUE: 'in-process' },
  },
  {
    name: 'PostgreSQL + BullMQ (Redis)',
    key: 'postgres',
    env: { OMNIFY_TEST_DB: 'postgres', OMNIFY_TEST_QUEUE: 'bullmq' },
    // The browser tests drive a demo server of their own (SQLite); once per `npm test` is enough.
    // Test files in parallel workers each use a schema of their own; introspection and migrations
    // read only their own schema (storage/postgres.ts), so one worker dropping its schema cannot
    // break another's.
    // The models' and the vendor clients' tests never open a database: running them again on
    // PostgreSQL repeats the same computation, so this run leaves them out too (checked below: a
    // test there that starts using storage stops the run).
    extra: ['--exclude', 'test/e2e/**', ...storageFreeDirs.flatMap((dir) => ['--exclude', `${dir}/**`])],
  },
].filter((r) => !only || r.key === only);

const missing = [];
if (!(await reachable(pgUrl, 5432))) missing.push(`PostgreSQL at ${pgUrl}`);
if (!(await reachable(redisUrl, 6379))) missing.push(`Redis at ${redisUrl}`);
if (missing.length) {
  console.error(`Cannot run the tests: ${missing.join(' and ')} not reachable.`);
  console.error(
    'Start them (see README "Running the tests") or point OMNIFY_TEST_DATABASE_URL / OMNIFY_TEST_REDIS_URL elsewhere.',
  );
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const out = mkdtempSync(path.join(tmpdir(), 'omnify-vitest-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
let exitCode = 0;
for (const run of runs) {
  console.log(`\n=== ${run.name} ===`);
  const report = path.join(out, `${run.key}.json`);
  const res = spawnSync(
    'npx',
    [
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...(run.extra ?? []),
      ...passthrough,
    ],
    {
      cwd: path.join(root, 'server'),
      stdio: 'inherit',
      env: { ...process.env, ...run.env, OMNIFY_TEST_DATABASE_URL: pgUrl, OMNIFY_TEST_REDIS_URL: redisUrl },
    },
  );
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    // A file that fails to load fails its suite with no test results: count it as a failure too.
    const brokenFiles = (j.testResults ?? []).filter(
      (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
    ).length;
    counts = {
      passed: j.numPassedTests,
      failed: j.numFailedTests + brokenFiles,
      skipped: j.numPendingTests + j.numTodoTests,
    };
  } catch {
    counts.failed = 1;
  }
  if (res.status !== 0) exitCode = 1;
  if (res.status !== 0 && counts.failed === 0) counts.failed = 1;
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  lines.push(
    `${run.name}: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`,
  );
}
console.log('\n=== Summary ===');
for (const l of lines) console.log(l);
console.log(
  `${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`,
);
process.exit(exitCode || (totals.failed > 0 ? 1 : 0));
