/** Builds a full API over a fresh test database (SQLite or PostgreSQL per OMNIFY_TEST_DB). */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { type Config, loadConfig } from '../../src/config.ts';
import { type ApiOptions, buildApi } from '../../src/main/api.ts';
import { createServices, type ServiceOverrides, type Services } from '../../src/main/services.ts';
import { manualClock } from '../../src/platform/clock.ts';
import { createMemoryMailer } from '../../src/platform/mailer.ts';
import { createTestStorage, type TestStorage } from '../../src/storage/testing.ts';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  storage: TestStorage;
  mailer: ReturnType<typeof createMemoryMailer>;
  clock: ReturnType<typeof manualClock>;
  config: Config;
  close(): Promise<void>;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnify-test-'));
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    OMNIFY_DATA_DIR: dir,
    OMNIFY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    OMNIFY_JWT_SECRET: randomBytes(32).toString('hex'),
    OMNIFY_RATE_LIMIT_PER_MINUTE: '100000',
    ...overrides,
  });
}

export async function createTestApp(
  opts: {
    env?: Record<string, string>;
    api?: ApiOptions;
    clockStart?: Date;
    /** More service overrides (agent definitions, a language model, …). */
    services?: Omit<ServiceOverrides, 'storage' | 'mailer' | 'clock'>;
  } = {},
): Promise<TestApp> {
  const storage = await createTestStorage();
  const config = testConfig(opts.env);
  const mailer = createMemoryMailer();
  const clock = manualClock(opts.clockStart ?? new Date());
  const services = createServices(config, { ...opts.services, storage, mailer, clock });
  const app = await buildApi(services, opts.api);
  return {
    app,
    services,
    storage,
    mailer,
    clock,
    config,
    close: async () => {
      await app.close();
      // Closes the queue, then the storage (which drops a PostgreSQL test schema).
      await services.close();
    },
  };
}

let counter = 0;
export const uniqueEmail = (label = 'user') =>
  `${label}-${Date.now().toString(36)}-${counter++}@example.test`;

export interface Signed {
  token: string;
  refreshToken: string;
  userId: string;
  organizationId: string;
  email: string;
  password: string;
  headers: Record<string, string>;
}

/** Registers a user with a new organization and returns its credentials. */
export async function signUp(
  app: FastifyInstance,
  label = 'owner',
  organizationName = `${label} agency`,
): Promise<Signed> {
  const email = uniqueEmail(label);
  const password = 'correct horse battery';
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password, name: label, organizationName },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return signed(res.json(), email, password);
}

function signed(
  body: {
    tokens: { accessToken: string; refreshToken: string; organizationId: string };
    user: { id: string };
  },
  email: string,
  password: string,
): Signed {
  return {
    token: body.tokens.accessToken,
    refreshToken: body.tokens.refreshToken,
    userId: body.user.id,
    organizationId: body.tokens.organizationId,
    email,
    password,
    headers: { authorization: `Bearer ${body.tokens.accessToken}` },
  };
}

/** Invites a new person with `role` into `owner`'s organization and registers them through the invitation. */
export async function joinOrganization(app: FastifyInstance, owner: Signed, role: string): Promise<Signed> {
  const invite = await app.inject(
    as(owner, { method: 'POST', url: '/api/v1/invitations', payload: { email: uniqueEmail(role), role } }),
  );
  if (invite.statusCode !== 201) throw new Error(`invitation failed: ${invite.statusCode} ${invite.body}`);
  const { email, token } = invite.json();
  const password = 'a long password';
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password, name: role, invitationToken: token },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return signed(res.json(), email, password);
}

export const as = (who: Signed, opts: InjectOptions): InjectOptions => ({
  ...opts,
  headers: { ...who.headers, ...(opts.headers as Record<string, string>) },
});
