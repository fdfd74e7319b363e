/**
 * Serves the web dashboard's production build (web/dist) from the API process: no separate web
 * server. `/` and every path that is not the API, the docs or a file of the build answer index.html,
 * so the single-page app's own routes (/clients/…, /portal/…) survive a reload. Hashed assets are
 * cached for a year; index.html never, so a new build is picked up at once.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../platform/errors.ts';

/** web/dist of this checkout (server/src/main → ../../../web/dist). */
export function webDistDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');
}

/** Paths that belong to the server, never to the app: unknown ones stay JSON 404s. */
const serverPaths = /^\/(api|docs|openapi\.json|metrics|health|ready)(\/|$|\?)/;

export async function installWebApp(app: FastifyInstance, root: string | null): Promise<void> {
  const built = root !== null && existsSync(path.join(root, 'index.html'));
  if (!built) {
    // No build (the API alone, or tests): the address the server prints opens the API docs.
    app.get('/', { schema: { hide: true }, config: { auth: 'public' } }, async (_req, reply) =>
      reply.redirect('/docs'),
    );
    return;
  }
  // serve: false — only reply.sendFile; the routes below decide what is a file and what is the app.
  // cacheControl: false — send() would otherwise replace our cache-control with max-age=0.
  await app.register(fastifyStatic, { root, serve: false, cacheControl: false });

  const sendIndex = (reply: FastifyReply) => {
    // `npm run build` (or `omnify demo` after a source change) empties web/dist before it writes the
    // new build: for those seconds there is no index.html, and that is a wait, not a server error.
    if (!existsSync(path.join(root, 'index.html')))
      throw new AppError(
        'unavailable',
        'The dashboard is being rebuilt: reload in a few seconds',
        undefined,
        {
          retryAfterSeconds: 5,
        },
      );
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html');
  };

  app.get('/', { schema: { hide: true }, config: { auth: 'public' } }, async (_req, reply) =>
    sendIndex(reply),
  );
  app.get('/*', { schema: { hide: true }, config: { auth: 'public' } }, async (req, reply) => {
    const url = req.url.split('?')[0] ?? '/';
    if (serverPaths.test(url)) return reply.callNotFound();
    const rel = decodeURIComponentSafe(url).replace(/^\/+/, '');
    const file = rel ? path.resolve(root, rel) : '';
    // Only files inside the build; `..` and absolute paths fall through to the app.
    if (file.startsWith(root + path.sep) && existsSync(file) && statSync(file).isFile()) {
      const immutable = rel.startsWith('assets/');
      reply.header(
        'cache-control',
        immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
      );
      return reply.sendFile(rel);
    }
    // A missing asset is a 404, not the app's HTML under a .js name.
    if (rel.startsWith('assets/')) return reply.callNotFound();
    return sendIndex(reply);
  });
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
