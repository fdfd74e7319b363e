/** Test helpers for `omnify forecast` run in-process (runForecastCommand). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Io for runForecastCommand that keeps what the command writes to stdout and stderr as text. */
export function capture() {
  const text = { stdout: '', stderr: '' };
  const sink = (key: keyof typeof text) =>
    ({
      write: (s: string) => {
        text[key] += s;
        return true;
      },
      isTTY: false,
    }) as unknown as NodeJS.WritableStream;
  return {
    io: { stdout: sink('stdout'), stderr: sink('stderr'), readStdin: () => '' },
    stdout: () => text.stdout,
    stderr: () => text.stderr,
  };
}

/** A fresh temporary folder; `file(name, text)` writes a file in it and returns its path. */
export function tempFiles(prefix: string) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    path: (name: string) => path.join(dir, name),
    file: (name: string, text: string) => {
      const p = path.join(dir, name);
      writeFileSync(p, text);
      return p;
    },
  };
}
