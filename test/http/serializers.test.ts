/**
 * Response serializers compiled once per schema in the process (src/http/serializers.ts): a second app reuses the
 * first one's, a different schema or shared schema gets its own, and what goes out is what fastify's own serializer
 * writes (fields outside the schema dropped, types as declared).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedSerializerCount, cachedSerializers } from '../../src/http/serializers.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function appWith(response: object, shared?: object): Promise<FastifyInstance> {
  const app = Fastify({ schemaController: { compilersFactory: { buildSerializer: cachedSerializers() } } });
  apps.push(app);
  if (shared) app.addSchema(shared);
  app.get('/x', { schema: { response: { 200: response } } }, async () => ({ id: 7, name: 'Van 1', secret: 'not listed' }));
  await app.ready();
  return app;
}

// A title no other test's schema has, so the counts below are this file's alone.
const unique = `serializers.test ${process.pid} ${Date.now()}`;

describe('response serializers shared between apps', () => {
  it('compiles a schema once, for every app of the process', async () => {
    const schema = { title: unique, type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } };
    const before = cachedSerializerCount();
    const a = await appWith(schema);
    expect(cachedSerializerCount()).toBe(before + 1);
    const b = await appWith(structuredClone(schema));
    expect(cachedSerializerCount()).toBe(before + 1);
    for (const app of [a, b]) expect((await app.inject({ url: '/x' })).body).toBe('{"id":7,"name":"Van 1"}');
  });

  it('a different schema gets its own serializer', async () => {
    const before = cachedSerializerCount();
    const a = await appWith({ title: `${unique} a`, type: 'object', properties: { id: { type: 'integer' } } });
    const b = await appWith({ title: `${unique} a`, type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } });
    expect(cachedSerializerCount()).toBe(before + 2);
    expect((await a.inject({ url: '/x' })).body).toBe('{"id":7}');
    expect((await b.inject({ url: '/x' })).body).toBe('{"id":"7","name":"Van 1"}');
  });

  it('a shared schema the response refers to is part of the key', async () => {
    const response = { title: `${unique} ref`, $ref: 'van#' };
    const a = await appWith(response, { $id: 'van', type: 'object', properties: { id: { type: 'integer' } } });
    const b = await appWith(response, { $id: 'van', type: 'object', properties: { name: { type: 'string' } } });
    expect((await a.inject({ url: '/x' })).body).toBe('{"id":7}');
    expect((await b.inject({ url: '/x' })).body).toBe('{"name":"Van 1"}');
  });
});
