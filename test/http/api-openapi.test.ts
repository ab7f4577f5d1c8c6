import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startApi, type ApiFixture } from './api-fixture.js';

let f: ApiFixture;
/** The whole app as main.ts builds it: auth with accounts (login, tokens), the tariff intake, the API, the pages. */
let app: FastifyInstance;
// The OpenAPI document as served.
let doc: {
  paths: Record<string, Record<string, {
    tags?: string[]; summary?: string; parameters?: { in: string; name: string }[];
    requestBody?: { content: Record<string, unknown> }; responses: Record<string, { description?: string; content?: Record<string, { schema: { $ref?: string } }> }>;
  }>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; in?: string; scheme?: string; name?: string }> };
  security: Record<string, string[]>[];
};
// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
  app = f.app;
  doc = (await app.inject({ url: '/api/openapi.json' })).json();
}, 60_000);
afterAll(async () => f?.close());

/** Every API route the app serves, from its own route tree: "GET /api/v1/sites/{siteId}". */
function servedRoutes(): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD') out.push(`${method} ${path}`);
  }
  // The pages are not API; the document's own routes are not part of the API it describes.
  return out.filter((r) => / \/api\//.test(r) && !/ \/api\/(docs|openapi\.json)/.test(r)).sort();
}

const documented = () => Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/')).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
const RESOURCE_TAGS = ['sites', 'stations', 'plans', 'vehicles', 'targets', 'sessions', 'decisions', 'live'];
/** The resource API's operations (the auth routes document their own statuses: login has no 403). */
const apiOps = () => Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/v1/'))
  .flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => ({ id: `${m.toUpperCase()} ${path}`, op })))
  .filter(({ op }) => op.tags?.some((t) => RESOURCE_TAGS.includes(t)));

describe('the OpenAPI document', () => {
  it('lists every route the app serves, and only those', () => {
    expect(documented()).toEqual(servedRoutes());
    expect(servedRoutes()).toEqual(expect.arrayContaining([
      'GET /api/v1/sites', 'GET /api/v1/sites/{siteId}', 'GET /api/v1/sites/{siteId}/stations', 'GET /api/v1/sites/{siteId}/plan',
      'GET /api/v1/sites/{siteId}/prices', 'GET /api/v1/sites/{siteId}/vehicles', 'GET /api/v1/sites/{siteId}/decisions',
      'GET /api/v1/vehicles', 'GET /api/v1/vehicles/{vehicleId}', 'PUT /api/v1/vehicles/{vehicleId}',
      'GET /api/v1/vehicles/{vehicleId}/target', 'PUT /api/v1/vehicles/{vehicleId}/target', 'DELETE /api/v1/vehicles/{vehicleId}/target/once',
      'PUT /api/v1/vehicles/{vehicleId}/boost', 'DELETE /api/v1/vehicles/{vehicleId}/boost',
      'POST /api/v1/targets/bulk', 'GET /api/v1/sessions', 'GET /api/v1/sessions.csv', 'GET /api/v1/live',
    ]));
  });

  it('gives every resource route tags, a summary, its path parameters and described responses', () => {
    expect(apiOps().length).toBeGreaterThanOrEqual(19);
    for (const { id, op } of apiOps()) {
      expect(op.tags?.length, id).toBeGreaterThan(0);
      expect(op.summary, id).toEqual(expect.any(String));
      for (const name of [...id.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        expect(op.parameters?.some((p) => p.in === 'path' && p.name === name), `${id} ${name}`).toBe(true);
      }
      for (const [status, r] of Object.entries(op.responses)) expect(r.description, `${id} ${status}`).not.toBe('Default Response');
    }
  });

  it('answers 401 and 403 on every API route with the shared Error schema, and 400 where input is validated', () => {
    for (const { id, op } of apiOps()) {
      for (const status of ['401', '403', ...(op.parameters?.length || op.requestBody ? ['400'] : [])]) {
        expect(op.responses[status]?.content?.['application/json']?.schema.$ref, `${id} ${status}`).toBe('#/components/schemas/Error');
      }
    }
    expect(doc.components.schemas.Error).toMatchObject({ required: ['code', 'message'], properties: { issues: { type: 'array' } } });
    // Issue 18: AUTH_INVALID's cases are told apart by a documented, optional `reason` (the code stays as it was).
    const reason = (doc.components.schemas.Error as { properties: Record<string, { type: string; description: string }> }).properties.reason;
    expect(reason?.type).toBe('string');
    for (const r of ['wrong-credentials', 'session-ended', 'token-invalid']) expect(reason?.description).toContain(r);
  });

  it('documents query strings, JSON bodies and the CSV upload', () => {
    const ops = Object.fromEntries(apiOps().map(({ id, op }) => [id, op]));
    expect(ops['GET /api/v1/sites/{siteId}/prices']!.parameters!.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['from', 'to']);
    expect(ops['GET /api/v1/sites/{siteId}/decisions']!.parameters!.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['limit', 'before']);
    expect(Object.keys(ops['POST /api/v1/targets/bulk']!.requestBody!.content)).toEqual(['application/json', 'text/csv']);
    expect(ops['POST /api/v1/targets/bulk']!.responses['422']).toBeDefined();
    expect(Object.keys(ops['PUT /api/v1/vehicles/{vehicleId}/target']!.requestBody!.content)).toEqual(['application/json']);
    expect(Object.keys(ops['GET /api/v1/live']!.responses['200']!.content!)).toEqual(['text/event-stream']);
    expect(Object.keys(ops['GET /api/v1/sessions.csv']!.responses['200']!.content!)).toEqual(['text/csv']);
    expect(ops['GET /api/v1/sessions.csv']!.parameters!.map((p) => p.name)).toEqual(['fleet', 'month']);
  });

  it('declares the bearer token and the session cookie', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      cookieAuth: { type: 'apiKey', in: 'cookie', name: 'cp_session' },
    });
    expect(doc.security).toEqual([{ bearerAuth: [] }, { cookieAuth: [] }]);
  });

  it('serves the reference page at /api/docs', async () => {
    let res = await app.inject({ url: '/api/docs' });
    for (let hops = 0; res.statusCode === 302 && hops < 3; hops++) res = await app.inject({ url: new URL(String(res.headers.location), 'http://x/api/docs/').pathname });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
