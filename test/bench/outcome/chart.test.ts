import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { dayChartSvg } from '../../../bench/outcome/chart.js';
import { runOffline } from '../../../bench/outcome/offline.js';
import { Q, T0, realWorkload, threeCars } from './small.js';

const count = (svg: string, re: RegExp) => (svg.match(re) ?? []).length;
const tickLabels = (svg: string) => [...svg.matchAll(/<line class="hour-tick"[^>]*\/>\n<text[^>]*>(\d\d)<\/text>/g)].map((m) => m[1]);

describe('dayChartSvg', () => {
  it('draws each policy, the dashed limit and the stepped price as one self-contained, well-formed SVG', () => {
    const w = threeCars();
    const svg = dayChartSvg(w, runOffline(w), T0, T0 + 8 * Q);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    // Nothing fetched or run: no scripts, links or external references.
    expect(svg).not.toMatch(/<script|href=|url\(|@import/);
    expect(count(svg, /class="policy"/g)).toBe(4);
    expect(count(svg, /class="price"/g)).toBe(1);
    expect(svg).toMatch(/class="limit"[^>]*stroke-dasharray/);
    for (const name of ['uncontrolled (no limit)', 'first come, first served', 'greedy', 'hindsight', 'grid limit 11 kW', 'day-ahead price']) expect(svg).toContain(`>${name}</text>`);
    // 2025-01-06T00:00Z is 01:00 in Copenhagen: ticks at 01 and 02 local.
    expect(tickLabels(svg)).toEqual(['01', '02']);
    expect(svg).toContain('<title>test: site power by policy and day-ahead price, 2025-01-06 (Europe/Copenhagen, 8 slots)</title>');
  });

  it('holds each slot\'s value across the slot: the uncontrolled 22 kW first slot is one flat step', () => {
    const w = threeCars();
    const [u] = runOffline(w);
    const svg = dayChartSvg(w, [u!], T0, T0 + 8 * Q);
    const d = /class="policy" d="([^"]+)"/.exec(svg)![1]!;
    // M x0,y(22) H x1, then down to y(11) for slot 1: 8 steps, one move.
    expect(count(d, /M/g)).toBe(1);
    expect(count(d, /H/g)).toBe(8);
  });

  it('escapes names and leaves slots outside the grid blank', () => {
    const w = threeCars();
    const [u] = runOffline(w);
    const svg = dayChartSvg(w, [{ ...u!, name: 'a<b & "c"' }], T0 - 4 * Q, T0 + 12 * Q);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('a&#60;b &#38; &#34;c&#34;');
    const d = /class="price" d="([^"]+)"/.exec(svg)![1]!;
    expect(count(d, /H/g)).toBe(8);
  });

  it('shows the 25-hour day 2025-10-26 with its 100 slots and 02 twice on the clock', () => {
    const w = realWorkload();
    const svg = dayChartSvg(w, runOffline(w), Date.parse('2025-10-25T22:00:00Z'), Date.parse('2025-10-26T23:00:00Z'));
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('2025-10-26 (Europe/Copenhagen, 100 slots)');
    const labels = tickLabels(svg);
    expect(labels).toHaveLength(25);
    expect(labels.slice(0, 5)).toEqual(['00', '01', '02', '02', '03']);
    expect(svg).toContain('>grid limit 40 kW</text>');
  });

  it('refuses a day that is not whole grid slots', () => {
    const w = threeCars();
    expect(() => dayChartSvg(w, [], T0 + 60_000, T0 + 8 * Q)).toThrow('whole number of grid slots');
    expect(() => dayChartSvg(w, [], T0, T0)).toThrow('whole number of grid slots');
  });
});
