/**
 * A real SMTP server on a random local port (smtp-server), with sign-in, for tests of the SMTP
 * mailer. It keeps every message it accepts, parsed (postal-mime); `refuse` makes it answer a
 * recipient with an error reply instead.
 */
import { type AddressInfo, createServer } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  from: string | undefined;
  to: string[];
  subject: string | undefined;
  text: string | undefined;
}

export interface FakeSmtp {
  port: number;
  /** An SMTP_URL for this server; `user`/`pass` default to the ones it accepts. */
  url(credentials?: { user: string; pass: string }): string;
  received: ReceivedMail[];
  close(): Promise<void>;
}

export async function startFakeSmtp(
  opts: {
    user?: string;
    pass?: string;
    /** TLS from the start (smtps://), with smtp-server's self-signed certificate. */
    secure?: boolean;
    /** An error reply for a recipient, e.g. { code: 550, message: 'No such user' }; null accepts. */
    refuse?: (to: string) => { code: number; message: string } | null;
  } = {},
): Promise<FakeSmtp> {
  const user = opts.user ?? 'omnify';
  const pass = opts.pass ?? 'mail password';
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: opts.secure ?? false,
    // Plain smtp:// here: no STARTTLS to upgrade to, and sign-in allowed without TLS.
    disabledCommands: opts.secure ? [] : ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === pass) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      const refusal = opts.refuse?.(address.address);
      if (refusal) cb(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        PostalMime.parse(Buffer.concat(chunks)).then(
          (mail) => {
            received.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              from: mail.from?.address,
              to: (mail.to ?? []).map((a) => a.address ?? ''),
              subject: mail.subject,
              text: mail.text,
            });
            cb();
          },
          (err: Error) => cb(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    url: (c = { user, pass }) =>
      `${opts.secure ? 'smtps' : 'smtp'}://${encodeURIComponent(c.user)}:${encodeURIComponent(c.pass)}@127.0.0.1:${port}${opts.secure ? '?tls.rejectUnauthorized=false' : ''}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A local port nothing listens on: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A server that accepts connections and never says a word: an SMTP server that hangs. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
