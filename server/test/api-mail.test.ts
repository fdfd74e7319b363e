/**
 * Mail through SMTP end to end: the API built from a configuration with SMTP_URL and MAIL_FROM (no
 * mailer override), against a real local SMTP server. An invitation and a password reset arrive with
 * links that work; when the server refuses, the invitation and the reset are still saved and the
 * failure is in the log, and a portal invitation answers 502 with the reason.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/main/api.ts';
import { createServices } from '../src/main/services.ts';
import { createTestStorage, testDialect } from '../src/storage/testing.ts';
import { type FakeSmtp, startFakeSmtp } from './fakes/smtp.ts';
import { type Signed, signUp, testConfig, uniqueEmail } from './helpers/app.ts';

const FROM = 'Omnify <omnify@agency.test>';
let ipCounter = 0;
/** Each request from its own address, so the per-IP limits of the public routes never answer 429. */
const nextIp = () => `10.9.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

async function smtpApp(smtpUrl: string) {
  const logLines: Array<{ level: number; msg: string; mail?: { to: string } }> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, done) {
        logLines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const storage = await createTestStorage();
  const config = testConfig({ SMTP_URL: smtpUrl, MAIL_FROM: FROM, PUBLIC_URL: 'https://omnify.agency.test' });
  const services = createServices(config, { storage, logger });
  const app = await buildApi(services);
  const send = (who: Signed | null, opts: InjectOptions) =>
    app.inject({
      ...opts,
      remoteAddress: nextIp(),
      headers: { ...(who?.headers ?? {}), ...(opts.headers as Record<string, string>) },
    });
  return {
    app: app as FastifyInstance,
    send,
    errors: () => logLines.filter((l) => l.level === 50),
    close: async () => {
      await app.close();
      await services.close();
    },
  };
}

async function eventually<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe(`mail through SMTP on ${testDialect()}`, () => {
  let smtp: FakeSmtp;
  beforeAll(async () => {
    smtp = await startFakeSmtp();
  });
  afterAll(() => smtp.close());

  describe('a server that accepts', () => {
    let t: Awaited<ReturnType<typeof smtpApp>>;
    beforeAll(async () => {
      t = await smtpApp(smtp.url());
    });
    afterAll(() => t.close());

    it('delivers the invitation with a link that lets the invitee join', async () => {
      const owner = await signUp(t.app, 'smtp-owner', 'Bright Agency');
      const email = uniqueEmail('invitee');
      const res = await t.send(owner, {
        method: 'POST',
        url: '/api/v1/invitations',
        payload: { email, role: 'member' },
      });
      expect(res.statusCode, res.body).toBe(201);
      const mail = smtp.received.find((m) => m.envelope.to.includes(email));
      expect(mail?.from).toBe('omnify@agency.test');
      expect(mail?.to).toEqual([email]);
      expect(mail?.subject).toBe('You are invited to Bright Agency on Omnify');
      const link = mail?.text?.match(/https:\/\/omnify\.agency\.test\/accept-invitation\?token=(\S+)/);
      expect(link?.[1]).toBe(res.json().token);
      const joined = await t.send(null, {
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email, password: 'invitee password', name: 'Invitee', invitationToken: link?.[1] },
      });
      expect(joined.statusCode, joined.body).toBe(201);
    });

    it('delivers a password reset whose link sets the new password', async () => {
      const user = await signUp(t.app, 'smtp-reset');
      const res = await t.send(null, {
        method: 'POST',
        url: '/api/v1/auth/password-reset',
        payload: { email: user.email },
      });
      expect(res.statusCode).toBe(202);
      const mail = await eventually('the reset mail', () =>
        smtp.received.find((m) => m.envelope.to.includes(user.email)),
      );
      expect(mail.subject).toBe('Reset your Omnify password');
      const token = mail.text?.match(/https:\/\/omnify\.agency\.test\/reset-password\?token=(\S+)/)?.[1];
      const confirm = await t.send(null, {
        method: 'POST',
        url: '/api/v1/auth/password-reset/confirm',
        payload: { token, password: 'a brand new password' },
      });
      expect(confirm.statusCode, confirm.body).toBe(204);
      const login = await t.send(null, {
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: 'a brand new password' },
      });
      expect(login.statusCode, login.body).toBe(200);
    });
  });

  describe('a server that refuses the sign-in', () => {
    let t: Awaited<ReturnType<typeof smtpApp>>;
    beforeAll(async () => {
      t = await smtpApp(smtp.url({ user: 'omnify', pass: 'not the password' }));
    });
    afterAll(() => t.close());

    it('still creates the invitation, answers its token, and logs why the mail did not go', async () => {
      const owner = await signUp(t.app, 'smtp-broken');
      const email = uniqueEmail('unmailed');
      const res = await t.send(owner, {
        method: 'POST',
        url: '/api/v1/invitations',
        payload: { email, role: 'member' },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      const list = await t.send(owner, { method: 'GET', url: '/api/v1/invitations' });
      expect(list.json().items.map((i: { email: string; status: string }) => [i.email, i.status])).toEqual([
        [email, 'pending'],
      ]);
      const logged = t.errors().find((l) => l.mail?.to === email);
      expect(logged?.msg).toMatch(
        new RegExp(
          `^Mail to ${email} was not delivered: 127\\.0\\.0\\.1:${smtp.port} refused the sign-in .*535.*\\. The invitation is saved`,
        ),
      );
      expect(smtp.received.some((m) => m.envelope.to.includes(email))).toBe(false);
      expect(JSON.stringify(t.errors())).not.toContain('not the password');
    });

    it('answers a reset request 202 as for any address, and logs the failed send', async () => {
      const user = await signUp(t.app, 'smtp-broken-reset');
      const res = await t.send(null, {
        method: 'POST',
        url: '/api/v1/auth/password-reset',
        payload: { email: user.email },
      });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ accepted: true });
      const logged = await eventually('the logged failure', () =>
        t.errors().find((l) => l.mail?.to === user.email),
      );
      expect(logged.msg).toMatch(/refused the sign-in.*The reset link was not delivered/);
    });

    it('answers a portal invitation 502 with the reason', async () => {
      const owner = await signUp(t.app, 'smtp-portal');
      const client = await t.send(owner, {
        method: 'POST',
        url: '/api/v1/clients',
        payload: { name: 'Bright Smile', email: uniqueEmail('client') },
      });
      expect(client.statusCode, client.body).toBe(201);
      const email = uniqueEmail('reader');
      const res = await t.send(owner, {
        method: 'POST',
        url: `/api/v1/clients/${client.json().id}/portal-users`,
        payload: { email, name: 'Reader' },
      });
      expect(res.statusCode, res.body).toBe(502);
      expect(res.json().error.code).toBe('upstream_failed');
      expect(res.json().error.message).toMatch(
        new RegExp(`^Mail to ${email} was not delivered: 127\\.0\\.0\\.1:${smtp.port} refused the sign-in`),
      );
    });
  });
});
