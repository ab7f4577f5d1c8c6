/**
 * The OpenAPI document is complete (issue 6: "every route, body, error"): every route the app registers, as main.ts
 * builds it, is either hidden on purpose (the pages, their assets, the reference page and the document itself) or
 * documented with tags, a summary, its parameters and body, and a schema for every status it answers, every error
 * a reference to the shared Error schema. Routes are collected as fastify registers them (an onRoute hook on the
 * instance buildApp creates), so a route that swagger never shows still fails here.
 *
 * And validation errors name their field in the documented path format (`departure`, `rows[3].time`,
 * `grants[0].role`), for a missing and an unknown property too, with fastify's default compiler (the auth routes)
 * and with the resource API's strict one (src/http/api/validation.ts).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { fieldPath, toErrorBody, validationProblem } from '../../src/http/errors.js';
import { apiValidatorCompiler } from '../../src/http/api/validation.js';
import { startApi, type ApiFixture } from './api-fixture.js';

/** Every route each fastify instance registered, by instance (buildApp makes one; the test looks up its own). */
const registered = vi.hoisted(() => new WeakMap<object, RouteOptions[]>());
vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const real = actual.default as unknown as (opts?: unknown) => FastifyInstance;
  const withRouteLog = (opts?: unknown) => {
    const app = real(opts);
    const routes: RouteOptions[] = [];
    registered.set(app, routes);
    app.addHook('onRoute', (route) => {
      routes.push(route);
    });
    return app;
  };
  return { ...actual, default: withRouteLog, fastify: withRouteLog };
});

interface Operation {
  tags?: string[];
  summary?: string;
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  tags: { name: string }[];
}

let f: ApiFixture;
let doc: Doc;
let routes: { id: string; method: string; url: string; schema: (FastifySchema & { hide?: boolean }) | undefined }[];

beforeAll(async () => {
  f = await startApi();
  doc = (await f.app.inject({ url: '/api/openapi.json' })).json();
  const options = registered.get(f.app);
  if (!options) throw new Error('the route log did not see the app main.ts built');
  routes = options.flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({ method, url: r.url, schema: r.schema as never })))
    .filter((r) => r.method !== 'HEAD')
    .map((r) => ({ ...r, id: `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}` }));
});
afterAll(async () => f?.close());

const shown = () => routes.filter((r) => r.schema?.hide !== true);
const op = (id: string): Operation | undefined => {
  const [method, path] = id.split(' ') as [string, string];
  return doc.paths[path]?.[method.toLowerCase()];
};
const ERROR_REF = '#/components/schemas/Error';

describe('every route the app registers', () => {
  it('is in the document, or hidden because it is a page, an asset, the reference page or the document', () => {
    expect(shown().length).toBeGreaterThanOrEqual(28);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    expect(documented).toEqual(shown().map((r) => r.id).sort());
    // Hiding is for what is not API: an API route cannot leave the document by being hidden.
    const hidden = routes.filter((r) => r.schema?.hide === true).map((r) => r.url);
    expect(hidden).toEqual(expect.arrayContaining(['/', '/login', '/home', '/fleet', '/api/openapi.json', '/api/docs/', '/assets/*']));
    for (const url of hidden) expect(url, url).toMatch(/^\/(login|language|home|home\/car|fleet|fleet\/vehicles|utilisation|setup|get-started|account|admin\/(users|tokens|audit|sites|stations|tariffs)|stations(\/[^/]+)?|assets\/.*|api\/docs(\/.*)?|api\/openapi\.json)?$/);
    expect(shown().map((r) => r.id)).toEqual(expect.arrayContaining([
      'GET /health', 'POST /api/v1/session', 'DELETE /api/v1/session', 'GET /api/v1/me', 'POST /api/v1/tokens', 'GET /api/v1/tokens',
      'DELETE /api/v1/tokens/{id}', 'POST /api/v1/tariffs', 'POST /api/v1/tariffs/openadr3/events', 'POST /api/v1/targets/bulk',
    ]));
  });

  it('has a tag the document declares and a summary', () => {
    const declared = doc.tags.map((t) => t.name);
    for (const { id } of shown()) {
      const o = op(id)!;
      expect(o.tags?.length, id).toBeGreaterThan(0);
      for (const tag of o.tags!) expect(declared, `${id} tag ${tag}`).toContain(tag);
      expect(o.summary, id).toMatch(/\w{3}/);
    }
  });

  it('documents its path parameters, query string and body', () => {
    for (const { id, method, schema } of shown()) {
      const o = op(id)!;
      for (const name of [...id.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        expect(o.parameters?.some((p) => p.in === 'path' && p.name === name), `${id} path ${name}`).toBe(true);
      }
      if (schema?.querystring) expect(o.parameters?.some((p) => p.in === 'query'), `${id} query`).toBe(true);
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
        const content = o.requestBody?.content ?? {};
        expect(Object.keys(content).length, `${id} body`).toBeGreaterThan(0);
        for (const [type, media] of Object.entries(content)) expect(media.schema, `${id} body ${type}`).toBeDefined();
      }
    }
  });

  it('answers with a described schema for every status, every error a reference to Error', () => {
    for (const { id } of shown()) {
      const o = op(id)!;
      const statuses = Object.keys(o.responses);
      expect(statuses.some((s) => /^2\d\d$/.test(s)), `${id} has a success answer`).toBe(true);
      for (const [status, r] of Object.entries(o.responses)) {
        const where = `${id} ${status}`;
        expect(r.description, where).toMatch(/\w/);
        expect(r.description, where).not.toBe('Default Response');
        if (status === '204' || status === '304') {
          // No body: 204 No Content, and 304 Not Modified for a conditional GET (If-None-Match).
          expect(r.content, where).toBeUndefined();
        } else if (/^2\d\d$/.test(status)) {
          const media = Object.values(r.content ?? {});
          expect(media.length, where).toBeGreaterThan(0);
          for (const m of media) expect(m.schema, where).toBeDefined();
        } else {
          expect(status, where).toMatch(/^[45]\d\d$/);
          expect(Object.keys(r.content ?? {}), where).toEqual(['application/json']);
          expect(r.content!['application/json']!.schema!.$ref, where).toBe(ERROR_REF);
        }
      }
      // Validated input can be refused: then 400 is documented too.
      if (o.parameters?.length || o.requestBody) expect(statuses, `${id} 400`).toContain('400');
    }
  });

  it('says which routes need no credentials and which take API tokens only', () => {
    expect(op('GET /health')!.security).toEqual([]);
    expect(op('POST /api/v1/session')!.security).toEqual([]);
    expect(op('POST /api/v1/tariffs')!.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(op('POST /api/v1/tariffs')!.requestBody!.content)).toEqual(['application/json', 'text/csv']);
    expect(op('POST /api/v1/tariffs/openadr3/events')!.parameters!.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['zone', 'currency']);
  });
});

describe('the tariff intake on the shared error mapping', () => {
  it('answers what fastify refuses, and credentials, with the shared Error body', async () => {
    const post = (contentType: string, payload: string, token?: string) => f.app.inject({
      method: 'POST', url: '/api/v1/tariffs', payload,
      headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const broken = await post('application/json', '{"zone":', f.tokens.publisher);
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', message: expect.any(String) });
    expect((await post('application/xml', '<x/>', f.tokens.publisher)).json()).toEqual({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: expect.any(String) });
    expect((await post('application/json', '{}')).json()).toEqual({ code: 'AUTH_MISSING', message: expect.any(String) });
    const rejected = await post('application/json', JSON.stringify({ zone: 'TEST', currency: 'EUR', resolution: 'PT60M', intervals: [] }), f.tokens.publisher);
    expect(rejected.statusCode).toBe(422);
    expect(rejected.json()).toMatchObject({ code: 'TARIFF_REJECTED', message: expect.any(String), issues: [expect.objectContaining({ field: expect.any(String), rule: expect.any(String) })] });
  });
});

describe('validation errors name the field', () => {
  it('writes paths with brackets for array indexes and dots for properties', () => {
    expect(fieldPath('')).toBe('');
    expect(fieldPath('/departure')).toBe('departure');
    expect(fieldPath('/rows/3/time')).toBe('rows[3].time');
    expect(fieldPath('/grants/0/role')).toBe('grants[0].role');
    expect(fieldPath('/3/time')).toBe('[3].time');
    expect(fieldPath('/minimumNow/withinMinutes')).toBe('minimumNow.withinMinutes');
    expect(fieldPath('/a~1b/c~0d')).toBe('a/b.c~d');
  });

  it('names a missing property and an unknown one by themselves, not by their parent', () => {
    const missing = { keyword: 'required', instancePath: '', params: { missingProperty: 'departure' }, message: "must have required property 'departure'" };
    expect(validationProblem(missing)).toEqual({ field: 'departure', message: "body must have required property 'departure'" });
    expect(validationProblem({ ...missing, instancePath: '/rows/3', params: { missingProperty: 'time' } })).toEqual({ field: 'rows[3].time', message: "rows[3] must have required property 'time'" });
    const extra = { keyword: 'additionalProperties', instancePath: '/grants/0', params: { additionalProperty: 'rol' }, message: 'must NOT have additional properties' };
    expect(validationProblem(extra)).toEqual({ field: 'grants[0].rol', message: "grants[0] must NOT have additional property 'rol'" });
    expect(validationProblem({ ...extra, instancePath: '', params: { additionalProperty: 'batterykwh' } }, 'body').field).toBe('batterykwh');
    expect(validationProblem({ keyword: 'pattern', instancePath: '/rows/3/time', params: {}, message: 'must match pattern "^\\d\\d:\\d\\d$"' }))
      .toEqual({ field: 'rows[3].time', message: 'rows[3].time must match pattern "^\\d\\d:\\d\\d$"' });
    expect(validationProblem({ keyword: 'type', instancePath: '', params: {}, message: 'must be object' }, 'querystring')).toEqual({ field: '', message: 'querystring must be object' });
  });

  it('agrees with the resource API’s own compiler (validation.ts) on what ajv reports', () => {
    const Rows = {
      type: 'object', additionalProperties: false, required: ['rows'],
      properties: { rows: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['time'], properties: { time: { type: 'string', pattern: '^\\d\\d:\\d\\d$' } } } } },
    };
    const validate = apiValidatorCompiler({ schema: Rows, httpPart: 'body', method: 'POST', url: '/x' }) as ((data: unknown) => boolean) & { errors?: unknown[] };
    const problem = (data: unknown) => {
      expect(validate(data)).toBe(false);
      const err = Object.assign(new Error('invalid'), { validation: validate.errors, validationContext: 'body', statusCode: 400 });
      return toErrorBody(err)!.body;
    };
    const ok = { time: '07:00' };
    expect(problem({})).toEqual({ code: 'REQUEST_INVALID', field: 'rows', message: "body must have required property 'rows'" });
    expect(problem({ rows: [ok, ok, ok, {}] })).toMatchObject({ field: 'rows[3].time' });
    expect(problem({ rows: [ok, ok, ok, { time: '7' }] })).toMatchObject({ field: 'rows[3].time', message: expect.stringMatching(/^rows\[3\]\.time must match pattern/) });
    expect(problem({ rows: [ok, { ...ok, tme: '07:00' }] })).toMatchObject({ field: 'rows[1].tme', message: "rows[1] must NOT have additional property 'tme'" });
    expect(problem({ rows: [], extra: 1 })).toMatchObject({ field: 'extra' });
  });

  it('through the app: a missing, an unknown and a nested field, with either compiler', async () => {
    const van = { name: 'Van 20', fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3 };
    const putVan = (payload: object) => f.as('north', { method: 'PUT', url: '/api/v1/vehicles/VAN-20', payload });
    const missing = await putVan({ ...van, maxAcKw: undefined });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ code: 'REQUEST_INVALID', field: 'maxAcKw', message: "body must have required property 'maxAcKw'" });
    expect((await putVan({ ...van, batterykwh: 60 })).json()).toEqual({ code: 'REQUEST_INVALID', field: 'batterykwh', message: "body must NOT have additional property 'batterykwh'" });
    expect((await putVan({ ...van, idTokens: ['TOKEN-20', 5] })).json()).toEqual({ code: 'REQUEST_INVALID', field: 'idTokens[1]', message: 'idTokens[1] must be string' });
    const boost = await f.as('north', { method: 'PUT', url: '/api/v1/vehicles/VAN-1/boost', payload: { energyKwh: 5, untilSoc: 80 } });
    expect(boost.json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'untilSoc' });

    // The auth routes run on fastify's default compiler; the same names come out.
    const token = (payload: object) => f.as('admin', { method: 'POST', url: '/api/v1/tokens', payload });
    expect((await token({ name: 'x', grants: [{ role: 'homeowner' }] })).json()).toEqual({ code: 'REQUEST_INVALID', field: 'grants[0].scopeId', message: "grants[0] must have required property 'scopeId'" });
    expect((await token({ name: 'x', grants: [{ role: 'homeowner', scopeId: 'h' }, { role: 'king', scopeId: 'h' }] })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'grants[1].role' });
    expect((await token({})).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'name' });
  });
});
