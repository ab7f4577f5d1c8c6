/**
 * The web pages' server side (issue 6): which page each role lands on, the HTML shells, our assets and uPlot's
 * served from their directories, and the security headers on all of them. The pages' behaviour in a browser is
 * tested in test/browser/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildApp } from '../../src/http/app.js';
import { installErrorHandler } from '../../src/http/errors.js';
import { pageRoutes, landingOf } from '../../src/http/pages/index.js';
import { installSecurityHeaders } from '../../src/http/auth/security-headers.js';
import type { Principal } from '../../src/http/auth/access.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';

const grant = (role: string, scopeKind: string, scopeId: string) => ({ role, scopeKind, scopeId });
const PEOPLE: Record<string, Principal> = {
  admin: { kind: 'user', id: 'u1', name: 'Ada', grants: [grant('admin', 'all', '*')], csrfToken: 'x' },
  fleet: { kind: 'user', id: 'u2', name: 'Fiona', grants: [grant('fleet-manager', 'fleet', 'north')], csrfToken: 'x' },
  home: { kind: 'user', id: 'u3', name: 'Hans', grants: [grant('homeowner', 'home', 'hansen')], csrfToken: 'x' },
  publisher: { kind: 'token', id: 't1', name: 'utility', grants: [grant('tariff-publisher', 'price-zone', 'DK1')] },
};

/** The page plugin alone, with `x-test-person` standing in for a login (the auth plugin is tested on its own). */
async function pagesApp(): Promise<FastifyInstance> {
  const app = Fastify();
  installErrorHandler(app);
  // What buildApp installs for every answer (src/http/auth/security-headers.ts).
  installSecurityHeaders(app, { hsts: false });
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const who = request.headers['x-test-person'];
    request.principal = typeof who === 'string' ? PEOPLE[who] ?? null : null;
  });
  await app.register(pageRoutes);
  return app;
}

let app: FastifyInstance;
beforeAll(async () => {
  app = await pagesApp();
});
afterAll(async () => {
  await app.close();
});

const get = (url: string, person?: string) => app.inject({ method: 'GET', url, headers: person ? { 'x-test-person': person } : {} });

function expectSecurityHeaders(headers: Record<string, unknown>) {
  const csp = String(headers['content-security-policy']);
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("default-src 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('same-origin');
  expect(headers['x-frame-options']).toBe('DENY');
}

describe('landing by role', () => {
  it('sends people to the login form, fleet managers and admins to /fleet, homeowners to /home', async () => {
    expect(landingOf(null)).toBe('/login');
    expect((await get('/')).headers.location).toBe('/login');
    expect((await get('/', 'admin')).headers.location).toBe('/fleet');
    expect((await get('/', 'fleet')).headers.location).toBe('/fleet');
    expect((await get('/', 'home')).headers.location).toBe('/home');
    const res = await get('/', 'publisher');
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Nothing to show');
    expectSecurityHeaders(res.headers);
  });

  it('asks for a login before a page and comes back to it', async () => {
    for (const page of ['/home', '/fleet?site=depot']) {
      const res = await get(page);
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(page)}`);
      expectSecurityHeaders(res.headers);
    }
  });

  it('keeps each role on its own page: a homeowner never gets the fleet dashboard', async () => {
    expect((await get('/fleet', 'home')).headers.location).toBe('/home');
    expect((await get('/home', 'fleet')).headers.location).toBe('/fleet');
    expect((await get('/fleet', 'publisher')).statusCode).toBe(403);
    expect((await get('/home', 'admin')).statusCode).toBe(200);
    expect((await get('/fleet', 'admin')).statusCode).toBe(200);
  });

  it('sends a logged-in person from /login to their page', async () => {
    expect((await get('/login', 'home')).headers.location).toBe('/home');
    expect((await get('/login')).statusCode).toBe(200);
  });
});

describe('HTML shells', () => {
  it.each([
    ['/login', undefined, 'login.js'],
    ['/home', 'home', 'home.js'],
    ['/fleet', 'fleet', 'fleet.js'],
  ])('%s is HTML with its module, no inline script or style, never cached', async (url, person, script) => {
    const res = await get(url, person);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(res.headers);
    expect(res.body).toContain(`<script type="module" src="/assets/${script}"></script>`);
    // Every script is a file: no inline code, no handlers in attributes, no style attributes or elements.
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc="\/assets\/)[^>]*>/);
    expect(res.body).not.toMatch(/\son[a-z]+=/i);
    expect(res.body).not.toMatch(/\sstyle=|<style/i);
    expect(res.body).toContain('<meta name="viewport"');
  });

  it('labels every input and gives it an error slot next to it', async () => {
    for (const [url, person] of [['/login', undefined], ['/home', 'home'], ['/fleet', 'fleet']] as const) {
      const body = (await get(url, person)).body;
      const inputs = [...body.matchAll(/<input[^>]*\bid="([^"]+)"[^>]*>/g)];
      expect(inputs.length).toBeGreaterThan(0);
      for (const [tag, id] of inputs) {
        expect(body, `${url} #${id}`).toContain(`<label for="${id}"`);
        if (/type="radio"/.test(tag!)) continue;
        expect(body, `${url} #${id} error`).toContain(`id="${id}-error"`);
        expect(tag, `${url} #${id} describedby`).toContain(`${id}-error`);
      }
    }
    const login = (await get('/login')).body;
    expect(login).toContain('autocomplete="username"');
    expect(login).toContain('autocomplete="current-password"');
    expect(login).toContain('aria-live="polite"');
  });
});

describe('assets', () => {
  it('serves our modules and stylesheet with the security headers', async () => {
    for (const [file, type] of [['api.js', 'javascript'], ['home.js', 'javascript'], ['fleet.js', 'javascript'], ['fleet-table.js', 'javascript'], ['charts.js', 'javascript'], ['live.js', 'javascript'], ['format.js', 'javascript'], ['login.js', 'javascript'], ['session.js', 'javascript'], ['app.css', 'text/css'], ['icon.svg', 'image/svg+xml']]) {
      const res = await get(`/assets/${file}`);
      expect(res.statusCode, file).toBe(200);
      expect(res.headers['content-type'], file).toContain(type);
      expectSecurityHeaders(res.headers);
    }
  });

  it('serves uPlot from the installed package, and only its browser files', async () => {
    const require = createRequire(import.meta.url);
    const version = (require('uplot/package.json') as { version: string }).version;
    const home = (await get('/home', 'home')).body;
    expect(home).toContain(`<script defer src="/assets/uplot/uPlot.iife.min.js?v=${version}"></script>`);
    // The classic script comes first: deferred scripts and modules run in document order.
    expect(home.indexOf('uPlot.iife.min.js')).toBeLessThan(home.indexOf('<script type="module"'));
    const js = await get(`/assets/uplot/uPlot.iife.min.js?v=${version}`);
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).toBe(readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'));
    expect((await get('/assets/uplot/uPlot.min.css')).statusCode).toBe(200);
    for (const other of ['uPlot.cjs.js', 'uPlot.esm.js', 'uPlot.d.ts']) expect((await get(`/assets/uplot/${other}`)).statusCode, other).toBe(404);
    expect((await get('/assets/uplot/../package.json')).statusCode).toBe(404);
  });

  it('every module a page preloads exists, and every import is a relative file under /assets', async () => {
    for (const [url, person] of [['/login', undefined], ['/home', 'home'], ['/fleet', 'fleet']] as const) {
      const body = (await get(url, person)).body;
      for (const [, href] of body.matchAll(/href="(\/assets\/[^"]+)"/g)) expect((await get(href!)).statusCode, href).toBe(200);
    }
    for (const file of ['api.js', 'home.js', 'fleet.js', 'fleet-table.js', 'charts.js', 'live.js', 'format.js', 'login.js', 'session.js']) {
      const source = (await get(`/assets/${file}`)).body;
      for (const [, spec] of source.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)) {
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\//);
        expect((await get(`/assets/${spec!.slice(2)}`)).statusCode, `${file} -> ${spec}`).toBe(200);
      }
    }
  });

  it('does not list directories or leak files outside the assets', async () => {
    const dir = await get('/assets/');
    expect([403, 404]).toContain(dir.statusCode);
    expect(dir.body).not.toContain('app.css');
    for (const url of ['/assets/../index.ts', '/assets/%2e%2e/views.ts', '/assets/..%2findex.ts']) {
      const res = await get(url);
      expect([403, 404], url).toContain(res.statusCode);
      expect(res.body, url).not.toContain('pageRoutes');
    }
  });
});

describe('buildApp({ pages: true })', () => {
  it('serves the pages next to the API, anonymous callers to the login form', async () => {
    const built = await buildApp({
      clock: new ManualClock('2026-03-02T08:00:00Z'),
      logger: silentLogger(),
      stations: { connectedCount: () => 0, isConnected: () => false },
      pages: true,
    });
    try {
      expect((await built.inject('/')).headers.location).toBe('/login');
      const login = await built.inject('/login');
      expect(login.statusCode).toBe(200);
      expectSecurityHeaders(login.headers);
      expect((await built.inject('/assets/app.css')).statusCode).toBe(200);
      // The API's own answers carry the same headers (issue 20, finding 8; test/http/security-findings.test.ts).
      expectSecurityHeaders((await built.inject('/health')).headers);
    } finally {
      await built.close();
    }
  });
});
