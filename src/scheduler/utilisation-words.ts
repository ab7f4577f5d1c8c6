/**
 * The plain sentence about a site's saturation (issue 17): "All 20 chargers were taken 14 % of weekday evenings
 * (17:00–22:00); 6 cars found none." The busiest of the named windows (utilisation-calendar.ts) is the one spoken of.
 */
import { inWindow, WINDOWS, type WindowId } from './utilisation-calendar.js';

/** From this share of a window with every EVSE taken, a site is called saturated (or when any driver found none). */
export const SATURATED_FROM = 0.05;

export interface Saturation {
  saturated: boolean;
  /** The busiest window and the share of its measured time with every EVSE taken. */
  window: WindowId | null;
  allTakenShare: number;
  sentence: string;
}

const percent = (x: number) => {
  const p = x * 100;
  return `${p >= 10 || p === 0 ? Math.round(p) : p.toFixed(1)} %`;
};
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function saturation(evses: number, heat: { hours: number[]; allTakenH: number[] }, foundNone: number): Saturation {
  let best: { id: WindowId; words: string; share: number } | null = null;
  for (const w of WINDOWS) {
    let hours = 0;
    let taken = 0;
    for (let k = 0; k < 168; k++) {
      if (!inWindow(w, k)) continue;
      hours += heat.hours[k]!;
      taken += heat.allTakenH[k]!;
    }
    if (hours <= 0) continue;
    const share = taken / hours;
    if (!best || share > best.share) best = { id: w.id, words: w.words, share };
  }
  const share = best?.share ?? 0;
  const chargers = evses === 1 ? 'The only charger was' : `All ${evses} chargers were`;
  const none = foundNone > 0 ? `; ${plural(foundNone, 'car', 'cars')} found none` : '';
  if (evses === 0 || !best) return { saturated: false, window: null, allTakenShare: 0, sentence: 'Nothing was measured in this period.' };
  if (share >= SATURATED_FROM || foundNone > 0) {
    return { saturated: true, window: best.id, allTakenShare: Math.round(share * 1e6) / 1e6, sentence: `${chargers} taken ${percent(share)} of ${best.words}${none}.` };
  }
  const sentence = share > 0
    ? `Not saturated: at least one charger was free nearly all the time (all taken at most ${percent(share)} of ${best.words}).`
    : 'Not saturated: at least one charger was always free.';
  return { saturated: false, window: best.id, allTakenShare: Math.round(share * 1e6) / 1e6, sentence };
}
