/**
 * Uploaded logos: small PNG, JPEG or SVG images kept in the database and served back as data URIs.
 * The declared content type must match the bytes (magic numbers), and an SVG must be inert: no
 * scripts, event handlers, foreign objects, entities or references outside the document. An unsafe
 * SVG is rejected rather than rewritten: a regex "sanitizer" is easy to get wrong, and a rejected
 * upload tells the agency exactly what to remove.
 */
import { invalidInput } from '../../platform/errors.ts';

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

/** Decodes, size-checks and content-checks an upload; every failure is a 400 with field logoUpload. */
export function checkLogo(contentType: LogoContentType, dataBase64: string): CheckedLogo {
  const compact = dataBase64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0)
    throw invalidInput('The logo is not valid base64', { field: 'logoUpload.dataBase64' });
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length === 0) throw invalidInput('The logo is empty', { field: 'logoUpload.dataBase64' });
  if (bytes.length > MAX_LOGO_BYTES)
    throw invalidInput(
      `The logo is ${Math.ceil(bytes.length / 1024)} KB; the limit is ${MAX_LOGO_BYTES / 1024} KB`,
      { field: 'logoUpload.dataBase64', limitBytes: MAX_LOGO_BYTES },
    );
  if (contentType === 'image/png' && !startsWith(bytes, PNG))
    throw invalidInput('The logo is declared as PNG but is not a PNG image', { field: 'logoUpload' });
  if (contentType === 'image/jpeg' && !startsWith(bytes, JPEG))
    throw invalidInput('The logo is declared as JPEG but is not a JPEG image', { field: 'logoUpload' });
  if (contentType === 'image/svg+xml') checkSvg(bytes);
  return { contentType, base64: bytes.toString('base64') };
}

function checkSvg(bytes: Buffer) {
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD') || text.includes('\u0000'))
    throw invalidInput('The SVG logo is not UTF-8 text', { field: 'logoUpload' });
  if (!/<svg[\s>]/i.test(text) || !/<\/svg\s*>\s*$/i.test(text.trim()))
    throw invalidInput('The logo is declared as SVG but is not an SVG document', { field: 'logoUpload' });
  for (const [pattern, what] of svgHazards) {
    if (pattern.test(text))
      throw invalidInput(`The SVG logo contains ${what}; remove it and upload again`, {
        field: 'logoUpload',
        reason: 'unsafe_svg',
      });
  }
}

export const dataUri = (contentType: string, base64: string) => `data:${contentType};base64,${base64}`;
