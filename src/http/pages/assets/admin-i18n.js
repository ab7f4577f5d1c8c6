// The operator pages' words (issue 18, languages): the admin pages, the station page, utilisation and the vehicles
// page read their own catalog, /assets/i18n-admin/<language>.json (the file their server-rendered shells are made
// from too, pages/admin-messages.ts), beside the common one i18n.js loads. A key not found here is the common
// catalog's ("Save", the layout's words). Same library, same locale: the page's <html lang>.
import { IntlMessageFormat } from './vendor/intl-messageformat.iife.js';
import { language, locale, parts as commonParts, t as common } from './i18n.js';

export { language, locale };

async function load(lang) {
  const res = await fetch(`/assets/i18n-admin/${lang}.json`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`The page's words (${lang}) could not be loaded: ${res.status}`);
  return res.json();
}

const messages = await load(language);
const compiled = new Map();

/** Whether this catalog has the key (words chosen by a value the server sends: a status, a kind). */
export const has = (key) => Object.hasOwn(messages, key);

/** t('sites.title'), t('sites.saved', { id }): the message in the page's language. */
export function t(key, values) {
  if (!has(key)) return common(key, values);
  let m = compiled.get(key);
  if (!m) {
    m = new IntlMessageFormat(messages[key], locale);
    compiled.set(key, m);
  }
  return String(m.format(values));
}

/** A message with elements ("make one on the <link>Tariffs</link> page"), as strings and nodes for el()/append. */
export function parts(key, values) {
  if (!has(key)) return commonParts(key, values);
  const out = new IntlMessageFormat(messages[key], locale).format(values);
  return Array.isArray(out) ? out.flat() : [out];
}

const nf = new Map();
/** A number in the page's locale ("22,5"), "—" for none. */
export function num(v, digits = 1) {
  if (v == null || Number.isNaN(v)) return '—';
  let f = nf.get(digits);
  if (!f) nf.set(digits, (f = new Intl.NumberFormat(locale, { maximumFractionDigits: digits })));
  return f.format(v);
}

const fixedNf = new Map();
/** A number with exactly `digits` decimals in the page's locale ("0,2512"). */
export function fixed(v, digits) {
  let f = fixedNf.get(digits);
  if (!f) fixedNf.set(digits, (f = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f.format(v);
}

const wall = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
const wallShort = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
const wallDay = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
/** A wall-clock time the server wrote as "2026-11-24T07:30" (a zone's local time), in the page's locale. */
export function wallClock(local, short = false) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(local ?? '');
  if (!m) return local ?? '—';
  return (short === 'day' ? wallDay : short ? wallShort : wall).format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5])));
}

const dtf = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
/** An instant in the reader's zone and the page's locale ("6. dec. 2026 18.02"); "—" for none. */
export const when = (iso) => (iso ? dtf.format(new Date(iso)) : '—');
