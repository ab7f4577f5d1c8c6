/**
 * The frame depth limit (src/ocpp/rpc/frames.ts, MAX_FRAME_DEPTH) against the official schemas, and the text scan
 * that enforces it before JSON.parse.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_FRAME_DEPTH, parseFrame, textNestsDeeperThan, FrameError } from '../../src/ocpp/rpc/frames.js';

type Schema = { $ref?: string; type?: string; properties?: Record<string, Schema>; items?: Schema; definitions?: Record<string, Schema> };

/** Deepest instance a schema allows, counting each object and array as one level; free-form values count 0. */
function schemaDepth(root: Schema): number {
  const resolve = (ref: string) => ref.split('/').slice(1).reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, root as Record<string, unknown>) as Schema;
  const depth = (node: Schema, seen: ReadonlySet<string>): number => {
    if (node.$ref) {
      if (seen.has(node.$ref)) return Infinity;
      return depth(resolve(node.$ref), new Set([...seen, node.$ref]));
    }
    if (node.type === 'object' || node.properties) {
      return 1 + Math.max(0, ...Object.values(node.properties ?? {}).map((p) => depth(p, seen)));
    }
    if (node.type === 'array') return 1 + depth(node.items ?? {}, seen);
    return 0;
  };
  return depth(root, new Set());
}

describe('MAX_FRAME_DEPTH', () => {
  it('is far beyond the deepest official OCPP 2.0.1 schema (ReportChargingProfilesRequest, 13 levels + the frame)', () => {
    const dir = new URL('../../src/ocpp/schemas/json/', import.meta.url);
    const depths = readdirSync(dir).filter((f) => f.endsWith('.json'))
      .map((f) => [f, schemaDepth(JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Schema)] as const);
    expect(depths.length).toBe(128);
    const deepest = depths.reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(deepest).toEqual(['ReportChargingProfilesRequest.json', 13]);
    // The frame's own array adds one level; the rest is headroom for DataTransfer's free-form data.
    expect(deepest[1] + 1).toBeLessThan(MAX_FRAME_DEPTH / 2);
  });
});

describe('textNestsDeeperThan', () => {
  it('counts brackets outside strings only, escaped quotes included', () => {
    expect(textNestsDeeperThan('[[[]]]', 3)).toBe(false);
    expect(textNestsDeeperThan('[[[[]]]]', 3)).toBe(true);
    expect(textNestsDeeperThan('[{"a":{"b":[1]}}]', 4)).toBe(false);
    expect(textNestsDeeperThan('[{"a":{"b":[{}]}}]', 4)).toBe(true);
    expect(textNestsDeeperThan(JSON.stringify(['[[[[[[', '\\"[[[[', '{{{{\\\\']), 1)).toBe(false);
    expect(textNestsDeeperThan(JSON.stringify(['\\', [[]]]), 2)).toBe(true);
  });

  it('a frame too deep to parse still gets its message id answered, or -1', () => {
    const deep = `${'['.repeat(40)}${']'.repeat(40)}`;
    const refused = (text: string) => {
      try {
        parseFrame(text);
      } catch (err) {
        if (err instanceof FrameError) return [err.code, err.id, err.isReply];
      }
      return null;
    };
    expect(refused(`[2, "m-1", "DataTransfer", {"vendorId": "v", "data": ${deep}}]`)).toEqual(['FormatViolation', 'm-1', false]);
    expect(refused(`[3, "m-2", ${deep}]`)).toEqual(['FormatViolation', 'm-2', true]);
    expect(refused(deep)).toEqual(['FormatViolation', '-1', false]);
  });
});
