/**
 * Uploaded logos: small PNG, JPEG or SVG images kept in the database and served back as data URIs.
 * The declared content type must match the bytes (magic numbers), and an SVG must be inert: no
 * scripts, event handlers, foreign objects, entities or references outside the document. An unsafe
 * SVG is rejected rather than rewritten: a regex "sanitizer" is easy to get wrong, and a rejected
 * upload tells the agency exactly what to remove.
 */
import { invalidField } from '../../platform/errors.ts';

export const logoContentTypes = ['image/png', 'image/jpeg', 'image/svg+xml'] as const;
export type LogoContentType = (typeof logoContentTypes)[number];

/** Decoded size limit: a logo on a login page, not a photo. */
export const MAX_LOGO_BYTES = 100 * 1024;

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];

const startsWith = (buf: Buffer, sig: number[]) => sig.every((b, i) => buf[i] === b);

/** What an SVG may not contain, with the reason given back to the uploader. */
const svgHazards: Array<[RegExp, string]> = [
  [/<!DOCTYPE|<!ENTITY/i, 'a DOCTYPE or entity declaration'],
  [/<\s*script/i, 'a <script> element'],
  [/<\s*foreignObject/i, 'a <foreignObject> element'],
  [/<\s*(iframe|embed|object|audio|video|handler|listener)\b/i, 'an embedded document or media element'],
  [/\son[a-z]+\s*=/i, 'an event-handler attribute (on…=)'],
  [/javascript\s*:/i, 'a javascript: URL'],
  [/(?:xlink:)?href\s*=\s*["']\s*(?!#|data:image\/(?:png|jpeg);)/i, 'a link to another document'],
  [/url\s*\(\s*["']?\s*(?!#)/i, 'a CSS url() outside the document'],
  [/@import/i, 'a CSS @import'],
  [/<\?xml-stylesheet/i, 'an external stylesheet'],
];

export interface CheckedLogo {
  contentType: LogoContentType;
  base64: string;
}

/**
 * A refused logo: 400 `invalid_input` in the shape of every other 400 (`details.issues[0]` with
 * `location` `body.logoUpload…`, `path`, `code`, `message`), keeping `details.field` (and `limitBytes`,
 * `reason`) at the top of `details` for clients that read them there.
 */
function refuse(
  at: 'logoUpload' | 'logoUpload.dataBase64',
  message: string,
  code: string,
  extra: { issue?: Record<string, unknown>; details?: Record<string, unknown> } = {},
) {
  return invalidField('body', at.split('.'), message, {
    code,
    ...(extra.issue ? { issue: extra.issue } : {}),
    details: { field: at, ...extra.details },
  });
}

/** Decodes, size-checks and content-checks an upload; every failure is a 400 at body.logoUpload. */
export function checkLogo(contentType: LogoContentType, dataBase64: string): CheckedLogo {
  const compact = dataBase64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0)
    throw refuse('logoUpload.dataBase64', 'The logo is not valid base64', 'invalid_format');
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length === 0)
    throw refuse('logoUpload.dataBase64', 'The logo is empty', 'too_small', { issue: { minimum: 1 } });
  if (bytes.length > MAX_LOGO_BYTES)
    throw refuse(
      'logoUpload.dataBase64',
      `The logo is ${Math.ceil(bytes.length / 1024)} KB; the limit is ${MAX_LOGO_BYTES / 1024} KB`,
      'too_big',
      { issue: { maximum: MAX_LOGO_BYTES }, details: { limitBytes: MAX_LOGO_BYTES } },
    );
  if (contentType === 'image/png' && !startsWith(bytes, PNG))
    throw refuse('logoUpload', 'The logo is declared as PNG but is not a PNG image', 'invalid_value');
  if (contentType === 'image/jpeg' && !startsWith(bytes, JPEG))
    throw refuse('logoUpload', 'The logo is declared as JPEG but is not a JPEG image', 'invalid_value');
  if (contentType === 'image/svg+xml') checkSvg(bytes);
  return { contentType, base64: bytes.toString('base64') };
}

function checkSvg(bytes: Buffer) {
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD') || text.includes('\u0000'))
    throw refuse('logoUpload', 'The SVG logo is not UTF-8 text', 'invalid_value');
  if (!/<svg[\s>]/i.test(text) || !/<\/svg\s*>\s*$/i.test(text.trim()))
    throw refuse('logoUpload', 'The logo is declared as SVG but is not an SVG document', 'invalid_value');
  for (const [pattern, what] of svgHazards) {
    if (pattern.test(text))
      throw refuse(
        'logoUpload',
        `The SVG logo contains ${what}; remove it and upload again`,
        'invalid_value',
        {
          issue: { reason: 'unsafe_svg' },
          details: { reason: 'unsafe_svg' },
        },
      );
  }
}

export const dataUri = (contentType: string, base64: string) => `data:${contentType};base64,${base64}`;
