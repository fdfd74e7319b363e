/** JSON logs (pino) with secrets redacted wherever they may appear. */
import { type Logger, pino } from 'pino';

export type { Logger };

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.clientSecret',
];

export function createLogger(level: string, opts: { name?: string } = {}): Logger {
  return pino({
    level,
    name: opts.name ?? 'omnify',
    redact: { paths: redactPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
