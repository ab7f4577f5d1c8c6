// The fleet table's words, filters and order (issue 18): what each row's status and "Will it make it?" say, true for
// vans that are away and vans without a target, and the pure functions the table's controls apply (1,000 rows:
// one pass to filter, one sort; no DOM here).
import * as f from './format.js';
import { language, t } from './i18n.js';
import { known, say } from './phrases.js';

/** Will not make it: a warning from the server, or energy short at departure. */
export function isShort(row) {
  return Boolean(row.warning) || (row.shortfallKwh != null && row.shortfallKwh > 0.05);
}

/**
 * What is wrong and why, in the page's language: the shortfall with the planner's reason (its phrase, phrases.js),
 * or a charger that does not follow its plan. On English pages the server's warning says the same in its words; a
 * reason whose id this page does not know is said in the server's English (ctx: { zone, currency }).
 */
export function whyShort(row, ctx = {}) {
  const short = row.shortfallKwh != null && row.shortfallKwh > 0.05;
  if (row.warning && language === 'en') return row.warning;
  if (!short) return row.warning ? t('fleet.notSteered') : t('fleet.shortBy', { short: f.kwh(row.shortfallKwh) });
  const values = { short: f.kwh(row.shortfallKwh) };
  if (!known(row.shortfallPhrase)) return t('fleet.shortBy', values);
  return t('fleet.shortBecause', { ...values, reason: say(row.shortfallPhrase, '', ctx) });
}

const hasTarget = (row) => row.target && row.target.kind !== 'none';

/** The status column: where the van is and what it does. */
export function statusText(row) {
  switch (row.status) {
    case 'away': return t('fleet.row.away');
    case 'plugged-in': return t('fleet.row.pluggedIn');
    case 'charging': return t('fleet.row.charging');
    case 'ready': return t('fleet.row.ready');
    case 'offline': return t('fleet.row.offline');
    default: return f.humanize(row.status);
  }
}

/**
 * The verdict column, as { tone: 'ok' | 'bad' | 'muted', text }: "Ready" only for a car that is plugged in and has
 * what it needs; an away van says whether a departure is set; a car charging to the site's default says so.
 */
export function verdictOf(row, ctx = {}) {
  if (isShort(row)) return { tone: 'bad', text: whyShort(row, ctx) };
  if (row.status === 'away') return hasTarget(row) ? { tone: 'muted', text: t('fleet.verdict.away') } : { tone: 'muted', text: t('fleet.verdict.awayNoTarget') };
  const fallback = row.target && row.target.kind === 'site-default';
  if (row.status === 'ready') return { tone: 'ok', text: fallback ? t('fleet.verdict.readyDefault') : t('fleet.verdict.ready') };
  return { tone: 'ok', text: fallback ? t('fleet.verdict.onTrackDefault') : t('fleet.verdict.onTrack') };
}

export const STATUS_FILTER = [
  ['', t('fleet.filter.anyStatus')], ['charging', t('fleet.row.charging')], ['plugged-in', t('fleet.row.pluggedIn')], ['ready', t('fleet.row.ready')], ['away', t('fleet.row.away')], ['offline', t('fleet.row.offline')],
];
export const WARNING_FILTER = [['', t('fleet.filter.any')], ['short', t('fleet.filter.short')], ['fine', t('fleet.filter.fine')], ['no-target', t('fleet.noDeparture')]];
export const SITE_FILTER = [['', t('fleet.filter.hereAway')], ['here', t('fleet.filter.here')], ['away', t('fleet.filter.away')]];

/** The rows that pass the filters: { q, status, warning, site }. */
export function filterRows(rows, { q = '', status = '', warning = '', site = '' }) {
  const needle = q.trim().toLowerCase();
  return rows.filter((r) => {
    if (status && r.status !== status) return false;
    if (site === 'here' && !r.stationId) return false;
    if (site === 'away' && r.stationId) return false;
    if (warning === 'short' && !isShort(r)) return false;
    if (warning === 'fine' && (isShort(r) || r.status === 'away')) return false;
    if (warning === 'no-target' && hasTarget(r) && r.target.kind !== 'site-default') return false;
    if (needle) {
      const hay = `${r.name || ''}\n${r.vehicleId}\n${r.stationId || ''}\n${r.fleet || ''}`.toLowerCase();
      if (!hay.includes(needle)) return false;
    }
    return true;
  });
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const STATUS_ORDER = { charging: 0, 'plugged-in': 1, offline: 2, ready: 3, away: 4 };
const amountOf = (r) => (r.target && (r.target.energyKwh ?? r.target.socPercent)) ?? -1;

/** Sort keys per column; ties keep the vehicle's name order. */
export const SORTS = {
  name: { label: t('vehicles.colVehicle'), cmp: (a, b) => collator.compare(a.name || a.vehicleId, b.name || b.vehicleId) },
  charger: { label: t('vehicles.colCharger'), cmp: (a, b) => collator.compare(a.stationId ? `${a.stationId}#${a.evseId}` : '\uffff', b.stationId ? `${b.stationId}#${b.evseId}` : '\uffff') },
  status: { label: t('fleet.colStatus'), cmp: (a, b) => (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9) },
  departure: { label: t('home.target.departure'), cmp: (a, b) => (a.departureAt ? Date.parse(a.departureAt) : Infinity) - (b.departureAt ? Date.parse(b.departureAt) : Infinity) },
  target: { label: t('fleet.colTarget'), cmp: (a, b) => amountOf(a) - amountOf(b) },
  expected: { label: t('fleet.colAtDeparture'), cmp: (a, b) => (a.expectedEnergyAtDepartureKwh ?? -1) - (b.expectedEnergyAtDepartureKwh ?? -1) },
  verdict: { label: t('fleet.colMakeIt'), cmp: (a, b) => Number(isShort(b)) - Number(isShort(a)) || (b.shortfallKwh ?? 0) - (a.shortfallKwh ?? 0) },
};

/** A sorted copy: `key` of SORTS, `dir` 1 (ascending) or -1. NaN-free: Infinity - Infinity is treated as equal. */
export function sortRows(rows, key, dir) {
  const by = SORTS[key] || SORTS.name;
  const name = SORTS.name.cmp;
  return [...rows].sort((a, b) => {
    const c = by.cmp(a, b);
    return (Number.isNaN(c) || c === 0 ? 0 : c * dir) || name(a, b);
  });
}
