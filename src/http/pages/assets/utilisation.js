// The utilisation page (issue 17): a site's figures over a period, from GET /api/v1/sites/:id/utilisation; the
// hour-of-week heat map, a row per station and its EVSEs, the saturation sentence, and the CSV of the same period.
import { api, ApiError, setupHeader } from './api.js';
import { el } from './dom.js';
import { fixed, locale, t } from './admin-i18n.js';

const $ = (id) => document.getElementById(id);
/** Monday to Sunday, short, in the page's language. */
const DAYS = [0, 1, 2, 3, 4, 5, 6].map((i) => new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1 + i))));
const pct = (x) => (x === null || x === undefined ? '—' : t('util.percent', { value: fixed(Math.round(x * 100), 0) }));
const num = (x, d = 1) => (x === null || x === undefined ? '—' : fixed(x, d));
/** A day the API writes as 2026-10-19, in the page's language. */
const dayFormat = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const day = (ymd) => dayFormat.format(new Date(`${ymd}T00:00:00Z`));

/**
 * The saturation sentence in the page's language, from the figures the API gives beside its English one
 * (src/scheduler/utilisation-words.ts says the same): a share under 10 % with one decimal.
 */
function saturationText(u) {
  const s = u.saturation;
  if (u.evses === 0 || !s.window) return t('util.sat.nothing');
  const p = s.allTakenShare * 100;
  const share = t('util.percent', { value: fixed(p >= 10 || p === 0 ? Math.round(p) : p, p >= 10 || p === 0 ? 0 : 1) });
  const window = s.window.replace(/-/g, '_');
  if (s.saturated) return t('util.sat.saturated', { evses: u.evses, share, window, none: u.foundNone });
  return p > 0 ? t('util.sat.free', { share, window }) : t('util.sat.alwaysFree');
}

function showError(err) {
  const box = $('page-error');
  box.textContent = err instanceof ApiError ? err.message : t('station.wrong');
  box.hidden = false;
}

/** The query string of the form's period; the URL keeps it, so a reload or a shared link shows the same. */
function query() {
  const q = new URLSearchParams();
  if ($('from').value) q.set('from', $('from').value);
  if ($('to').value) q.set('to', $('to').value);
  return q;
}

function summary(u) {
  const rows = [
    [t('util.period'), t('util.periodValue', { from: day(u.from), to: day(u.to), zone: u.timeZone, hours: num(u.periodH, 0) })],
    [t('stations.title'), String(u.evses)],
    [t('util.inUse'), pct(u.occupancy)],
    [t('util.charging'), pct(u.chargingShare)],
    [t('util.allTaken'), t('util.allTakenValue', { hours: num(u.allTakenH), share: pct(u.allTakenShare) })],
    [t('util.foundNone'), String(u.foundNone)],
    [t('util.sessions'), String(u.sessions)],
    [t('tf.energy'), t('util.kwh', { value: num(u.energyKwh) })],
    [t('util.available'), pct(u.availability)],
  ];
  $('util-summary').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function heat(u) {
  const head = $('heat').tHead.rows[0];
  head.replaceChildren(el('th', { scope: 'col' }, t('util.day')), ...Array.from({ length: 24 }, (_, h) => el('th', { scope: 'col' }, String(h).padStart(2, '0'))));
  const body = $('heat').tBodies[0];
  body.replaceChildren(...DAYS.map((dayName, d) => el('tr', {}, el('th', { scope: 'row' }, dayName), ...Array.from({ length: 24 }, (_, h) => {
    const k = d * 24 + h;
    const hours = u.heat.hours[k];
    const share = hours > 0 && u.evses > 0 ? u.heat.pluggedH[k] / (hours * u.evses) : null;
    const full = hours > 0 ? u.heat.allTakenH[k] / hours : 0;
    const span = t('util.span', { day: dayName, from: `${String(h).padStart(2, '0')}:00`, to: `${String(h + 1).padStart(2, '0')}:00` });
    const words = share === null ? t('util.notInPeriod', { span }) : full > 0 ? t('util.cellFull', { span, share: pct(share), full: pct(full) }) : t('util.cell', { span, share: pct(share) });
    const td = el('td', { class: share === null ? 'none' : full > 0 ? 'full' : '', title: words, 'aria-label': words }, share === null ? '·' : String(Math.round(share * 100)));
    // CSSOM, not a style attribute (the CSP allows no inline style).
    if (share !== null) td.style.backgroundColor = `color-mix(in srgb, var(--c-accent) ${Math.round(share * 85)}%, transparent)`;
    return td;
  }))));
}

function stationRows(u) {
  const cells = (r) => [
    el('td', { class: 'num' }, pct(r.occupancy)), el('td', { class: 'num' }, pct(r.chargingShare)), el('td', { class: 'num' }, num(r.idleH)),
    el('td', { class: 'num' }, String(r.sessions)), el('td', { class: 'num' }, num(r.energyKwh)), el('td', { class: 'num' }, pct(r.availability)),
    el('td', { class: 'num' }, num(r.outOfServiceH)), el('td', { class: 'num' }, num(r.offlineH)),
  ];
  $('util-stations').tBodies[0].replaceChildren(...u.stations.flatMap((s) => [
    el('tr', { class: 'on' }, el('th', { scope: 'row' }, el('a', { href: `/stations/${encodeURIComponent(s.stationId)}` }, s.stationId)), ...cells(s)),
    ...u.evseRows.filter((r) => r.stationId === s.stationId).map((r) => el('tr', { class: 'sub' }, el('th', { scope: 'row' }, t('util.evse', { evse: r.evseId })), ...cells(r))),
  ]));
}

async function load() {
  const site = $('site').value;
  const q = query();
  $('content').setAttribute('aria-busy', 'true');
  $('period-error').hidden = true;
  try {
    const u = await api(`/api/v1/sites/${encodeURIComponent(site)}/utilisation?${q}`);
    $('from').value = u.from;
    $('to').value = u.to;
    history.replaceState(null, '', `/utilisation?${new URLSearchParams({ site, from: u.from, to: u.to })}`);
    $('csv').href = `/api/v1/sites/${encodeURIComponent(site)}/utilisation.csv?from=${u.from}&to=${u.to}`;
    $('util-site').textContent = $('site').selectedOptions[0]?.textContent ?? site;
    $('saturation').textContent = saturationText(u);
    $('saturation').classList.toggle('saturated', u.saturation.saturated);
    summary(u);
    heat(u);
    stationRows(u);
    $('page-error').hidden = true;
  } catch (err) {
    if (err instanceof ApiError && (err.field === 'from' || err.field === 'to')) {
      $('period-error').textContent = err.message;
      $('period-error').hidden = false;
    } else showError(err);
  } finally {
    $('content').setAttribute('aria-busy', 'false');
  }
}

async function start() {
  void setupHeader();
  const params = new URLSearchParams(location.search);
  const sites = await api('/api/v1/sites');
  if (!sites.length) throw new Error(t('util.noSite'));
  $('site').replaceChildren(...sites.map((s) => el('option', { value: s.id }, s.name || s.id)));
  if (params.get('site') && sites.some((s) => s.id === params.get('site'))) $('site').value = params.get('site');
  if (params.get('from')) $('from').value = params.get('from');
  if (params.get('to')) $('to').value = params.get('to');
  $('site').addEventListener('change', () => void load());
  $('util-form').addEventListener('submit', (e) => { e.preventDefault(); void load(); });
  await load();
}

start().catch(showError);
