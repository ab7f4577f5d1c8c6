// The fleet dashboard: pick a site; its summed plan against the limit and the price; what charging cost today and
// this month and what planning saved, and the month's sessions as CSV; the vehicles and who will not make it
// (searchable, filtered, sorted: fleet-table.js); bulk upload of departures (fleet-bulk.js); the stations (including
// those that ignore our profiles); the decision log (fleet-log.js). Live events refetch what they concern.
import { api, ApiError, coalesce, enc, messageOf, pageError, setupHeader } from './api.js';
import * as f from './format.js';
import { el } from './dom.js';
import { locale, t } from './i18n.js';
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
  if (!sites.length && !wanted) throw new Error(t('fleet.noSite'));
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
  $('site-facts').textContent = [limit != null ? t('fleet.gridLimit', { limit: f.kw(limit) }) : null, s.timeZone, f.zoneHint(s.timeZone)].filter(Boolean).join(' · ');
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
    $('plan-chart').textContent = t('fleet.noPlan');
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
    powerLabel: t('fleet.plannedAll'),
  };
  planChart($('plan-chart'), spec);
  $('plan-caption').textContent = t('fleet.caption', { described: describePlan(spec) });
  renderPlanTable($('plan-table'), spec);
  renderPlanSummary();
}

const PLAN_STATUS = { optimal: t('fleet.status.optimal'), shortfall: t('fleet.status.shortfall') };

/** The plan's facts; the cars plugged in and those short at departure from the vehicle table's rows. */
function renderPlanSummary() {
  const plan = state.plan;
  if (!plan) return;
  const rows = state.rows || [];
  const cars = rows.filter((r) => r.stationId).length;
  const short = rows.filter((r) => r.stationId && r.shortfallKwh != null && r.shortfallKwh > 0.05).length;
  const pairs = [
    [t('plan.factPlan'), t('fleet.planMade', { id: String(plan.planId), made: f.dayTime(plan.createdAt, tz()) }), { id: 'plan-id' }],
    [t('fleet.colStatus'), PLAN_STATUS[plan.status] || f.humanize(plan.status), { class: plan.status === 'shortfall' ? 'bad' : '' }],
    [t('fleet.carsPlugged'), state.rows ? f.number(cars, 0) : '…', { id: 'plan-cars' }],
    [t('fleet.expectedCost'), f.money(plan.totalCost, plan.currency)],
    [t('fleet.shortAtDeparture'), state.rows ? f.number(short, 0) : '…', { class: short ? 'bad' : '', id: 'plan-short' }],
    ...demandPairs(plan),
  ];
  $('plan-summary').replaceChildren(...pairs.flatMap(([k, v, a]) => [el('dt', {}, k), el('dd', a || {}, v)]));
}

/** The demand charge: the month's peak so far and its cost, and the peak this plan draws (text only). */
function demandPairs(plan) {
  const d = plan.demand;
  if (!d) return [];
  const kw = (x) => f.kwFixed(x);
  const raises = d.plannedPeakKw > d.peakSoFarKw + 0.05;
  return [
    [t('fleet.peakMonth'), t('fleet.peakCharge', { peak: kw(d.peakSoFarKw), cost: f.money(d.peakSoFarCost, plan.currency) }), { id: 'demand-peak' }],
    [t('fleet.plannedPeak'), raises ? t('fleet.peakRaises', { peak: kw(d.plannedPeakKw), cost: f.money(d.billedCost, plan.currency) }) : t('fleet.peakWithin', { peak: kw(d.plannedPeakKw) }),
      { id: 'demand-planned', class: raises ? 'bad' : '' }],
  ];
}

// ---- cost and saving ---------------------------------------------------------------------------------------

const PERIODS = { today: t('fleet.today'), month: t('fleet.thisMonth') };

const reloadSavings = coalesce(async () => {
  const s = await api(`/api/v1/sites/${enc(state.site.id)}/savings`);
  const cur = s.currency || 'EUR';
  const month = s.periods.find((p) => p.period === 'month');
  if (month && exportBox.input) {
    exportBox.current = f.toLocalInput(month.from, tz()).slice(0, 7);
    if (!exportBox.input.max) exportBox.input.max = exportBox.current;
    updateExport();
  }
  const saved = (p) => (p.savingsPercent == null ? f.money(p.savings, cur) : t('fleet.savedPercent', { amount: f.money(p.savings, cur), percent: f.percent(p.savingsPercent) }));
  $('savings-headline').textContent = !month || month.sessions === 0
    ? t('fleet.noSessionMonth')
    : month.savings > 0.005
      ? t('fleet.savedMonth', { saved: saved(month) })
      : t('fleet.noSavingMonth', { cost: f.money(month.cost, cur), energy: f.kwh(month.energyKwh) });
  $('savings').tBodies[0].replaceChildren(
    ...s.periods.map((p) =>
      el(
        'tr',
        { dataset: { period: p.period } },
        el('th', { scope: 'row' }, PERIODS[p.period] || p.period),
        el('td', { class: 'num', 'data-label': t('fleet.colSessions') }, p.running ? t('fleet.sessionsRunning', { sessions: p.sessions, running: p.running }) : f.number(p.sessions, 0)),
        el('td', { class: 'num', 'data-label': t('home.history.colEnergy') }, f.kwh(p.energyKwh)),
        el('td', { class: 'num', 'data-label': t('home.history.colCost') }, f.money(p.cost, cur)),
        el('td', { class: 'num', 'data-label': t('fleet.colFullPower') }, f.money(p.uncontrolledCost, cur)),
        el('td', { class: `num saved${p.savings > 0.005 ? ' ok' : ''}`, 'data-label': t('home.history.colSaved') }, saved(p), p.notCompared ? el('small', { class: 'muted detail' }, ` ${t('fleet.notCompared', { count: p.notCompared })}`) : null),
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
    exportBox.link = el('a', { id: 'csv-download', download: '' }, t('home.history.csv'));
    exportBox.input.addEventListener('change', () => updateExport());
    $('savings').closest('.scroll').after(el(
      'div',
      { class: 'site-bar', id: 'csv-export' },
      el('div', { class: 'field' }, el('label', { for: 'csv-month' }, t('fleet.csvMonth')), exportBox.input),
      exportBox.link,
      el('p', { id: 'csv-month-hint', class: 'muted' }, t('fleet.csvHint')),
    ));
  }
  exportBox.current = null;
  exportBox.input.value = '';
  updateExport();
}

function monthName(month) {
  const [y, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, 1));
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
  exportBox.link.textContent = month ? t('fleet.csvOf', { month: monthName(month) }) : t('fleet.csvThisMonth');
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
    el('p', {}, el('strong', {}, t('fleet.shortCount', { count: short.length }))),
    el(
      'ul',
      {},
      ...short.map((r) =>
        el(
          'li',
          { dataset: { vehicle: r.vehicleId } },
          t('fleet.shortLine', { name: r.name || r.vehicleId, departure: f.dateTime(r.departureAt, tz()), why: whyShort(r, { zone: tz() }) }),
        ),
      ),
    ),
  );
});

// ---- bulk upload (fleet-bulk.js) ----------------------------------------------------------------------------

setupBulk($('bulk-form'), () => reloadVehicles());

// ---- stations ------------------------------------------------------------------------------------------------

const COMPLIANCE = {
  follows: [t('fleet.compliance.follows'), 'ok'],
  limited: [t('fleet.compliance.limited'), 'ok'],
  unknown: [t('fleet.compliance.unknown'), 'muted'],
  'ignores-profiles': [t('fleet.compliance.ignores'), 'bad'],
  'rejects-profiles': [t('fleet.compliance.rejects'), 'bad'],
  unreachable: [t('fleet.compliance.unreachable'), 'bad'],
};

/**
 * The station's OCPP security profile (A00) and, for profile 3, when its certificate expires: a warning within 30 days,
 * with a "Renew now" button in the station's first EVSE row (`withAction`).
 */
function stationSecurity(st, withAction) {
  if (st.securityProfile == null) return null;
  const box = el('small', { class: 'muted detail', dataset: { securityProfile: String(st.securityProfile) } }, t('fleet.securityProfile', { profile: String(st.securityProfile) }));
  const c = st.certificate;
  if (!c) return box;
  const date = c.notAfter.slice(0, 10);
  box.append(' · ', c.expiresSoon
    ? el('span', { class: 'badge bad', dataset: { certificate: 'expires-soon' }, title: t('fleet.renewTitle', { command: `npm run stations -- renew ${st.stationId}` }) }, t('fleet.certificateRenew', { date }))
    : el('span', { dataset: { certificate: 'valid' } }, t('fleet.certificateUntil', { date })));
  if (c.expiresSoon && withAction) box.append(' ', ...renewButton(st.stationId));
  return box;
}

/** A02 from the page (POST .../certificate-renewal): asked now, or at the station's next boot or heartbeat. */
function renewButton(stationId) {
  const result = el('span', { role: 'status', dataset: { renewal: stationId } });
  const button = el('button', { type: 'button', dataset: { renew: stationId } }, t('fleet.renewNow'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const r = await api(`/api/v1/stations/${enc(stationId)}/certificate-renewal`, { method: 'POST' });
      result.textContent = ` ${r.outcome === 'sent' ? t('fleet.renewAsked', { status: r.triggerStatus }) : t('fleet.renewLater')}`;
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
          el('th', { scope: 'row' }, el('span', { class: `dot ${st.online ? 'on' : 'off'}`, role: 'img', 'aria-label': st.online ? t('fleet.online') : t('fleet.offline') }), ` ${st.stationId}`, stationSecurity(st, e === st.evses[0])),
          el('td', { class: 'num', 'data-label': t('fleet.colEvse') }, String(e.evseId)),
          el('td', { 'data-label': t('fleet.colStatus') }, f.statusWord(st.online ? e.status : 'offline'), e.vehicleId ? el('small', { class: 'muted' }, ` · ${e.vehicleId}`) : null),
          el('td', { class: 'wide-cell', 'data-label': t('fleet.colProfiles') }, el('span', { class: `badge ${cls}` }, label), e.complianceDetail ? el('small', { class: 'muted detail' }, e.complianceDetail) : null),
          el('td', { class: 'num', 'data-label': t('fleet.colPower') }, e.powerKw == null ? '—' : f.kw(e.powerKw)),
        ),
      );
    }
  }
  $('stations').tBodies[0].replaceChildren(...rows);
  log.setStations(stations.map((st) => st.stationId));
});

start().catch(pageError);
