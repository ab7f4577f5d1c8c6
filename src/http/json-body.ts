import { setImmediate as nextTurn } from 'node:timers/promises';
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

/** Characters scanned between two turns of the event loop: ~1 ms each (issue 20, finding 6: a 4 MiB body took ~35 ms). */
const SCAN_SLICE = 512 * 1024;

/** A depth scan that can stop after any character and go on later (the state of one pass over the text). */
class DepthScan {
  depth = 0;
  deepest = 0;
  private inString = false;
  private escaped = false;

  /** Scans text[from, to); false once deeper than `max`. */
  scan(text: string, from: number, to: number, max: number): boolean {
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true; // backslash: the next character is escaped
        else if (c === 0x22) this.inString = false;
      } else if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) {
        if (++this.depth > this.deepest) this.deepest = this.depth;
        if (this.deepest > max) return false;
      } else if (c === 0x7d || c === 0x5d) this.depth--;
    }
    return true;
  }
}

/** The deepest nesting of objects and arrays in a JSON text, stopping early once past `max`. */
export function jsonDepth(text: string, max = Infinity): number {
  const d = new DepthScan();
  d.scan(text, 0, text.length, max);
  return d.deepest;
}

/** The same, a slice at a time with the event loop turning between slices (a body of several MiB). */
export async function jsonDepthYielding(text: string, max = Infinity): Promise<number> {
  const d = new DepthScan();
  for (let from = 0; from < text.length; from += SCAN_SLICE) {
    if (from > 0) await nextTurn();
    if (!d.scan(text, from, Math.min(text.length, from + SCAN_SLICE), max)) break;
  }
  return d.deepest;
}

export function installJsonBodyParser(app: FastifyInstance): void {
  // fastify's default JSON parser is the callback form (it calls `done` and returns nothing); its declared type is
  // the union of the callback and the promise form, which would read as a promise nobody awaits.
  const parse = app.getDefaultJsonParser('error', 'error') as (request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) => void;
  const tooDeep = () => new HttpError(400, 'REQUEST_INVALID', `body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, 'body');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.length <= SCAN_SLICE) {
      if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) done(tooDeep(), undefined);
      else parse(request, text, done);
      return;
    }
    // A large body (a year of tariffs, a bulk upload: up to 6 MiB): the scan in slices, then one JSON.parse, the one
    // step that cannot be cut (~40 ms for a year of quarter-hours, indented; bounded by the routes' body limits).
    jsonDepthYielding(text, MAX_JSON_DEPTH).then(
      (depth) => (depth > MAX_JSON_DEPTH ? done(tooDeep(), undefined) : parse(request, text, done)),
      (e: unknown) => done(e instanceof Error ? e : new Error(String(e)), undefined),
    );
  });
}
