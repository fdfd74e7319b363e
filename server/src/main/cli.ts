/**
 * The `omnify` command: serve, worker, migrate, demo and admin tasks. Every subcommand has --help;
 * configuration comes from the environment and an optional .env (see README).
 */
import { existsSync, readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../config.ts';
import { registerAgentsCommand } from '../modules/agents/agents.cli.ts';
import { hashPassword } from '../modules/auth/passwords.ts';
import { isRole, type Role } from '../modules/auth/permissions.ts';
import { registerAnomaliesCommand } from '../modules/oracle/anomaly/cli.ts';
import { registerClvCommand } from '../modules/oracle/clv/cli.ts';
import { registerForecastCommand } from '../modules/oracle/forecast/cli.ts';
import { currencySchema } from '../modules/tenancy/organizations.service.ts';
import { AppError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { createProgressBar } from './progress.ts';

// The server, the storage and the services are loaded by the commands that use them, not at start:
// `omnify --help` and the analysts' file commands (forecast, clv, anomalies) start in about a second
// instead of loading the HTTP server, the queue and every vendor SDK first.
const loadRuntime = () => import('./runtime.ts');
const loadServices = () => import('./services.ts');
const loadStorage = () => import('../storage/db.ts');

const program = new Command();
program
  .name('omnify')
  .description(
    'Omnify: campaign intelligence for agencies. Configuration is read from the environment and ./.env.',
  )
  .version(
    (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version,
    '-v, --version',
    'print the version of Omnify',
  )
  .showHelpAfterError();

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
};

/**
 * The configuration from the environment; `--port` counts as PORT, so that the default PUBLIC_URL
 * (links in invitation and portal mails) names the port actually served.
 */
function config(port?: number) {
  if (port !== undefined) process.env.PORT = String(port);
  return loadConfig();
}

function onShutdownSignals(stop: () => Promise<void>) {
  let stopping = false;
  const handler = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: shutting down gracefully…\n`);
    try {
      await stop();
      process.exit(0);
    } catch (e) {
      process.stderr.write(`shutdown failed: ${(e as Error).message}\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

program
  .command('serve')
  .description(
    'Run the HTTP API. Without REDIS_URL it also runs the jobs (one box); with it, run `omnify worker` too.',
  )
  .option('-p, --port <port>', 'port to listen on (default $PORT or 3000)', port)
  .option('--host <host>', 'interface to bind (default $HOST or 0.0.0.0)')
  .option('--no-worker', 'do not process jobs in this process')
  .action(async (opts: { port?: number; host?: string; worker: boolean }) => {
    const rt = await (await loadRuntime()).createRuntime(config(opts.port));
    const s = await (await loadRuntime()).serve(rt, { ...opts, worker: opts.worker ? undefined : false });
    rt.services.logger.info(
      { port: s.port, queue: rt.queue.kind, database: rt.services.storage.dialect },
      `Omnify listening on http://localhost:${s.port} (docs at /docs)`,
    );
    onShutdownSignals(s.stop);
  });

program
  .command('worker')
  .description(
    'Process background jobs (syncs, agents, purges) until SIGTERM; run several for more throughput.',
  )
  .option(
    '-c, --concurrency <n>',
    'jobs at once in this process (default $OMNIFY_WORKER_CONCURRENCY or 4)',
    (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be 1-64');
      return n;
    },
  )
  .action(async (opts: { concurrency?: number }) => {
    const rt = await (await loadRuntime()).createRuntime(config());
    const { runWorker } = await import('../queue/index.ts');
    const w = await runWorker({
      queue: rt.queue,
      handlers: rt.handlers,
      concurrency: opts.concurrency ?? rt.config.worker.concurrency,
      logger: rt.services.logger,
    });
    rt.services.logger.info(
      { queue: rt.queue.kind, jobs: rt.handlers.map((h) => h.def.name) },
      'worker running; SIGTERM finishes running jobs and stops',
    );
    await w.stopped;
    await rt.services.storage.close();
    process.exit(0);
  });

program
  .command('migrate')
  .description('Apply pending database migrations (also done at start), then exit.')
  .action(async () => {
    const cfg = config();
    const storage = (await loadStorage()).createStorage(cfg.database);
    try {
      const applied = await storage.migrate();
      console.log(
        applied.length
          ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
          : 'Database is up to date.',
      );
    } finally {
      await storage.close();
    }
  });

program
  .command('demo')
  .description('Start Omnify with a demo agency (created on first run) and print the URL and login.')
  .option('-p, --port <port>', 'port to listen on', port)
  .option('--seed-only', 'create the demo data and exit without serving')
  .action(async (opts: { port?: number; seedOnly?: boolean }) => {
    if (!opts.seedOnly) (await import('./web-build.ts')).ensureWebBuild();
    const { loadDemoRates, seedDemo } = await import('./demo.ts');
    const cfg = config(opts.port);
    const rt = await (await loadRuntime()).createRuntime(cfg);
    const demo = await seedDemo(rt.services);
    if (opts.seedOnly) {
      console.log(
        `Demo data ready (organization ${demo.organizationId}). Login: ${demo.email} / ${demo.password}`,
      );
      await rt.close();
      return;
    }
    const s = await (await loadRuntime()).serve(rt, { port: opts.port });
    const url = `http://localhost:${s.port}`;
    console.log(
      [
        '',
        '  Omnify is running with a demo agency.',
        `  URL:       ${url}`,
        `  API docs:  ${url}/docs`,
        `  Login:     ${demo.email}`,
        `  Password:  ${demo.password}`,
        `  Try:       curl -s -X POST ${url}/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"${demo.email}","password":"${demo.password}"}'`,
        '',
        '  Client portals (white-label, read-only, one client each):',
        ...demo.portal.map((p) => `  ${p.client.padEnd(20)} ${url}${p.path}  ${p.email} / ${p.password}`),
        '',
      ].join('\n'),
    );
    // The demo's FX rates are loaded through today: keep loading each day it runs, so days the hourly
    // sync brings in convert without a stale-rate warning.
    const rates = setInterval(() => {
      loadDemoRates(rt.services).catch((e) => rt.services.logger.warn({ err: e }, 'demo: FX rates'));
    }, 6 * 3_600_000);
    rates.unref();
    onShutdownSignals(async () => {
      clearInterval(rates);
      await s.stop();
    });
  });

program
  .command('sync')
  .description(
    'Sync one connection now, in this process, with a progress bar (the same work as the background job).',
  )
  .argument('<connectionId>', 'connection to sync (con_…)')
  .requiredOption('--org <organizationId>', 'organization that owns the connection')
  .option('--backfill <days>', 're-read this many days instead of an incremental sync', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 1095) throw new InvalidArgumentError('must be 1-1095');
    return n;
  })
  .action(async (connectionId: string, opts: { org: string; backfill?: number }) => {
    const rt = await (await loadRuntime()).createRuntime(config());
    try {
      const ctx = {
        organizationId: opts.org,
        actor: { type: 'system' as const, id: 'cli' },
        userId: null,
        role: 'owner' as const,
      };
      const run = await rt.services.sync.start(
        ctx,
        connectionId,
        opts.backfill ? { kind: 'backfill', days: opts.backfill } : { kind: 'incremental' },
      );
      const bar = createProgressBar(`sync ${connectionId}`);
      const done = await rt.services.sync.execute(opts.org, run.id, {
        progress: async (p) => {
          const { unitsDone, unitsTotal } = p as { unitsDone: number; unitsTotal: number };
          bar.update(unitsDone, unitsTotal);
        },
      });
      bar.done(
        `${done.status}: ${done.rowsUpserted} rows, ${done.callsMade} calls, ${done.errors.length} errors`,
      );
      for (const e of done.errors) console.log(`  ${e.at} ${e.kind}: ${e.message}`);
    } finally {
      await rt.close();
    }
  });

// Analysts' commands of ORACLE: plain files in, plain files out, no server needed.
registerForecastCommand(program);
registerClvCommand(program);
registerAnomaliesCommand(program);
registerAgentsCommand(program, async (organizationId, fn) => {
  const rt = await (await loadRuntime()).createRuntime(config());
  try {
    // An unknown organization would otherwise read as "Agent … was not found".
    const org = await rt.services.storage.db
      .selectFrom('organizations')
      .select('id')
      .where('id', '=', organizationId)
      .executeTakeFirst();
    if (!org)
      throw new AppError(
        'not_found',
        `No organization ${organizationId}; \`omnify admin list-orgs\` lists them`,
      );
    await fn(rt.services.agentRuntime);
  } finally {
    await rt.close();
  }
});

const admin = program
  .command('admin')
  .description('Administrative tasks run against the configured database.');

const emailArg = z.email();

admin
  .command('create-user')
  .description('Create a user; with --org, add them to that organization with --role.')
  .requiredOption('--email <email>', 'sign-in email')
  .requiredOption('--name <name>', 'display name')
  .option(
    '--password <password>',
    'password (at least 8 characters; default: read from $OMNIFY_NEW_PASSWORD)',
  )
  .option('--org <organizationId>', 'organization to join')
  .option('--role <role>', 'owner, admin, manager, member or viewer', 'member')
  .action(async (opts: { email: string; name: string; password?: string; org?: string; role: string }) => {
    const password = opts.password ?? process.env.OMNIFY_NEW_PASSWORD;
    if (!emailArg.safeParse(opts.email).success)
      throw new InvalidArgumentError(`not an email: ${opts.email}`);
    if (!password || password.length < 8)
      throw new InvalidArgumentError(
        'a password of at least 8 characters is required (--password or $OMNIFY_NEW_PASSWORD)',
      );
    if (!isRole(opts.role)) throw new InvalidArgumentError(`unknown role ${opts.role}`);
    const s = (await loadServices()).createServices(config());
    try {
      await s.storage.migrate();
      const now = s.clock.now().toISOString();
      const userId = newId('user');
      const hash = await hashPassword(password);
      await s.storage.transaction(async (trx) => {
        const exists = await trx
          .selectFrom('users')
          .select('id')
          .where('email', '=', opts.email.toLowerCase())
          .executeTakeFirst();
        if (exists)
          throw new AppError('conflict', `A user with email ${opts.email} already exists (${exists.id})`);
        await trx
          .insertInto('users')
          .values({
            id: userId,
            email: opts.email.toLowerCase(),
            name: opts.name,
            password_hash: hash,
            mfa_secret_sealed: null,
            mfa_enabled_at: null,
            mfa_pending_secret_sealed: null,
            mfa_last_step: null,
            failed_login_count: 0,
            locked_until: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        if (opts.org) {
          const org = await trx
            .selectFrom('organizations')
            .select('id')
            .where('id', '=', opts.org)
            .executeTakeFirst();
          if (!org) throw new AppError('not_found', `Organization ${opts.org} was not found`);
          const membershipId = newId('membership');
          await trx
            .insertInto('memberships')
            .values({
              id: membershipId,
              organization_id: opts.org,
              user_id: userId,
              role: opts.role as Role,
              created_at: now,
              updated_at: now,
            })
            .execute();
          await s.audit.record(trx, {
            organizationId: opts.org,
            actor: { type: 'system', id: 'cli' },
            action: 'members.added',
            target: { type: 'membership', id: membershipId },
            metadata: { userId, role: opts.role },
          });
        }
      });
      console.log(
        `Created user ${userId} <${opts.email.toLowerCase()}>${opts.org ? ` in ${opts.org} as ${opts.role}` : ''}`,
      );
    } finally {
      await s.close();
    }
  });

admin
  .command('create-org')
  .description('Create an organization owned by an existing user (with its seven default agents).')
  .requiredOption('--name <name>', 'organization name')
  .requiredOption('--owner-email <email>', 'email of the user who will own it')
  .option('--currency <code>', 'reporting currency (ISO 4217, e.g. USD, EUR, GBP)', (v) => {
    const c = currencySchema.safeParse(v.toUpperCase());
    if (!c.success) throw new InvalidArgumentError(`${c.error.issues[0]?.message}`);
    return c.data;
  })
  .action(async (opts: { name: string; ownerEmail: string; currency?: string }) => {
    const s = (await loadServices()).createServices(config());
    try {
      await s.storage.migrate();
      const user = await s.storage.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', opts.ownerEmail.toLowerCase())
        .executeTakeFirst();
      if (!user)
        throw new AppError(
          'not_found',
          `No user with email ${opts.ownerEmail}; create one with \`omnify admin create-user\``,
        );
      const org = await s.storage.transaction((trx) =>
        s.organizations.create(trx, {
          name: opts.name,
          ownerUserId: user.id,
          reportingCurrency: opts.currency ?? 'USD',
          actor: { type: 'system', id: 'cli' },
        }),
      );
      console.log(`Created organization ${org.id} (${org.name}) owned by ${opts.ownerEmail}`);
    } finally {
      await s.close();
    }
  });

admin
  .command('list-orgs')
  .description('List the organizations: id, name, reporting currency, members, created (oldest first).')
  .option('--json', 'print them as JSON')
  .action(async (opts: { json?: boolean }) => {
    const db = config().database;
    // Which database was read: run from another folder, the default ./data is a new, empty one.
    const where = db.dialect === 'sqlite' ? db.file : db.url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
    console.error(`Database: ${where}`);
    if (db.dialect === 'sqlite' && !existsSync(db.file))
      throw new AppError(
        'not_found',
        `No database at ${db.file}: run this where Omnify keeps its data, or set OMNIFY_DATA_DIR or DATABASE_URL`,
      );
    const storage = (await loadStorage()).createStorage(db);
    try {
      await storage.migrate();
      const rows = await storage.db
        .selectFrom('organizations as o')
        .leftJoin('memberships as m', 'm.organization_id', 'o.id')
        .select(['o.id', 'o.name', 'o.reporting_currency', 'o.created_at'])
        .select((eb) => eb.fn.count<number | string>('m.id').as('members'))
        .groupBy(['o.id', 'o.name', 'o.reporting_currency', 'o.created_at'])
        .orderBy('o.created_at')
        .orderBy('o.id')
        .execute();
      const list = rows.map((r) => ({
        id: r.id,
        name: r.name,
        reportingCurrency: r.reporting_currency,
        members: Number(r.members),
        createdAt: r.created_at,
      }));
      if (opts.json) console.log(JSON.stringify(list, null, 2));
      else if (!list.length)
        console.log('No organizations yet: `omnify admin create-org` or `omnify demo` makes one.');
      else
        for (const o of list)
          console.log(
            `${o.id}  ${o.name}  ${o.reportingCurrency}  ${o.members} member${o.members === 1 ? '' : 's'}  created ${o.createdAt.slice(0, 10)}`,
          );
    } finally {
      await storage.close();
    }
  });

admin
  .command('verify-audit')
  .description(
    'Verify the audit hash chain of every organization (or one); exits 1 and names the first bad entry if any, 2 if --org names no organization.',
  )
  .option('--org <organizationId>', 'only this organization')
  .option('--json', 'print the result as JSON')
  .action(async (opts: { org?: string; json?: boolean }) => {
    const s = (await loadServices()).createServices(config());
    try {
      // An unknown organization has no chain at all: say so, not "chain head missing" (a tamper alarm).
      if (opts.org) {
        const org = await s.storage.db
          .selectFrom('organizations')
          .select('id')
          .where('id', '=', opts.org)
          .executeTakeFirst();
        if (!org) {
          process.stderr.write(`error: organization ${opts.org} not found\n`);
          process.exitCode = 2;
          return;
        }
      }
      const results = opts.org ? [await s.audit.verify(opts.org)] : await s.audit.verifyAll();
      if (opts.json) console.log(JSON.stringify(results, null, 2));
      else {
        for (const r of results) {
          if (r.ok) console.log(`ok    ${r.organizationId}  ${r.checked} entries verified`);
          else
            console.log(
              `FAIL  ${r.organizationId}  first bad entry #${r.firstProblem?.seq}${r.firstProblem?.id ? ` (${r.firstProblem.id})` : ''}: ${r.firstProblem?.problem}: ${r.firstProblem?.message}`,
            );
        }
        if (results.length === 0) console.log('No organizations.');
      }
      process.exitCode = results.every((r) => r.ok) ? 0 : 1;
    } finally {
      await s.close();
    }
  });

admin
  .command('load-fx')
  .description(
    'Load install-wide FX rates from a CSV `date,base,quote,rate` (e.g. the ECB reference rates: base EUR); organizations may add their own through the API.',
  )
  .requiredOption('--file <path>', 'CSV with a header line date,base,quote,rate')
  .action(async (opts: { file: string }) => {
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(opts.file, 'utf8').split(/\r?\n/);
    const header = (lines[0] ?? '').trim().toLowerCase();
    if (header !== 'date,base,quote,rate')
      throw new InvalidArgumentError(
        `line 1: expected the header date,base,quote,rate, got "${lines[0] ?? ''}"`,
      );
    const rates = [];
    for (const [i, line] of lines.slice(1).entries()) {
      if (!line.trim()) continue;
      const [date, base, quote, rate] = line.split(',').map((x) => x.trim());
      const r = Number(rate);
      if (
        !/^\d{4}-\d{2}-\d{2}$/.test(date ?? '') ||
        !/^[A-Z]{3}$/.test(base ?? '') ||
        !/^[A-Z]{3}$/.test(quote ?? '') ||
        !(r > 0) ||
        !Number.isFinite(r)
      ) {
        throw new InvalidArgumentError(
          `line ${i + 2}: expected YYYY-MM-DD,ABC,XYZ,positive-rate, got "${line}"`,
        );
      }
      rates.push({ date: date as string, base: base as string, quote: quote as string, rate: r });
    }
    const s = (await loadServices()).createServices(config());
    try {
      await s.storage.migrate();
      await s.analytics.fx.loadInstallRates(rates);
      console.log(`Loaded ${rates.length} FX rate(s).`);
    } finally {
      await s.close();
    }
  });

admin
  .command('rotate-keys')
  .description(
    'Re-seal every stored vendor token with the current OMNIFY_ENCRYPTION_KEY (keep the old key in OMNIFY_ENCRYPTION_KEYS_OLD until this has run).',
  )
  .action(async () => {
    const s = (await loadServices()).createServices(config());
    try {
      await s.storage.migrate();
      const n = await s.connections.resealAll();
      console.log(`Re-sealed ${n} connection token(s) with the current key.`);
    } finally {
      await s.close();
    }
  });

admin
  .command('purge-retention')
  .description("Apply every organization's retention policy now (the same purge the nightly job runs).")
  .action(async () => {
    const s = (await loadServices()).createServices(config());
    try {
      await s.storage.migrate();
      for (const r of await s.retention.purgeAll())
        console.log(`${r.organizationId}: ${JSON.stringify(r.deleted)}`);
    } finally {
      await s.close();
    }
  });

admin
  .command('reconcile-write-backs')
  .description(
    'Settle write-backs left pending by a process that died during the platform call (the same sweep the worker runs every 5 minutes): read the platform, then mark each applied, failed or unknown.',
  )
  .option('--org <organizationId>', 'only this organization')
  .option(
    '--older-than-minutes <minutes>',
    'only write-backs pending at least this long (default OMNIFY_WRITE_BACK_RECONCILE_AFTER_MINUTES, 90; below the longest platform call a live call can be settled under it, which is then audited as actions.reconcile_conflict)',
    (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of minutes');
      return n;
    },
  )
  .option('--json', 'print the result as JSON')
  .action(async (opts: { org?: string; olderThanMinutes?: number; json?: boolean }) => {
    const s = (await loadServices()).createServices(config());
    try {
      await s.storage.migrate();
      const r = await s.writeBacks.reconcile({
        ...(opts.org ? { organizationId: opts.org } : {}),
        ...(opts.olderThanMinutes === undefined ? {} : { olderThanMs: opts.olderThanMinutes * 60_000 }),
      });
      if (opts.json) console.log(JSON.stringify(r, null, 2));
      else
        console.log(
          `${r.checked} pending write-back(s) checked: ${r.applied} applied, ${r.failed} failed, ${r.unknown} unknown (need a look on the platform), ${r.deferred} left pending (platform not readable; tried again next sweep); ${r.proposals} proposal(s) settled from write-backs recorded before a crash`,
        );
    } finally {
      await s.close();
    }
  });

export async function main(argv = process.argv) {
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    if (e instanceof AppError || e instanceof InvalidArgumentError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

await main();
