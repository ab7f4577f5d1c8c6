import type { QuotedInterval, TimeWindow } from '../domain/prices.js';

/**
 * Puts a series onto the planning grid without losing money: each grid slot gets the time-weighted mean of the
 * prices it overlaps. With constant power inside a slot, cost = price x energy is then the same on either grid:
 * an hour price applies unchanged to its four quarters, and four quarters become their mean when the grid is
 * hourly (sum of price x duration is preserved exactly, see test/prices/resample.test.ts).
 *
 * Input intervals must not overlap (the store guarantees it); they may mix 15/30/60-minute lengths.
 * A slot not fully covered is returned as undefined: a partial slot would silently price the uncovered part at 0.
 */
export function resample(
  intervals: readonly QuotedInterval[],
  window: TimeWindow,
  stepMs: number,
): Array<QuotedInterval | undefined> {
  if (stepMs <= 0 || (window.end - window.start) % stepMs !== 0) {
    throw new RangeError(`window of ${window.end - window.start} ms is not a whole number of ${stepMs} ms steps`);
  }
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: Array<QuotedInterval | undefined> = [];
  let first = 0;
  for (let s = window.start; s < window.end; s += stepMs) {
    const e = s + stepMs;
    while (first < sorted.length && sorted[first]!.end <= s) first++;
    let covered = 0;
    let money = 0;
    let main: QuotedInterval | undefined;
    let mainOverlap = 0;
    let estimate = false;
    let oldest = Infinity;
    for (let i = first; i < sorted.length && sorted[i]!.start < e; i++) {
      const iv = sorted[i]!;
      const overlap = Math.min(e, iv.end) - Math.max(s, iv.start);
      if (overlap <= 0) continue;
      covered += overlap;
      money += iv.pricePerKwh * overlap;
      if (overlap > mainOverlap) [main, mainOverlap] = [iv, overlap];
      if (iv.kind === 'estimate') estimate = true;
      oldest = Math.min(oldest, iv.fetchedAt);
    }
    if (!main || covered < stepMs) {
      out.push(undefined);
      continue;
    }
    // Provenance of a mixed slot: the source covering most of it, the oldest fetch (the most conservative age),
    // and 'estimate' if any part is one, so an estimate is never passed off as final.
    const slot: QuotedInterval = {
      start: s,
      end: e,
      pricePerKwh: money / stepMs,
      source: main.source,
      fetchedAt: oldest,
      kind: estimate ? 'estimate' : 'final',
    };
    if (estimate && main.rule) slot.rule = main.rule;
    out.push(slot);
  }
  return out;
}
