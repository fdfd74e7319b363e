import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, type FakeSmtp, startFakeSmtp, startSilentServer } from '../../test/fakes/smtp.ts';
import { AppError } from './errors.ts';
import { deliverOrLog } from './mailer.ts';
import { createSmtpMailer } from './smtp-mailer.ts';

const mail = {
  to: 'ana@agency.test',
  subject: 'You are invited to Bright Agency on Omnify',
  text: 'Hello Ana,\n\nAccept here (valid for 7 days):\n\nhttp://localhost:3000/accept-invitation?token=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789\n\nOmnify',
};
const from = 'Omnify <omnify@agency.test>';

/** What a failed send threw (it must throw an AppError). */
async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('SMTP mailer', () => {
  let smtp: FakeSmtp;
  beforeAll(async () => {
    smtp = await startFakeSmtp({
      user: 'omnify@agency.test',
      // Characters that must be percent-encoded in the URL.
      pass: 'p@ss:w/rd#1',
      refuse: (to) => (to.startsWith('nobody@') ? { code: 550, message: '5.1.1 No such user here' } : null),
    });
  });
  afterAll(() => smtp.close());

  it('delivers through a server that wants a sign-in: sender, recipient, subject and the text as written', async () => {
    await createSmtpMailer({ url: smtp.url(), from }).send(mail);
    const got = smtp.received.at(-1);
    expect(got?.envelope).toEqual({ from: 'omnify@agency.test', to: ['ana@agency.test'] });
    expect(got?.from).toBe('omnify@agency.test');
    expect(got?.to).toEqual(['ana@agency.test']);
    expect(got?.subject).toBe(mail.subject);
    // The long link line survives the transfer encoding whole.
    expect(got?.text?.trim()).toBe(mail.text);
  });

  it('smtps:// speaks TLS from the start', async () => {
    const tls = await startFakeSmtp({ secure: true });
    try {
      await createSmtpMailer({ url: tls.url(), from }).send(mail);
      expect(tls.received.map((m) => m.subject)).toEqual([mail.subject]);
    } finally {
      await tls.close();
    }
  });

  it('a wrong password is a clear upstream error that names the server, never the password', async () => {
    const err = await failure(
      createSmtpMailer({ url: smtp.url({ user: 'omnify@agency.test', pass: 'wrong-secret' }), from }).send(
        mail,
      ),
    );
    expect(err.code).toBe('upstream_failed');
    expect(err.status).toBe(502);
    expect(err.message).toMatch(
      new RegExp(`^Mail to ana@agency.test was not delivered: 127.0.0.1:${smtp.port} refused the sign-in`),
    );
    expect(err.message).toContain('535');
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain('wrong-secret');
  });

  it('a recipient the server refuses (5xx) is an error with its reply', async () => {
    const before = smtp.received.length;
    const err = await failure(
      createSmtpMailer({ url: smtp.url(), from }).send({ ...mail, to: 'nobody@agency.test' }),
    );
    expect(err.message).toBe(
      `Mail to nobody@agency.test was not delivered: 127.0.0.1:${smtp.port} refused the message: 550 5.1.1 No such user here`,
    );
    expect(err.details).toMatchObject({ to: 'nobody@agency.test', smtpReply: 550 });
    expect(smtp.received.length).toBe(before);
  });

  it('a server that is not there: connection refused', async () => {
    const port = await closedPort();
    const err = await failure(createSmtpMailer({ url: `smtp://u:p@127.0.0.1:${port}`, from }).send(mail));
    expect(err.message).toBe(
      `Mail to ana@agency.test was not delivered: 127.0.0.1:${port} refused the connection`,
    );
  });

  it('a server that never greets does not hold the send past the timeout', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const err = await failure(
        createSmtpMailer({
          url: `smtp://u:p@127.0.0.1:${silent.port}`,
          from,
          timeouts: { greeting: 300 },
        }).send(mail),
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(err.message).toBe(
        `Mail to ana@agency.test was not delivered: 127.0.0.1:${silent.port} did not answer in time (greeting timeout)`,
      );
    } finally {
      await silent.close();
    }
  });

  it('however the server stalls, the whole send is bounded', async () => {
    const silent = await startSilentServer();
    try {
      const err = await failure(
        createSmtpMailer({
          url: `smtp://u:p@127.0.0.1:${silent.port}`,
          from,
          timeouts: { greeting: 60_000, total: 300 },
        }).send(mail),
      );
      expect(err.message).toBe(
        `Mail to ana@agency.test was not delivered: 127.0.0.1:${silent.port} did not finish within 0.3 s`,
      );
    } finally {
      await silent.close();
    }
  });

  it('deliverOrLog: a failed send resolves and logs the reason and what follows, without the text', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const failing = createSmtpMailer({ url: `smtp://u:p@127.0.0.1:${await closedPort()}`, from });
    await expect(
      deliverOrLog(failing, logger, 'The invitation is saved').send(mail),
    ).resolves.toBeUndefined();
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '{}');
    expect(entry.level).toBe(50);
    expect(entry.msg).toMatch(
      /^Mail to ana@agency.test was not delivered: .* refused the connection\. The invitation is saved$/,
    );
    expect(entry.mail).toEqual({ to: mail.to, subject: mail.subject });
    expect(lines[0]).not.toContain('token=');
  });
});
