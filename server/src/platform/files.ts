/** Files on the local disk: how a failed write is told to a person. No domain knowledge. */

/** Why a file could not be written, in words: `--output /nonexistent/x.csv` → "no such directory". */
export function cannotWrite(path: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const reason =
    err.code === 'ENOENT'
      ? 'no such directory'
      : err.code === 'EACCES' || err.code === 'EPERM'
        ? 'permission denied'
        : err.code === 'EISDIR'
          ? 'it is a directory'
          : err.code === 'ENOTDIR'
            ? 'a part of the path is not a directory'
            : err.message;
  return `cannot write ${path}: ${reason}`;
}
