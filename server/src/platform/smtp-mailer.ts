/**
 * The SMTP adapter of the mailer port (nodemailer). `smtp://` upgrades to TLS when the server offers
 * STARTTLS, `smtps://` speaks TLS from the start; user and password come from the URL
 * (percent-encoded). One connection per message: mail here is rare (invitations, resets,
 * notifications), so there is no pool to keep alive or close.
 *
 * A failed send throws `upstream_failed` (502) naming the recipient and what the server did: refused
 * the connection, the sign-in or the message, or did not answer in time. The timeouts bound how long a
 * request can wait on a dead server.
 */
import nodemailer, { type NodemailerError } from 'nodemailer';
import { AppError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { Mailer } from './mailer.ts';

export interface SmtpMailerOptions {
  /** smtp://user:password@host:port or smtps://… */
  url: string;
  /** The sender: an address, or `Name <address>`. */
  from: string;
  logger?: Logger;
  /** Milliseconds; the defaults suit a request that waits for the send. */
  timeouts?: Partial<SmtpTimeouts>;
}

export interface SmtpTimeouts {
  /** To open the TCP (or TLS) connection. */
  connect: number;
  /** From connecting to the server's 220 greeting. */
  greeting: number;
  /** Silence on an open connection. */
  idle: number;
  /** The whole send, however the server dribbles. */
  total: number;
}

export const defaultSmtpTimeouts: SmtpTimeouts = {
  connect: 10_000,
  greeting: 10_000,
  idle: 20_000,
  total: 30_000,
};

/** host:port of an SMTP URL, without credentials: safe to log and to show. */
export function smtpServerLabel(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 587)}`;
}

export function createSmtpMailer(opts: SmtpMailerOptions): Mailer {
  const t = { ...defaultSmtpTimeouts, ...opts.timeouts };
  const server = smtpServerLabel(opts.url);
  const transport = nodemailer.createTransport({
    url: opts.url,
    connectionTimeout: t.connect,
    greetingTimeout: t.greeting,
    socketTimeout: t.idle,
    dnsTimeout: t.connect,
  });
  return {
    async send(mail) {
      const signal = AbortSignal.timeout(t.total);
      try {
        const info = await transport.sendMail({
          from: opts.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          signal,
        });
        opts.logger?.info(
          { mail: { to: mail.to, subject: mail.subject, messageId: info.messageId }, smtp: server },
          `mail sent to ${mail.to}: ${mail.subject}`,
        );
      } catch (e) {
        const err = e as NodemailerError;
        const reason = signal.aborted
          ? `${server} did not finish within ${t.total / 1000} s`
          : describeFailure(err, server);
        throw new AppError(
          'upstream_failed',
          `Mail to ${mail.to} was not delivered: ${reason}`,
          {
            to: mail.to,
            smtpServer: server,
            ...(err.responseCode ? { smtpReply: err.responseCode } : {}),
          },
          { cause: e },
        );
      }
    },
  };
}

function describeFailure(err: NodemailerError, server: string): string {
  const reply = err.response?.trim();
  switch (err.code) {
    case 'EAUTH':
    case 'ENOAUTH':
      return `${server} refused the sign-in (check the user and password in SMTP_URL)${reply ? `: ${reply}` : ''}`;
    case 'ETIMEDOUT':
      return `${server} did not answer in time${err.timeoutType ? ` (${err.timeoutType.toLowerCase().replace('_', ' ')})` : ''}`;
    case 'EDNS':
      return `the SMTP host of ${server} could not be resolved`;
    case 'ETLS':
      return `TLS with ${server} failed: ${err.message}`;
  }
  if ((err.originalCode ?? err.code) === 'ECONNREFUSED') return `${server} refused the connection`;
  if (err.responseCode && reply)
    return `${server} ${err.permanent === false ? 'deferred' : 'refused'} the message: ${reply}`;
  return `${server}: ${err.message}`;
}
