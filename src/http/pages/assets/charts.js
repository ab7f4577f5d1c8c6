// The plan chart (uPlot): planned power per slot as bars over the price as a stepped line, the price's parts
// (energy, grid fees, taxes, VAT) stacked underneath, and on the fleet chart the site limit as a line. Slots may
// differ in length (the first is often partial), so the bars are drawn from each slot's start to the next.
// Times on the axis and in the legend are in the site's zone and the page's language (i18n.js).

import { locale, t } from './i18n.js';
import { axisLabels, dateTime, dayTime, kw, perKwh, spansDays, time } from './format.js';

/** Axis numbers in the page's language ("0,25" in Danish), without grouping: ticks are short. */
const AXIS_KW = new Intl.NumberFormat(locale, { maximumFractionDigits: 1, useGrouping: false });
const AXIS_PRICE = new Intl.NumberFormat(locale, { maximumFractionDigits: 2, useGrouping: false });

// uPlot's minified build (51 kB against 145 kB for its ES module), loaded by the page as a classic deferred
// script before this module runs (both run in document order after parsing).
const uPlot = globalThis.uPlot;

const charts = new WeakMap();

function color(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Bars from x[i] to x[i+1] with a small gap, in canvas pixels. */
function slotBars(u, seriesIdx, idx0, idx1) {
  const xs = u.data[0];
  const ys = u.data[seriesIdx];
  const scale = u.series[seriesIdx].scale;
  const path = new Path2D();
  const base = u.valToPos(0, scale, true);
  for (let i = idx0; i <= idx1 && i + 1 < xs.length; i++) {
    const v = ys[i];
    if (v == null || v <= 0) continue;
    const a = u.valToPos(xs[i], 'x', true);
    const b = u.valToPos(xs[i + 1], 'x', true);
    const gap = Math.min(2 * uPlot.pxRatio, (b - a) * 0.15);
    const top = u.valToPos(v, scale, true);
    path.rect(a + gap / 2, top, Math.max(1, b - a - gap), base - top);
  }
  return { stroke: path, fill: path };
}

const stepped = uPlot.paths.stepped({ align: 1 });

/** Appends the end of the last slot so that steps and bars reach it. */
const withEnd = (values) => [...values, values.length ? values[values.length - 1] : null];

/**
 * Draws (or redraws) the chart in `el`.
 * spec: { startsMs: number[], endMs, powerKw: number[]|null (null: prices only), prices: ({total, energy, gridFees, taxes, vat}|null)[],
 *         currency, timeZone, limitKw?: number[], departureMs?: number, parts?: boolean, powerLabel?: string }
 */
export function planChart(el, spec) {
  const { startsMs, endMs, currency, timeZone } = spec;
  const x = [...startsMs, endMs].map((ms) => ms / 1000);
  const price = (key) => withEnd(spec.prices.map((p) => (p && p[key] != null ? p[key] : null)));
  const energy = price('energy');
  const grid = price('gridFees');
  const taxes = price('taxes');
  const vat = price('vat');
  const total = price('total');
  const sum = (...arrays) => arrays[0].map((_, i) => (arrays.some((a) => a[i] == null) ? null : arrays.reduce((s, a) => s + a[i], 0)));
  const gridCum = sum(energy, grid);
  const taxCum = sum(energy, grid, taxes);
  const hasVat = vat.some((v) => v);
  const showParts = spec.parts !== false;
  // Parts are drawn when the tariff has any besides energy (a bare market price has nothing to stack).
  const partsKnown = energy.some((v) => v != null) && [grid, taxes, vat].some((a) => a.some((v) => v));

  const priceValue = (raw) => (u, _v, _s, i) => (i == null || raw[i] == null ? '—' : perKwh(raw[i], currency));
  const part = (label, values, raw, fill) => ({
    label,
    scale: 'price',
    paths: stepped,
    fill,
    stroke: fill,
    width: 0,
    points: { show: false },
    show: showParts,
    value: priceValue(raw),
    _data: values,
  });

  const series = [
    { label: t('chart.time'), value: (u, v) => (v == null ? '—' : dateTime(v * 1000, timeZone)) },
  ];
  if (partsKnown) {
    if (hasVat) series.push(part(t('chart.vat'), total, vat, color('--c-vat', '#e5e7eb')));
    series.push(part(t('chart.taxes'), taxCum, taxes, color('--c-taxes', '#e9d5ff')));
    series.push(part(t('chart.gridFees'), gridCum, grid, color('--c-grid', '#fde68a')));
    series.push(part(t('chart.energy'), energy, energy, color('--c-energy', '#dbeafe')));
  }
  series.push({
    label: t('chart.price'),
    scale: 'price',
    paths: stepped,
    stroke: color('--c-price', '#b45309'),
    width: 2,
    points: { show: false },
    value: priceValue(total),
    _data: total,
  });
  if (spec.powerKw) series.push({
    label: spec.powerLabel || t('chart.plannedPower'),
    scale: 'kW',
    paths: slotBars,
    fill: color('--c-power', '#0f766e'),
    stroke: color('--c-power', '#0f766e'),
    width: 0,
    points: { show: false },
    value: (u, v) => (v == null ? '—' : kw(v)),
    _data: withEnd(spec.powerKw),
  });
  if (spec.limitKw) {
    series.push({
      label: t('chart.siteLimit'),
      scale: 'kW',
      paths: stepped,
      stroke: color('--c-limit', '#dc2626'),
      width: 2,
      dash: [6, 4],
      points: { show: false },
      value: (u, v) => (v == null ? '—' : kw(v)),
      _data: withEnd(spec.limitKw),
    });
  }
  const data = [x, ...series.slice(1).map((s) => s._data)];
  for (const s of series) delete s._data;

  const axisColor = color('--c-text-muted', '#4b5563');
  const gridColor = color('--c-rule', '#e5e7eb');
  const axisFont = '12px system-ui, sans-serif';
  const depSec = spec.departureMs != null ? spec.departureMs / 1000 : null;
  const days = spansDays(startsMs[0], endMs, timeZone);

  const opts = {
    width: Math.max(280, el.clientWidth),
    height: el.clientWidth > 700 ? 300 : 240,
    // Split the time axis at the site's local hours, not the browser's.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone),
    scales: {
      x: { time: true },
      kW: { range: (u, min, max) => [0, Math.max(1, (max || 0) * 1.1)] },
      price: { range: (u, min, max) => [Math.min(0, min ?? 0), Math.max(0.01, (max ?? 0) * 1.15)] },
    },
    series,
    axes: [
      {
        stroke: axisColor,
        font: axisFont,
        grid: { stroke: gridColor, width: 1 },
        ticks: { stroke: gridColor },
        space: days ? 76 : 60,
        // A chart over midnight names the day at its first tick and at each new day (site zone); others the time.
        values: (u, splits) => {
          const labels = axisLabels(splits.map((s) => s * 1000), timeZone, days);
          // uPlot draws the labels on a canvas: the same words on the element, for the browser tests to read.
          el.dataset.timeAxis = labels.join(' | ');
          return labels;
        },
      },
      spec.powerKw && {
        scale: 'kW',
        label: 'kW',
        stroke: axisColor,
        font: axisFont,
        labelFont: axisFont,
        grid: { stroke: gridColor, width: 1 },
        ticks: { stroke: gridColor },
        size: 44,
        values: (u, splits) => splits.map((v) => AXIS_KW.format(v)),
      },
      {
        scale: 'price',
        label: `${currency}/kWh`,
        side: 1,
        stroke: axisColor,
        font: axisFont,
        labelFont: axisFont,
        grid: { show: false },
        ticks: { stroke: gridColor },
        size: 52,
        values: (u, splits) => splits.map((v) => AXIS_PRICE.format(v)),
      },
    ].filter(Boolean),
    legend: { live: true },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    hooks: {
      draw: [
        (u) => {
          if (depSec == null) return;
          const px = u.valToPos(depSec, 'x', true);
          if (px < u.bbox.left || px > u.bbox.left + u.bbox.width) return;
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = color('--c-text', '#111827');
          ctx.fillStyle = color('--c-text', '#111827');
          ctx.lineWidth = uPlot.pxRatio;
          ctx.setLineDash([3 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
          ctx.beginPath();
          ctx.moveTo(px, u.bbox.top);
          ctx.lineTo(px, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.font = `${12 * uPlot.pxRatio}px system-ui, sans-serif`;
          ctx.textAlign = 'right';
          ctx.fillText(t('chart.leave'), px - 4 * uPlot.pxRatio, u.bbox.top + 12 * uPlot.pxRatio);
          ctx.restore();
        },
      ],
    },
  };

  const old = charts.get(el);
  if (old) {
    old.observer.disconnect();
    old.chart.destroy();
  }
  el.textContent = '';
  const chart = new uPlot(opts, data, el);
  const observer = new ResizeObserver(() => {
    const width = Math.max(280, el.clientWidth);
    if (width !== chart.width) chart.setSize({ width, height: width > 700 ? 300 : 240 });
  });
  observer.observe(el);
  charts.set(el, { chart, observer });
  return chart;
}

/** A sentence for screen readers and the caption: when it charges and what the prices do. */
export function describePlan({ startsMs, endMs, powerKw, prices, currency, timeZone }) {
  const totals = prices.map((p) => (p ? p.total : null)).filter((v) => v != null);
  const range = totals.length ? t('chart.range', { low: perKwh(Math.min(...totals), currency), high: perKwh(Math.max(...totals), currency) }) : t('chart.noPrices');
  if (!powerKw) return t('chart.pricesUntil', { until: dateTime(endMs, timeZone), range });
  // Over midnight a bare "02:00" could be either night: the day goes with each time.
  const clock = spansDays(startsMs[0], endMs, timeZone) ? dayTime : time;
  // Runs of consecutive slots with power: "02:00–03:00".
  const runs = [];
  powerKw.forEach((p, i) => {
    if (!(p > 0)) return;
    const last = runs[runs.length - 1];
    if (last && last.to === i) last.to = i + 1;
    else runs.push({ from: i, to: i + 1 });
  });
  if (!runs.length) return t('chart.nothingPlanned', { from: clock(startsMs[0], timeZone), to: clock(endMs, timeZone), range });
  const at = (i) => clock(startsMs[i] ?? endMs, timeZone);
  const shown = runs.slice(0, 4).map((r) => t('chart.run', { from: at(r.from), to: at(r.to) }));
  if (runs.length > 4) shown.push(t('chart.more', { count: runs.length - 4 }));
  const peak = Math.max(...powerKw);
  // A list in the page's language ("a, b, c"), not joined by hand.
  const list = new Intl.ListFormat(locale, { type: 'unit', style: 'short' }).format(shown);
  return t('chart.charges', { runs: list, peak: kw(peak), range });
}
