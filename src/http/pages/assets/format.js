// Dates in the site's time zone and numbers in the page's language (issue 18: <html lang>, which the server
// negotiated from the switcher's choice or the browser's Accept-Language; i18n.js). The server sends instants as UTC
// ISO-8601; departures are entered as the site's local wall-clock time (YYYY-MM-DDTHH:MM).
import { has, locale, t } from './i18n.js';

const lang = () => locale;
const cache = new Map();

function dtf(timeZone, options) {
  const key = `${timeZone}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang(), { timeZone, ...options });
    cache.set(key, f);
  }
  return f;
}

const toDate = (v) => (v instanceof Date ? v : typeof v === 'number' ? new Date(v) : new Date(String(v)));

/** "Tue 24 Nov, 07:30" in the site's zone. */
export function dateTime(v, timeZone) {
  if (v == null) return '—';
  return dtf(timeZone, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(toDate(v));
}

/** "07:30" in the site's zone. */
export function time(v, timeZone) {
  if (v == null) return '—';
  return dtf(timeZone, { hour: '2-digit', minute: '2-digit' }).format(toDate(v));
}

/** An axis tick: "Tue" at local midnight, else "07:30" (both in the site's zone). */
export function axisTime(v, timeZone) {
  const t = time(v, timeZone);
  return /^(00|24)[:.]00$/.test(t) ? dtf(timeZone, { weekday: 'short' }).format(toDate(v)) : t;
}

/** The site-local calendar day of an instant, "YYYY-MM-DD". */
export const localDay = (v, timeZone) => toLocalInput(v, timeZone).slice(0, 10);

/** True when [from, to] covers more than one calendar day in the site's zone. */
export const spansDays = (from, to, timeZone) => from != null && to != null && localDay(from, timeZone) !== localDay(to, timeZone);

/**
 * The labels of a time axis (issue 18: a 44-hour chart read "03:00 PM" twice with no day): on an axis that spans
 * midnight, the first tick and the first tick of each new day carry the weekday ("Mon 15:00", "Tue 00:00"), the
 * rest only the time; within one day only times.
 */
export function axisLabels(values, timeZone, spans) {
  let day = null;
  return values.map((v) => {
    const t = time(v, timeZone);
    if (!spans) return t;
    const d = localDay(v, timeZone);
    if (d === day) return t;
    day = d;
    return dayTime(v, timeZone);
  });
}

/** "Tue 07:30" in the site's zone. */
export function dayTime(v, timeZone) {
  if (v == null) return '—';
  return dtf(timeZone, { weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(toDate(v));
}

const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** The site-local "YYYY-MM-DDTHH:MM" of an instant (what <input type="datetime-local"> holds). */
export function toLocalInput(v, timeZone) {
  if (v == null) return '';
  if (typeof v === 'string' && LOCAL.test(v)) return v;
  const parts = {};
  // Read by part type in a fixed locale: the digits and their order must not depend on the person's language.
  const f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  for (const p of f.formatToParts(toDate(v))) parts[p.type] = p.value;
  const hour = parts.hour === '24' ? '00' : parts.hour;
  return `${parts.year}-${parts.month}-${parts.day}T${hour}:${parts.minute}`;
}

/** A site-local "YYYY-MM-DDTHH:MM" shown in the page's language (no zone arithmetic needed: it is wall time). */
export function localText(local) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local || '');
  if (!m) return local || '—';
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]));
  return dateTime(d, 'UTC');
}

export function zoneHint(timeZone) {
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return here === timeZone ? t('format.zoneLocal', { zone: timeZone }) : t('format.zoneOther', { zone: timeZone, here });
}

const nf = new Map();
function num(options) {
  const key = JSON.stringify(options);
  let f = nf.get(key);
  if (!f) {
    f = new Intl.NumberFormat(lang(), options);
    nf.set(key, f);
  }
  return f;
}

export const number = (v, digits = 1) => (v == null || Number.isNaN(v) ? '—' : num({ maximumFractionDigits: digits }).format(v));
export const kw = (v) => (v == null ? '—' : `${number(v, 1)} kW`);
/** Power with exactly one decimal ("22.0 kW", "22,0 kW"): peaks compared side by side. */
export const kwFixed = (v) => (v == null ? '—' : `${num({ minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v)} kW`);
export const kwh = (v) => (v == null ? '—' : `${number(v, 1)} kWh`);
export const percent = (v) => (v == null ? '—' : `${number(v, 0)} %`);

export function money(v, currency) {
  if (v == null) return '—';
  try {
    return num({ style: 'currency', currency, maximumFractionDigits: 2 }).format(v);
  } catch {
    return `${number(v, 2)} ${currency}`;
  }
}

/** A price per kWh with enough digits for cents and tenths of cents. */
export function perKwh(v, currency) {
  if (v == null) return '—';
  let s;
  try {
    s = num({ style: 'currency', currency, minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(v);
  } catch {
    s = `${number(v, 3)} ${currency}`;
  }
  return `${s}/kWh`;
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** ["mon","tue",...] in the page's language: "Mon–Fri", "Sat, Sun". */
export function weekdays(days) {
  const name = (d) => dtf('UTC', { weekday: 'short' }).format(new Date(Date.UTC(2024, 0, 1 + DAYS.indexOf(d))));
  const idx = [...new Set(days)].map((d) => DAYS.indexOf(d)).filter((i) => i >= 0).sort((a, b) => a - b);
  const runs = [];
  for (const i of idx) {
    const last = runs[runs.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  }
  return runs.map(([a, b]) => (b - a >= 2 ? `${name(DAYS[a])}–${name(DAYS[b])}` : a === b ? name(DAYS[a]) : `${name(DAYS[a])}, ${name(DAYS[b])}`)).join(', ');
}

/** "30 kWh" or "80 %" or "the site's default". */
export function targetAmount(t) {
  if (!t) return '—';
  if (t.energyKwh != null) return kwh(t.energyKwh);
  if (t.socPercent != null) return percent(t.socPercent);
  return t('format.siteDefault');
}

/**
 * A charger's or EVSE's status (OCPP's words: Available, Occupied, Charging, SuspendedEV…) in the page's language;
 * a status the catalog does not know is shown as humanize() says it.
 */
export function statusWord(s) {
  const key = `ocpp.${String(s || '').replace(/[^A-Za-z]/g, '').toLowerCase()}`;
  return has(key) ? t(key) : humanize(s);
}

/** People's words for the machine's. */
export function humanize(s) {
  if (s == null || s === '') return '—';
  const t = String(s).replace(/[-_.]/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}
