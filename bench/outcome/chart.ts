import { DateTime } from 'luxon';
import type { PolicyResult } from './policies.js';
import { siteKw } from './metrics.js';
import type { Workload } from './workload.js';

/**
 * One day of the outcome benchmark as a picture: each policy's summed site power per slot against the grid limit
 * and the day-ahead price, so a reader sees at once who charges when it is cheap and who breaks the limit. A
 * self-contained SVG string (no scripts, fonts or libraries), so it can be written next to the bench's table and
 * opened anywhere.
 */
const W = 960;
const H = 420;
const M = { left: 56, right: 64, top: 40, bottom: 72 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
// Distinguishable for the common colour-vision deficiencies (Okabe-Ito), in result order.
const COLOURS = ['#E69F00', '#0072B2', '#009E73', '#CC79A7', '#D55E00', '#56B4E9'];
const PRICE_COLOUR = '#777777';
const LIMIT_COLOUR = '#C00000';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const n1 = (x: number) => (Math.round(x * 10) / 10).toString();

/** A tick step of 1, 2 or 5 times a power of ten giving about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag);
}

function axisRange(lo: number, hi: number): { lo: number; hi: number; step: number } {
  const span = hi - lo || Math.abs(hi) || 1;
  const step = niceStep(span, 5);
  return { lo: Math.floor(lo / step) * step, hi: Math.ceil(hi / step) * step, step };
}

/** A stepped line: each slot's value held across the slot; undefined breaks the line (no price, outside the grid). */
function steppedPath(values: ReadonlyArray<number | undefined>, x: (k: number) => number, y: (v: number) => number): string {
  let d = '';
  let open = false;
  values.forEach((v, k) => {
    if (v === undefined) return void (open = false);
    d += `${open ? 'L' : 'M'}${n1(x(k))},${n1(y(v))}H${n1(x(k + 1))}`;
    open = true;
  });
  return d;
}

/**
 * The day [dayStartMs, dayEndMs) (the site's local midnights; 100 slots on the 25-hour day) as an SVG: summed kW
 * per policy (left axis), the grid limit dashed, the price stepped (right axis, EUR/kWh), hour ticks in the site's
 * time zone, where the fall-back day shows 02 twice.
 */
export function dayChartSvg(w: Workload, results: readonly PolicyResult[], dayStartMs: number, dayEndMs: number): string {
  const { grid, site } = w;
  if (!(dayEndMs > dayStartMs) || (dayEndMs - dayStartMs) % grid.stepMs !== 0 || (dayStartMs - grid.startMs) % grid.stepMs !== 0) {
    throw new Error('dayChartSvg: the day must be a whole number of grid slots');
  }
  const n = (dayEndMs - dayStartMs) / grid.stepMs;
  const first = (dayStartMs - grid.startMs) / grid.stepMs;
  const inGrid = (k: number) => first + k >= 0 && first + k < grid.slots;
  const day = <T>(f: (t: number) => T): Array<T | undefined> => Array.from({ length: n }, (_, k) => (inGrid(k) ? f(first + k) : undefined));

  const kwSeries = results.map((r) => {
    const kw = siteKw(w, r);
    return day((t) => kw[t]!);
  });
  const price = day((t) => w.prices[t]!);
  const kwAxis = axisRange(0, Math.max(site.gridLimitKw, ...kwSeries.flat().map((v) => v ?? 0)) * 1.05);
  const known = price.filter((p): p is number => p !== undefined);
  const priceAxis = axisRange(Math.min(0, ...known), Math.max(0, ...known));

  const x = (k: number) => M.left + (k / n) * PLOT_W;
  const yKw = (v: number) => M.top + PLOT_H - ((v - kwAxis.lo) / (kwAxis.hi - kwAxis.lo)) * PLOT_H;
  const yPrice = (v: number) => M.top + PLOT_H - ((v - priceAxis.lo) / (priceAxis.hi - priceAxis.lo)) * PLOT_H;

  const out: string[] = [];
  const localDay = DateTime.fromMillis(dayStartMs, { zone: site.timeZone });
  const title = `${site.id}: site power by policy and day-ahead price, ${localDay.toISODate()} (${site.timeZone}, ${n} slots)`;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<title>${esc(title)}</title>`, `<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`);

  // Horizontal grid and both axes' labels.
  for (let v = kwAxis.lo; v <= kwAxis.hi + 1e-9; v += kwAxis.step) {
    out.push(`<line x1="${M.left}" x2="${M.left + PLOT_W}" y1="${n1(yKw(v))}" y2="${n1(yKw(v))}" stroke="#eeeeee"/>`);
    out.push(`<text x="${M.left - 6}" y="${n1(yKw(v) + 4)}" text-anchor="end">${n1(v)}</text>`);
  }
  for (let v = priceAxis.lo; v <= priceAxis.hi + 1e-12; v += priceAxis.step) {
    out.push(`<text x="${M.left + PLOT_W + 6}" y="${n1(yPrice(v) + 4)}" fill="${PRICE_COLOUR}">${Number(v.toPrecision(6))}</text>`);
  }
  out.push(`<text transform="translate(14 ${M.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">site kW (slot average)</text>`);
  out.push(`<text transform="translate(${W - 10} ${M.top + PLOT_H / 2}) rotate(90)" text-anchor="middle" fill="${PRICE_COLOUR}">EUR/kWh</text>`);

  // Hour ticks at every local hour start: on the 25-hour day the repeated 02 appears twice, as the clock shows it.
  for (let h = localDay.startOf('hour'); h.toMillis() < dayEndMs; h = h.plus({ hours: 1 })) {
    const ms = h.toMillis();
    if (ms < dayStartMs) continue;
    const px = n1(M.left + ((ms - dayStartMs) / (dayEndMs - dayStartMs)) * PLOT_W);
    out.push(`<line class="hour-tick" x1="${px}" x2="${px}" y1="${M.top + PLOT_H}" y2="${M.top + PLOT_H + 4}" stroke="#000000"/>`);
    out.push(`<text x="${px}" y="${M.top + PLOT_H + 16}" text-anchor="middle">${h.toFormat('HH')}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#000000"/>`);

  out.push(`<path class="price" d="${steppedPath(price, x, yPrice)}" fill="none" stroke="${PRICE_COLOUR}" stroke-width="1"/>`);
  kwSeries.forEach((s, i) => {
    out.push(`<path class="policy" d="${steppedPath(s, x, yKw)}" fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.6"/>`);
  });
  const yLimit = n1(yKw(site.gridLimitKw));
  out.push(`<line class="limit" x1="${M.left}" x2="${M.left + PLOT_W}" y1="${yLimit}" y2="${yLimit}" stroke="${LIMIT_COLOUR}" stroke-dasharray="6 4"/>`);

  // Legend under the axis: one entry per policy, then the limit and the price.
  const entries = [
    ...results.map((r, i) => ({ label: r.name, colour: COLOURS[i % COLOURS.length]!, dash: '' })),
    { label: `grid limit ${n1(site.gridLimitKw)} kW`, colour: LIMIT_COLOUR, dash: ' stroke-dasharray="6 4"' },
    { label: 'day-ahead price', colour: PRICE_COLOUR, dash: '' },
  ];
  const legendY = H - 22;
  let lx = M.left;
  for (const e of entries) {
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${legendY}" y2="${legendY}" stroke="${e.colour}" stroke-width="2"${e.dash}/>`);
    out.push(`<text x="${lx + 28}" y="${legendY + 4}">${esc(e.label)}</text>`);
    lx += 40 + e.label.length * 6.5;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
