// What the server wrote for people (plan notes, shortfall reasons, decisions), said in the page's language (issue 18,
// languages). The server keeps its English text and sends beside it a phrase: a stable message id and its values
// (src/domain/phrases.ts). The catalog's `server.<id>` message says it here; an id the catalog lacks (a newer server,
// a plan stored before there were ids) falls back to the server's English text. Values are shown by their names'
// convention: `...Kwh`/`...Kw` with the unit, `...At` in the site's zone, `...Price` per kWh, `cost` as money,
// `triggers` as words, everything else as it is (numbers stay numbers for the catalogs' plurals).
import * as f from './format.js';
import { has, locale, t } from './i18n.js';

const list = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' });

/** An instant as a time in the site's zone, with the weekday unless it is within the day after `now` (as the server says it). */
function when(iso, zone, now) {
  const ms = Date.parse(iso);
  return Math.abs(ms - now) < 24 * 3_600_000 ? f.time(iso, zone) : f.dayTime(iso, zone);
}

function shown(name, value, params, ctx) {
  if (typeof value === 'number' && /Kwh$|^kwh$/.test(name)) return f.kwh(value);
  if (typeof value === 'number' && /Kw$/.test(name)) return f.kw(value);
  if (typeof value === 'number' && /Price$|^price$/.test(name)) return f.perKwh(value, ctx.currency || params.currency || 'EUR');
  if (typeof value === 'number' && name === 'cost') return f.money(value, params.currency || ctx.currency || 'EUR');
  if (typeof value === 'string' && /At$/.test(name)) return when(value, ctx.zone, ctx.now ?? Date.now());
  if (name === 'triggers') return list.format(String(value).split(',').filter(Boolean).map((x) => (has(`server.trigger.${x}`) ? t(`server.trigger.${x}`) : x.replace(/-/g, ' '))));
  return value;
}

/** Whether the page can say this phrase in its own language. */
export const known = (p) => Boolean(p && typeof p.id === 'string' && has(`server.${p.id}`));

/**
 * The phrase in the page's language, else `fallback` (the server's English). ctx: { zone, currency, now } (now: the
 * instant a time is compared with for "today", default the browser's clock).
 */
export function say(p, fallback, ctx = {}) {
  if (!known(p)) return fallback == null ? '' : String(fallback);
  const params = p.params || {};
  const values = {};
  for (const [name, value] of Object.entries(params)) values[name] = shown(name, value, params, ctx);
  return t(`server.${p.id}`, values);
}

/** A sentence that is said by its stable code ("server.error.<CODE>"), else null. */
export const byCode = (kind, code) => (code && has(`server.${kind}.${code}`) ? t(`server.${kind}.${code}`) : null);
