// The fleet dashboard: pick a site; its summed plan against the limit and the price; what charging cost today and
// this month and what planning saved, and the month's sessions as CSV; the vehicles and who will not make it
// (searchable, filtered, sorted: fleet-table.js); bulk upload of departures (fleet-bulk.js); the stations (including
// those that ignore our profiles); the decision log (fleet-log.js). Live events refetch what they concern.
import { api, ApiError, coalesce, enc, messageOf, pageError, setupHeader } from './api.js';
import * as f from './format.js';
import { el } from './dom.js';
import { describePlan, planChart } from './charts.js';
import { live } from './live.js';
import { VehicleTable, isShort, whyShort } from './fleet-table.js';
import { DecisionLog } from './fleet-log.js';
import { setupBulk } from './fleet-bulk.js';
import { renderPlanTable } from './fleet-plan-table.js';

const $ = (id) => document.getElementById(id);
const state = { site: null, plan: null, rows: null, stop: null };
const tz = () => state.site.timeZone;

const table = new VehicleTable({
  table: $('vehicles'),
  status: $('vehicles-status'),
  timeZone: tz,
  // A van with no target yet gets the site's default energy with its first departure (the API needs an amount).
  defaultEnergyKwh: () => state.site.policy?.defaultEnergyKwh ?? null,
  onSaved: () => reloadVehicles(),
});
const log = new DecisionLog({ list: $('decisions'), siteId: () => state.site.id, timeZone: tz });

// ---- site ----------------------------------------------------------------------------------------------------

async function start() {
  await setupHeader();
  const sites = await api('/api/v1/sites');
  const wanted = new URLSearchParams(location.search).get('site');
  if (!sites.length && !wanted) throw new Error('No site is in your scope yet.');
  const picker = $('site');
  picker.replaceChildren(...sites.map((s) => el('option', { value: s.id }, s.name || s.id)));
  picker.addEventListener('change', () => void selectSite(picker.value).catch(pageError));
  // A site named in the address is fetched as such: one outside the person's scope is a 403, not a fallback.
  await selectSite(wanted || sites[0].id);
}

async function selectSite(id) {
  if (state.stop) state.stop();
  state.site = await api(`/api/v1/sites/${enc(id)}`);
  $('site').value = id;
  const url = new URL(location.href);
  url.searchParams.set('site', id);
  history.replaceState(null, '', url);
  const s = state.site;
  const limit = s.gridLimitKw ?? (s.limits && s.limits.gridKw);
  $('site-facts').textContent = [limit != null ? `Grid limit ${f.kw(limit)}` : null, s.timeZone, f.zoneHint(s.timeZone)].filter(Boolean).join(' · ');
  setupExport();
  // Listen before the first load, so that nothing that changes while it loads is missed.
  state.stop = live(id, {
    plan: () => Promise.all([reloadPlan(), reloadVehicles(), reloadSavings()]),
    status: () => Promise.all([reloadStations(), reloadVehicles(), reloadSavings()]),
    decision: () => log.reload(),
    open: () => reloadAll(),
  });
  await reloadAll();
  $('content').setAttribute('aria-busy', 'false');
}

const reloadAll = () => Promise.all([reloadPlan(), reloadSavings(), reloadVehicles(), reloadStations(), log.reload()]);

// ---- plan ----------------------------------------------------------------------------------------------------

const reloadPlan = coalesce(async () => {
  try {
    // The sums only: the cars and who is short come from the vehicle table (1,000 vans: a few kB, not 650).
    state.plan = await api(`/api/v1/sites/${enc(state.site.id)}/plan?sessions=none`);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'PLAN_NONE')) throw err;
    state.plan = null;
  }
  renderPlan();
});

function renderPlan() {
  const plan = state.plan;
  const figure = $('plan-figure');
  figure.dataset.planId = plan ? String(plan.planId) : '';
  if (!plan) {
    $('plan-chart').textContent = 'No plan yet: one is made when a car is plugged in.';
    $('plan-caption').textContent = '';
    $('plan-summary').replaceChildren();
    renderPlanTable($('plan-table'), null);
    return;
  }
  const spec = {
    startsMs: plan.slotStarts.map(Date.parse),
    endMs: Date.parse(plan.endAt),
    powerKw: plan.summedKw,
    prices: plan.prices,
    limitKw: plan.siteLimitKw,
    currency: plan.currency,
    timeZone: tz(),
    parts: false,
    powerLabel: 'Planned power (all cars)',
  };
  planChart($('plan-chart'), spec);
  $('plan-caption').textContent = `${describePlan(spec)} The dashed line is the site limit.`;
  renderPlanTable($('plan-table'), spec);
  renderPlanSummary();
}

const PLAN_STATUS = { optimal: 'Every car gets what it needs', shortfall: 'Some cars will be short' };

/** The plan's facts; the cars plugged in and those short at departure from the vehicle table's rows. */
function renderPlanSummary() {
  const plan = state.plan;
  if (!plan) return;
  const rows = state.rows || [];
  const cars = rows.filter((r) => r.stationId).length;
  const short = rows.filter((r) => r.stationId && r.shortfallKwh != null && r.shortfallKwh > 0.05).length;
  const pairs = [
    ['Plan', `#${plan.planId}, made ${f.dayTime(plan.createdAt, tz())}`, { id: 'plan-id' }],
    ['Status', PLAN_STATUS[plan.status] || f.humanize(plan.status), { class: plan.status === 'shortfall' ? 'bad' : '' }],
    ['Cars plugged in', state.rows ? String(cars) : '…', { id: 'plan-cars' }],
    ['Expected cost', f.money(plan.totalCost, plan.currency)],
    ['Short at departure', state.rows ? String(short) : '…', { class: short ? 'bad' : '', id: 'plan-short' }],
    ...demandPairs(plan),
  ];
  $('plan-summary').replaceChildren(...pairs.flatMap(([k, v, a]) => [el('dt', {}, k), el('dd', a || {}, v)]));
}

/** The demand charge: the month's peak so far and its cost, and the peak this plan draws (text only). */
function demandPairs(plan) {
  const d = plan.demand;
  if (!d) return [];
  const kw = (x) => `${x.toFixed(1)} kW`;
  const raises = d.plannedPeakKw > d.peakSoFarKw + 0.05;
  return [
    ['Peak this month', `${kw(d.peakSoFarKw)}: ${f.money(d.peakSoFarCost, plan.currency)} demand charge`, { id: 'demand-peak' }],
    ['Planned peak', raises ? `${kw(d.plannedPeakKw)}: raises the charge to ${f.money(d.billedCost, plan.currency)}` : `${kw(d.plannedPeakKw)}: within this month's peak`,
      { id: 'demand-planned', class: raises ? 'bad' : '' }],
  ];
}

// ---- cost and saving ---------------------------------------------------------------------------------------

const PERIODS = { today: 'Today', month: 'This month' };

const reloadSavings = coalesce(async () => {
  const s = await api(`/api/v1/sites/${enc(state.site.id)}/savings`);
  const cur = s.currency || 'EUR';
  const month = s.periods.find((p) => p.period === 'month');
  if (month && exportBox.input) {
    exportBox.current = f.toLocalInput(month.from, tz()).slice(0, 7);
    if (!exportBox.input.max) exportBox.input.max = exportBox.current;
    updateExport();
  }
  const saved = (p) => (p.savingsPercent == null ? f.money(p.savings, cur) : `${f.money(p.savings, cur)} (${f.percent(p.savingsPercent)})`);
  $('savings-headline').textContent = !month || month.sessions === 0
    ? 'No charging session this month yet.'
    : month.savings > 0.005
      ? `Planning saved ${saved(month)} this month against charging every car at full power on arrival.`
      : `No saving this month yet: ${f.money(month.cost, cur)} for ${f.kwh(month.energyKwh)}.`;
  $('savings').tBodies[0].replaceChildren(
    ...s.periods.map((p) =>
      el(
        'tr',
        { dataset: { period: p.period } },
        el('th', { scope: 'row' }, PERIODS[p.period] || p.period),
        el('td', { class: 'num', 'data-label': 'Sessions' }, p.running ? `${p.sessions} (${p.running} charging)` : String(p.sessions)),
        el('td', { class: 'num', 'data-label': 'Energy' }, f.kwh(p.energyKwh)),
        el('td', { class: 'num', 'data-label': 'Cost' }, f.money(p.cost, cur)),
        el('td', { class: 'num', 'data-label': 'At full power on arrival' }, f.money(p.uncontrolledCost, cur)),
        el('td', { class: `num saved${p.savings > 0.005 ? ' ok' : ''}`, 'data-label': 'Saved' }, saved(p), p.notCompared ? el('small', { class: 'muted detail' }, ` ${p.notCompared} not compared (unpriced energy)`) : null),
      ),
    ),
  );
});

// ---- the month's sessions as CSV -----------------------------------------------------------------------------

const exportBox = { month: null, link: null, input: null, current: null };

/** The card's export: a month (default the server's current one, in the site's zone) and a download link. */
function setupExport() {
  if (!exportBox.link) {
    exportBox.input = el('input', { type: 'month', id: 'csv-month', 'aria-describedby': 'csv-month-hint' });
    exportBox.link = el('a', { id: 'csv-download', download: '' }, 'Download CSV');
    exportBox.input.addEventListener('change', () => updateExport());
    $('savings').closest('.scroll').after(el(
      'div',
      { class: 'site-bar', id: 'csv-export' },
      el('div', { class: 'field' }, el('label', { for: 'csv-month' }, 'Sessions of the month'), exportBox.input),
      exportBox.link,
      el('p', { id: 'csv-month-hint', class: 'muted' }, 'One row per charging session that started in the month, with energy, cost and saving.'),
    ));
  }
  exportBox.current = null;
  exportBox.input.value = '';
  updateExport();
}

function monthName(month) {
  const [y, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(navigator.language || 'en', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, 1));
}

function updateExport() {
  const fleet = state.site && state.site.fleet;
  document.getElementById('csv-export').hidden = !fleet;
  if (!fleet) return;
  const month = exportBox.input.value || exportBox.current;
  const q = new URLSearchParams({ fleet });
  // Without a month the server takes its current one (the same as the card's "This month").
  if (exportBox.input.value) q.set('month', exportBox.input.value);
  exportBox.link.href = `/api/v1/sessions.csv?${q}`;
  exportBox.link.textContent = month ? `Download ${monthName(month)} as CSV` : 'Download this month as CSV';
}

// ---- vehicles ------------------------------------------------------------------------------------------------

const reloadVehicles = coalesce(async () => {
  const rows = await api(`/api/v1/sites/${enc(state.site.id)}/vehicles`);
  state.rows = rows;
  table.render(rows);
  renderPlanSummary();
  const short = rows.filter(isShort);
  const box = $('warnings');
  box.hidden = short.length === 0;
  box.replaceChildren(
    el('p', {}, el('strong', {}, short.length === 1 ? '1 vehicle will not make it:' : `${short.length} vehicles will not make it:`)),
    el(
      'ul',
      {},
      ...short.map((r) =>
        el(
          'li',
          { dataset: { vehicle: r.vehicleId } },
          `${r.name || r.vehicleId}, leaving ${f.dateTime(r.departureAt, tz())}: ${whyShort(r)}`,
        ),
      ),
    ),
  );
});

// ---- bulk upload (fleet-bulk.js) ----------------------------------------------------------------------------

setupBulk($('bulk-form'), () => reloadVehicles());

// ---- stations ------------------------------------------------------------------------------------------------

const COMPLIANCE = {
  follows: ['Follows', 'ok'],
  limited: ['Follows (held lower)', 'ok'],
  unknown: ['Not checked yet', 'muted'],
  'ignores-profiles': ['Ignores profiles', 'bad'],
  'rejects-profiles': ['Rejects profiles', 'bad'],
  unreachable: ['Unreachable', 'bad'],
};

/**
 * The station's OCPP security profile (A00) and, for profile 3, when its certificate expires: a warning within 30 days,
 * with a "Renew now" button in the station's first EVSE row (`withAction`).
 */
function stationSecurity(st, withAction) {
  if (st.securityProfile == null) return null;
  const box = el('small', { class: 'muted detail', dataset: { securityProfile: String(st.securityProfile) } }, `Security profile ${st.securityProfile}`);
  const c = st.certificate;
  if (!c) return box;
  const until = `certificate until ${c.notAfter.slice(0, 10)}`;
  box.append(' · ', c.expiresSoon
    ? el('span', { class: 'badge bad', dataset: { certificate: 'expires-soon' }, title: `renew it: npm run stations -- renew ${st.stationId}` }, `${until}: renew`)
    : el('span', { dataset: { certificate: 'valid' } }, until));
  if (c.expiresSoon && withAction) box.append(' ', ...renewButton(st.stationId));
  return box;
}

/** A02 from the page (POST .../certificate-renewal): asked now, or at the station's next boot or heartbeat. */
function renewButton(stationId) {
  const result = el('span', { role: 'status', dataset: { renewal: stationId } });
  const button = el('button', { type: 'button', dataset: { renew: stationId } }, 'Renew now');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const r = await api(`/api/v1/stations/${enc(stationId)}/certificate-renewal`, { method: 'POST' });
      result.textContent = r.outcome === 'sent' ? ` station asked now: ${r.triggerStatus}` : ' the station is asked at its next boot or heartbeat';
    } catch (err) {
      result.textContent = ` ${messageOf(err)}`;
      button.disabled = false;
    }
  });
  return [button, result];
}

const reloadStations = coalesce(async () => {
  const stations = await api(`/api/v1/sites/${enc(state.site.id)}/stations`);
  const rows = [];
  for (const st of stations) {
    for (const e of st.evses) {
      const [label, cls] = COMPLIANCE[e.compliance] || [f.humanize(e.compliance), ''];
      rows.push(
        el(
          'tr',
          { dataset: { station: st.stationId, evse: String(e.evseId) } },
          el('th', { scope: 'row' }, el('span', { class: `dot ${st.online ? 'on' : 'off'}`, role: 'img', 'aria-label': st.online ? 'online' : 'offline' }), ` ${st.stationId}`, stationSecurity(st, e === st.evses[0])),
          el('td', { class: 'num', 'data-label': 'EVSE' }, String(e.evseId)),
          el('td', { 'data-label': 'Status' }, f.humanize(st.online ? e.status : 'offline'), e.vehicleId ? el('small', { class: 'muted' }, ` · ${e.vehicleId}`) : null),
          el('td', { class: 'wide-cell', 'data-label': 'Profiles' }, el('span', { class: `badge ${cls}` }, label), e.complianceDetail ? el('small', { class: 'muted detail' }, e.complianceDetail) : null),
          el('td', { class: 'num', 'data-label': 'Power' }, e.powerKw == null ? '—' : f.kw(e.powerKw)),
        ),
      );
    }
  }
  $('stations').tBodies[0].replaceChildren(...rows);
  log.setStations(stations.map((st) => st.stationId));
});

start().catch(pageError);
