/**
 * Outgoing mail port. With SMTP_URL (and MAIL_FROM) set, messages go through the SMTP adapter
 * (smtp-mailer.ts); without, each message is written to the log, which is where an operator finds an
 * invitation or reset link until mail is configured.
 *
 * A failed send throws (`upstream_failed`). Callers whose work is saved before the mail (an
 * invitation, a password reset) get `deliverOrLog` in the composition root: the failure is logged
 * and their request succeeds. A portal invitation answers 502 with the reason (its link is in no
 * answer; inviting again sends a new one); a rule run or a workflow step fails with it.
 */
import type { MailConfig } from '../config.ts';
import type { Logger } from './logger.ts';
import { createSmtpMailer, smtpServerLabel } from './smtp-mailer.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export function createLogMailer(logger: Logger): Mailer {
  return {
    async send(mail) {
      logger.info(
        { mail: { to: mail.to, subject: mail.subject, text: mail.text } },
        `mail to ${mail.to}: ${mail.subject}`,
      );
    },
  };
}

/** The mailer the configuration asks for. */
export function createConfiguredMailer(config: MailConfig, logger: Logger): Mailer {
  return config.kind === 'smtp'
    ? createSmtpMailer({ url: config.url, from: config.from, logger })
    : createLogMailer(logger);
}

/** One line for the start-up log: where mail goes (never the SMTP credentials). */
export function describeMailer(config: MailConfig): string {
  return config.kind === 'smtp'
    ? `mail is sent through SMTP at ${smtpServerLabel(config.url)} from ${config.from}`
    : 'SMTP_URL is not set: mail (invitations, password resets, notifications) is written to the log, not sent';
}

/**
 * For a caller whose work is already saved when it mails: a failed send is logged as an error,
 * with `consequence` (what is lost, what to do), and does not fail the caller. With `background`
 * the caller does not wait for the server at all (a send cut short by a shutdown is lost).
 */
export function deliverOrLog(
  mailer: Mailer,
  logger: Logger,
  consequence: string,
  opts: { background?: boolean } = {},
): Mailer {
  const deliver = async (mail: Mail) => {
    try {
      await mailer.send(mail);
    } catch (err) {
      logger.error(
        { err, mail: { to: mail.to, subject: mail.subject } },
        `${err instanceof Error ? err.message : String(err)}. ${consequence}`,
      );
    }
  };
  return {
    async send(mail) {
      const sending = deliver(mail);
      if (!opts.background) await sending;
    },
  };
}

/** Keeps messages in memory; for tests. */
export function createMemoryMailer(): Mailer & { sent: Mail[] } {
  const sent: Mail[] = [];
  return {
    sent,
    async send(mail) {
      sent.push(mail);
    },
  };
}
