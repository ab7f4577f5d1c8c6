// The site plan as a table (issue 18: every chart has a table alternative): per slot its start (with the day's name
// when the plan crosses midnight in the site's zone), the power planned for all cars, the site limit and the price.
// The same numbers the chart draws (fleet.js hands over the chart's spec), for screen readers and for reading exact
// values; inside a <details> in the fleet view, in a named, focusable region so that a keyboard can scroll it.
import * as f from './format.js';
import { el } from './dom.js';

/** Fills `table`'s body from the chart's spec (startsMs, endMs, powerKw, limitKw, prices, currency, timeZone), or empties it. */
export function renderPlanTable(table, spec) {
  const body = table.tBodies[0];
  if (!spec) {
    body.replaceChildren();
    return;
  }
  const { startsMs, endMs, powerKw, limitKw, prices, currency, timeZone } = spec;
  const spans = f.spansDays(startsMs[0], endMs, timeZone);
  const when = (ms) => (spans ? f.dayTime(ms, timeZone) : f.time(ms, timeZone));
  body.replaceChildren(
    ...startsMs.map((start, i) => {
      const kw = powerKw[i] ?? 0;
      const limit = limitKw ? limitKw[i] : null;
      const price = prices[i] || {};
      return el(
        'tr',
        { class: kw > 0 ? 'on' : '', dataset: { slot: new Date(start).toISOString() } },
        el('th', { scope: 'row', class: 'nowrap' }, when(start)),
        el('td', { class: 'num planned' }, f.number(kw, 1)),
        el('td', { class: 'num limit' }, limit == null ? '—' : f.number(limit, 1)),
        el('td', { class: 'num price' }, f.perKwh(price.total, currency)),
      );
    }),
  );
}
