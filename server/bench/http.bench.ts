/**
 * Requests per second of an authenticated GET (GET /api/v1/clients, 20 clients, Bearer token:
 * JWT check, session and membership lookup, RLS-armed transaction on PostgreSQL) on SQLite and on
 * PostgreSQL, each next to a bare Fastify GET returning the same JSON measured in the same run.
 *
 *   cd server && node --import tsx bench/http.bench.ts [--seconds 5] [--connections 16]
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { buildApi } from '../src/main/api.ts';
import { createServices } from '../src/main/services.ts';
import { createTestStorage } from '../src/storage/testing.ts';
import { testConfig } from '../test/helpers/app.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const seconds = arg('seconds', 5);
const connections = arg('connections', 16);

async function load(url: string, headers: Record<string, string> = {}) {
  const r = await autocannon({ url, connections, duration: seconds, headers });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

async function baseline(body: unknown) {
  const app = Fastify();
  app.get('/bare', async () => body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const r = await load(`http://127.0.0.1:${port}/bare`);
  await app.close();
  return r;
}

async function omnify(dialect: 'sqlite' | 'postgres') {
  process.env.OMNIFY_TEST_DB = dialect;
  // On-disk SQLite (WAL), as a real one-box install runs.
  const storage = await createTestStorage(
    dialect === 'sqlite' ? { file: `${testConfig().dataDir}/bench.sqlite` } : {},
  );
  const services = createServices(testConfig({ OMNIFY_RATE_LIMIT_PER_MINUTE: '100000000' }), { storage });
  const app = await buildApi(services);
  const reg = await services.auth.register(
    {
      email: `bench-${randomBytes(4).toString('hex')}@example.test`,
      password: 'bench password',
      name: 'Bench',
      organizationName: 'Bench agency',
    },
    {},
  );
  const ctx = {
    organizationId: reg.tokens.organizationId,
    actor: { type: 'user' as const, id: reg.user.id },
    userId: reg.user.id,
    role: 'owner' as const,
  };
  for (let i = 0; i < 20; i++)
    await services.clients.create(ctx, { name: `Client ${i}`, email: `c${i}@example.test` });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}/api/v1/clients?limit=20`;
  const sample = await (
    await fetch(url, { headers: { authorization: `Bearer ${reg.tokens.accessToken}` } })
  ).json();
  const r = await load(url, { authorization: `Bearer ${reg.tokens.accessToken}` });
  await app.close();
  await storage.close();
  return { ...r, sample };
}

const sqlite = await omnify('sqlite');
const base1 = await baseline(sqlite.sample);
const pg = await omnify('postgres');
const base2 = await baseline(pg.sample);

const row = (name: string, r: { rps: number; p50: number; p99: number }, base: { rps: number }) =>
  `${name.padEnd(34)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   ratio to bare ${(r.rps / base.rps).toFixed(3)}`;
console.log(
  `\nAuthenticated GET /api/v1/clients (${connections} connections, ${seconds} s each, ${new Date().toISOString()})`,
);
console.log(row('bare Fastify (before SQLite run)', base1, base1));
console.log(row('Omnify on SQLite', sqlite, base1));
console.log(row('bare Fastify (before PG run)', base2, base2));
console.log(row('Omnify on PostgreSQL', pg, base2));
