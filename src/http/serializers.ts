import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type Factory = SerializerSelector.SerializerFactory;
type Serializer = SerializerSelector.Serializer;

/**
 * fastify compiles a response serializer (fast-json-stringify, an Ajv of its own per route) for every route and
 * status at start-up: about 40 % of an app's build, ~1 s of CPU for this API. The code it generates depends only on
 * the response schema, the shared schemas it may `$ref` and the serializer options, so one compile per distinct
 * schema serves every app this process builds: a node restarted in-process, the nodes of a cluster test, and the
 * test suite, which builds hundreds of apps in one worker process.
 *
 * The cache lives on `globalThis` under a registered symbol so that copies of this module share it (vitest evaluates
 * the project's modules once per test file in the same process). It holds one entry per distinct schema: bounded by
 * the routes the code declares. Serializers are pure functions of their input; sharing them shares no state.
 */
const KEY = Symbol.for('chargeplan.http.response-serializers');
const cache: Map<string, Serializer> = ((globalThis as Record<symbol, Map<string, Serializer> | undefined>)[KEY] ??= new Map());

export function cachedSerializers(): Factory {
  const build = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    const context = JSON.stringify([externalSchemas ?? null, options ?? null]);
    return (route) => {
      const key = `${context}\n${JSON.stringify(route.schema ?? null)}`;
      let serializer = cache.get(key);
      if (!serializer) {
        serializer = compile(route);
        cache.set(key, serializer);
      }
      return serializer;
    };
  };
}

/** How many serializers the process holds (tests). */
export function cachedSerializerCount(): number {
  return cache.size;
}
