/**
 * The JSON body's depth scan (issue 20: 4xx on deep JSON) runs a slice at a time for large bodies, so that a 4-6 MiB
 * upload does not hold the event loop for the whole scan (finding 6). Sliced or not, it must count the same: strings
 * (with escaped quotes and brackets inside) cut anywhere by a slice boundary, and nesting deep only at the very end.
 */
import { describe, expect, it } from 'vitest';
import { jsonDepth, jsonDepthYielding, MAX_JSON_DEPTH } from '../../src/http/json-body.js';

const SLICE = 512 * 1024;

describe('the JSON depth scan, sliced', () => {
  it('counts what the one-pass scan counts, whatever a slice boundary cuts', async () => {
    // Strings full of brackets and escaped quotes and backslashes, shifted so that boundaries fall everywhere in them.
    const tricky = JSON.stringify({ s: '[[{"\\\\\\"}]]'.repeat(10), n: [[[1]]] });
    for (let pad = 0; pad < 40; pad++) {
      const text = `[${' '.repeat(SLICE - pad)}${Array.from({ length: 2_000 }, () => tricky).join(',')}]`;
      expect(await jsonDepthYielding(text)).toBe(jsonDepth(text));
      expect(jsonDepth(text)).toBe(5); // the array, the object, n's three arrays
    }
  });

  it('finds a body nested too deep at its end, beyond the first slices', async () => {
    const deepAtEnd = `{"pad":"${'x'.repeat(3 * SLICE)}","deep":${'['.repeat(1_000)}${']'.repeat(1_000)}}`;
    expect(await jsonDepthYielding(deepAtEnd, MAX_JSON_DEPTH)).toBeGreaterThan(MAX_JSON_DEPTH);
    expect(await jsonDepthYielding(`${'['.repeat(4 * SLICE)}`, MAX_JSON_DEPTH)).toBe(MAX_JSON_DEPTH + 1);
  });
});
