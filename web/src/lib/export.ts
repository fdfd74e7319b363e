/** Saving what the API answered as a file: the name it gets and the browser download. */

/** Lower-case words joined by `-`, safe in a file name on every system; empty for nothing. */
export function slug(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

/**
 * `omnify-<parts…>-<from>-<to>.csv`, e.g. `omnify-campaigns-bright-smile-dental-2026-10-28-2026-11-26.csv`;
 * parts that are empty (no filter) are left out.
 */
export function csvFileName(parts: Array<string | undefined | null>, from: string, to: string): string {
  const words = parts.map((p) => slug(p ?? '')).filter(Boolean);
  return `${['omnify', ...words, from, to].join('-')}.csv`;
}

/** Hands a Blob to the browser as a download named `name` (an object URL clicked, then released). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Released once the download has taken the data; revoking at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
