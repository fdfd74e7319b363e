import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.ts';

/** A stand-in for web/dist: the serving rules are what is under test, not Vite's output. */
function fakeBuild(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnify-web-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

describe('the web dashboard served by the API', () => {
  let t: TestApp;
  let root: string;
  beforeAll(async () => {
    root = fakeBuild();
    t = await createTestApp({ api: { webRoot: root } });
  });
  afterAll(() => t.close());

  it('serves the app at / and at its own routes, so a reload keeps the page', async () => {
    for (const url of ['/', '/clients/cli_123', '/portal/acme/campaigns/cmp_1?x=1']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('id="root"');
    }
  });

  it('answers 503 with a retry hint, not a 500, while the build is being replaced', async () => {
    renameSync(path.join(root, 'index.html'), path.join(root, 'index.old'));
    try {
      const res = await t.app.inject({ method: 'GET', url: '/clients' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().error.code).toBe('unavailable');
    } finally {
      renameSync(path.join(root, 'index.old'), path.join(root, 'index.html'));
    }
    expect((await t.app.inject({ method: 'GET', url: '/clients' })).statusCode).toBe(200);
  });

  it('serves the build files, hashed assets cached for a year', async () => {
    const js = await t.app.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
    const icon = await t.app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.headers['content-type']).toMatch(/svg/);
  });

  it('keeps JSON 404s for unknown API paths and missing assets, and never serves files outside the build', async () => {
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/no-such-thing' });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('not_found');
    const asset = await t.app.inject({ method: 'GET', url: '/assets/gone-123.js' });
    expect(asset.statusCode).toBe(404);
    const outside = await t.app.inject({ method: 'GET', url: '/..%2f..%2fpackage.json' });
    expect(outside.body).not.toContain('"name"');
    const docs = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    expect(docs.json().openapi).toBe('3.1.0');
  });
});

describe('without a build', () => {
  it('opens the API docs at /', async () => {
    const t = await createTestApp({ api: { webRoot: null } });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('/docs');
    } finally {
      await t.close();
    }
  });
});
