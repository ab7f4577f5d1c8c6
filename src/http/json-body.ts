import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/**
 * JSON bodies: fastify's own parser (which refuses `__proto__` and `constructor.prototype` keys with 400, no
 * prototype pollution) behind a depth check (issue 20: 4xx on deep JSON). No body of ours nests deeper than a few
 * levels (an OpenADR event: event, intervals, interval, payloads, payload, values), so 32 is generous; a body nested
 * thousands deep is refused before anything parses, walks, validates or logs it, where a recursive walk could
 * overflow the stack or hold the event loop. The scan is one linear pass over the text.
 */
export const MAX_JSON_DEPTH = 32;
/** fastify's default, stated: routes that take files (bulk targets, tariffs) set their own larger limits. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The deepest nesting of objects and arrays in a JSON text, stopping early once past `max`. */
export function jsonDepth(text: string, max = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) deepest = depth;
      if (deepest > max) return deepest;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

export function installJsonBodyParser(app: FastifyInstance): void {
  // fastify's default JSON parser is the callback form (it calls `done` and returns nothing); its declared type is
  // the union of the callback and the promise form, which would read as a promise nobody awaits.
  const parse = app.getDefaultJsonParser('error', 'error') as (request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) => void;
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      done(new HttpError(400, 'REQUEST_INVALID', `body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, 'body'), undefined);
      return;
    }
    parse(request, text, done);
  });
}
