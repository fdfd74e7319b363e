/**
 * `omnify demo` builds the web dashboard when web/dist is missing or older than its sources, so the
 * README's first command (`npm ci && npx omnify demo`) opens the dashboard on a fresh checkout.
 * `omnify serve` never builds: production installs ship the build (`npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { webDistDir } from './web.ts';

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

export type WebBuildResult = 'fresh' | 'built' | 'no-sources' | 'failed';

export function ensureWebBuild(log: (line: string) => void = console.log): WebBuildResult {
  const dist = webDistDir();
  const web = path.dirname(dist);
  const root = path.dirname(web);
  if (!existsSync(path.join(web, 'package.json')) || !existsSync(path.join(web, 'src'))) return 'no-sources';
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((f) =>
    path.join(web, f),
  );
  const builtAt = newestMtime(path.join(dist, 'index.html'));
  if (builtAt > 0 && sources.every((s) => newestMtime(s) <= builtAt)) return 'fresh';
  log(
    builtAt ? 'Rebuilding the web dashboard (sources changed)…' : 'Building the web dashboard (first run)…',
  );
  const res = spawnSync('npm', ['run', 'build', '--workspace', 'web'], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) {
    log(
      `The web dashboard did not build; serving the API only.\n${res.stderr || res.stdout || res.error?.message}`,
    );
    return 'failed';
  }
  return 'built';
}
