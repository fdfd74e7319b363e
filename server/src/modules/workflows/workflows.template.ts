/**
 * Input mapping between steps: `{{trigger.campaignId}}`, `{{steps.a.output.total}}`. A small path
 * resolver, never `eval`: a path is dot-separated names or array indices, looked up only through
 * own properties of plain JSON (so `__proto__`, `constructor` and friends can never be reached).
 *
 * A string that is exactly one template keeps the value's JSON type (a number stays a number, an
 * object an object; a missing value becomes null); a template inside a longer string is
 * interpolated (objects as JSON, missing values as the empty string).
 */

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** The segments of a template path, or a reason it is not one. */
export function parsePath(path: string): { segments: string[] } | { error: string } {
  if (!path) return { error: 'empty template' };
  const segments = path.split('.');
  for (const s of segments) {
    if (!SEGMENT.test(s)) return { error: `"${path}" is not a path of names and indices` };
    if (FORBIDDEN.has(s)) return { error: `"${path}" uses the reserved name ${s}` };
  }
  return { segments };
}

/** Every template path used anywhere in a JSON value (strings inside objects and arrays). */
export function templatePaths(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    for (const m of value.matchAll(TEMPLATE)) out.push(m[1] ?? '');
    // An unbalanced brace pair is a typo the author wants to hear about.
    if (/\{\{|\}\}/.test(value.replace(TEMPLATE, ''))) out.push(value);
  } else if (Array.isArray(value)) for (const v of value) templatePaths(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) templatePaths(v, out);
  return out;
}

function lookup(scope: unknown, segments: string[]): unknown {
  let cur: unknown = scope;
  for (const s of segments) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(s)) return undefined;
      cur = cur[Number(s)];
    } else if (cur !== null && typeof cur === 'object' && Object.hasOwn(cur, s)) {
      cur = (cur as Record<string, unknown>)[s];
    } else return undefined;
  }
  return cur;
}

/** The value of one path in the scope (undefined when absent or malformed). */
export function valueAt(scope: unknown, path: string): unknown {
  const p = parsePath(path);
  return 'error' in p ? undefined : lookup(scope, p.segments);
}

const text = (v: unknown) =>
  v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** Resolves every template in a JSON value against the scope; returns a new value. */
export function resolveTemplates(value: unknown, scope: unknown): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return valueAt(scope, whole[1] ?? '') ?? null;
    return value.replace(TEMPLATE, (_m, path: string) => text(valueAt(scope, path)));
  }
  if (Array.isArray(value)) return value.map((v) => resolveTemplates(v, scope));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTemplates(v, scope)]));
  return value;
}
