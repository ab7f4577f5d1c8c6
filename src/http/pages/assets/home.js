// The homeowner's page: the car and charger, "when do you leave and how much", charge now, and the plan as a
// chart with its cost, saving and reasons. Everything comes from the API in the person's scope; a vehicle or
// site named in the address that is not theirs answers 403 and the page shows nothing but that.
import { api, ApiError, clearErrors, coalesce, enc, fieldError, messageOf, pageError, sentence, setupHeader, showError } from './api.js';
import * as f from './format.js';
import { el } from './dom.js';
import { describePlan, planChart } from './charts.js';
import { live } from './live.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = { site: null, vehicle: null, target: null, plan: null, row: null, evse: null, boost: false, savedAt: null };

const tz = () => state.site.timeZone;
const currency = () => (state.plan && state.plan.currency) || state.site.currency || 'EUR';

function facts(dl, pairs) {
  dl.replaceChildren(...pairs.filter(Boolean).flatMap(([k, v, attrs]) => [el('dt', {}, k), el('dd', attrs || {}, v)]));
}

// ---- loading ---------------------------------------------------------------------------------------------------

async function start() {
  await setupHeader();
  const [sites, vehicles] = await Promise.all([api('/api/v1/sites'), api('/api/v1/vehicles')]);
  const vehicleId = params.get('vehicle');
  const siteId = params.get('site');
  // Named in the address: fetched by id, so that one outside the person's scope is a 403, never a quiet fallback.
  state.vehicle = vehicleId ? await api(`/api/v1/vehicles/${enc(vehicleId)}`) : vehicles[0] || null;
  const summary = siteId
    ? { id: siteId }
    : sites.find((s) => state.vehicle && s.fleet === state.vehicle.fleet) || sites[0];
  if (!summary) throw new Error('No home is set up for your account yet. Ask whoever installed the charger.');
  state.site = await api(`/api/v1/sites/${enc(summary.id)}`);
  $('site-name').textContent = `at ${state.site.name || state.site.id}`;
  $('vehicle-name').textContent = state.vehicle ? state.vehicle.name : 'No car yet';
  $('departure-hint').textContent = f.zoneHint(tz());
  if (!state.vehicle) {
    $('target-form').hidden = true;
    $('boost-form').hidden = true;
  }
  // Listen before the first load, so that nothing that changes while it loads is missed. A new plan changes the
  // car's status too (charging now or waiting), which the fleet row computes from it.
  live(state.site.id, { plan: () => Promise.all([reloadPlan(), reloadStatus()]), status: () => reloadStatus(), open: () => reloadAll() });
  await Promise.all([loadTarget(), reloadStatus(), reloadPlan()]);
  $('content').setAttribute('aria-busy', 'false');
}

const reloadPlan = coalesce(async () => {
  try {
    state.plan = await api(`/api/v1/sites/${enc(state.site.id)}/plan`);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'PLAN_NONE')) throw err;
    state.plan = null;
  }
  await renderPlan();
  if (state.row !== null || state.evse !== null) renderStatus();
});

const reloadStatus = coalesce(async () => {
  const [rows, stations] = await Promise.all([
    api(`/api/v1/sites/${enc(state.site.id)}/vehicles`),
    api(`/api/v1/sites/${enc(state.site.id)}/stations`),
  ]);
  const vid = state.vehicle && state.vehicle.id;
  state.row = rows.find((r) => r.vehicleId === vid) || null;
  state.evse = null;
  for (const st of stations) {
    for (const e of st.evses) {
      const mine = e.vehicleId === vid || (state.row && state.row.stationId === st.stationId && state.row.evseId === e.evseId);
      if (mine || (!state.evse && stations.length === 1 && st.evses.length === 1)) state.evse = { ...e, stationId: st.stationId, online: st.online };
    }
  }
  renderStatus();
  renderBoost();
});

async function loadTarget() {
  if (!state.vehicle) return;
  try {
    state.target = await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/target`);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    state.target = null;
  }
  // The target view carries the running boost (null when none): shown after a reload too, with what is left.
  if (state.target && state.target.boost !== undefined) state.boost = state.target.boost;
  fillTarget();
  renderBoost();
}

const reloadAll = coalesce(async () => {
  await Promise.all([loadTarget(), reloadStatus(), reloadPlan()]);
});

// ---- the car and charger -------------------------------------------------------------------------------------

const COMPLIANCE_WARNING = {
  'ignores-profiles': 'This charger ignores our schedules: it charges at full power whenever the car is plugged in. The plan counts on that.',
  'rejects-profiles': 'This charger refuses our schedules, so it charges as it likes. The plan counts on that.',
  unreachable: 'We cannot reach this charger. It will follow the last schedule it received.',
};

/** When the plan first charges (the server's plan, never the browser's clock: the two may disagree). */
function nextChargeStart() {
  const session = mySession();
  if (!session) return null;
  const i = session.powerKw.findIndex((p) => p > 0);
  return i < 0 ? null : state.plan.slotStarts[i];
}

function renderStatus() {
  const e = state.evse;
  const row = state.row;
  const soFar = e && e.energyKwh != null ? ` ${f.kwh(e.energyKwh)} in so far.` : '';
  const next = nextChargeStart();
  const byRow = {
    away: 'Not plugged in.',
    'plugged-in': `Plugged in, waiting for the planned hours${next ? `: charging starts ${f.dayTime(next, tz())}` : ''}.${soFar}`,
    charging: `Charging${e && e.powerKw != null ? ` at ${f.kw(e.powerKw)}` : ''}.${soFar}`,
    ready: `Ready to go: the energy you asked for is in.${soFar}`,
    faulted: 'The charger reports a fault.',
    offline: 'The charger is offline; it follows the last schedule it received.',
  };
  let text;
  if (!state.vehicle) text = 'No car is registered for this home.';
  else if (row && byRow[row.status]) text = byRow[row.status];
  else text = e && e.transactionId ? `${f.humanize(e.status)}.${soFar}` : 'Not plugged in.';
  const status = $('car-status');
  status.textContent = text;
  status.dataset.status = row ? row.status : 'none';
  facts($('charger-facts'), [
    e && ['Charger', `${e.stationId} #${e.evseId}${e.online === false ? ' (offline)' : ''}`],
    e && ['Charger reports', f.humanize(e.status), { 'data-compliance': e.compliance }],
    e && e.compliance && e.compliance !== 'unknown' && ['Follows schedules', e.compliance === 'follows' || e.compliance === 'limited' ? 'Yes' : f.humanize(e.compliance)],
    row && row.socAtDeparturePercent != null && ['Battery at departure', f.percent(row.socAtDeparturePercent)],
  ]);
  const warning = $('charger-warning');
  const w = e && (COMPLIANCE_WARNING[e.compliance] || null);
  warning.textContent = w ? `${w}${e.complianceDetail ? ` (${e.complianceDetail})` : ''}` : '';
  warning.hidden = !w;
}

// ---- departure and target ------------------------------------------------------------------------------------

const form = $('target-form');
const departure = $('departure');
const amount = $('amount');
const targetStatus = $('target-status');

function unit() {
  return form.elements.unit.value === 'percent' ? 'percent' : 'kwh';
}

function setUnit(u) {
  $(u === 'percent' ? 'unit-percent' : 'unit-kwh').checked = true;
  $('amount-label').textContent = u === 'percent' ? 'Battery level at departure (%)' : 'Energy to add (kWh)';
  $('amount-hint').textContent =
    u === 'percent' ? 'Needs the battery level; if your car does not report it, use kWh.' : 'Works without knowing the battery level.';
  amount.max = u === 'percent' ? '100' : '200';
}

/** The next departure as the site's local "YYYY-MM-DDTHH:MM", whatever shape the server gives it in. */
function nextDepartureLocal(t) {
  const n = t && t.nextDeparture;
  if (n) {
    if (typeof n === 'string') return f.toLocalInput(n, tz());
    if (n.local) return n.local;
    if (n.departure) return f.toLocalInput(n.departure, tz());
    if (n.at) return f.toLocalInput(n.at, tz());
  }
  if (t && t.once) return t.once.departure;
  const session = mySession();
  return session ? f.toLocalInput(session.departureAt, tz()) : '';
}

function fillTarget() {
  if (form.dataset.dirty === '1') return; // never overwrite what the person is typing
  const t = state.target;
  const rule = t && (t.once || t.weekly);
  departure.value = nextDepartureLocal(t);
  if (rule && rule.socPercent != null) {
    setUnit('percent');
    amount.value = String(rule.socPercent);
  } else {
    setUnit('kwh');
    // Without a target of its own the car gets the site's default amount: start from that.
    const fallback = state.site.policy && state.site.policy.defaultEnergyKwh;
    amount.value = rule && rule.energyKwh != null ? String(rule.energyKwh) : amount.value || (fallback != null ? String(fallback) : '');
  }
  const weekly = t && t.weekly;
  const hint = [f.zoneHint(tz())];
  if (weekly) hint.push(`Your weekly rule: ${f.weekdays(weekly.days)} ${weekly.time}, ${f.targetAmount(weekly)}. A change here is for the next departure only.`);
  $('departure-hint').textContent = hint.join(' ');
}

form.addEventListener('input', () => {
  form.dataset.dirty = '1';
});
form.addEventListener('change', (e) => {
  if (e.target.name === 'unit') {
    setUnit(unit());
    amount.value = '';
    amount.focus();
  }
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const value = Number(amount.value);
  const u = unit();
  let bad = null;
  if (!amount.value || !(value > 0) || (u === 'percent' && value > 100)) {
    fieldError(form, amount, u === 'percent' ? 'Enter a battery level from 1 to 100 %.' : 'Enter the energy to add in kWh, more than 0.');
    bad = amount;
  }
  if (!departure.value) {
    fieldError(form, departure, 'Choose the date and time you leave.');
    bad = departure;
  }
  if (bad) {
    targetStatus.textContent = 'Not saved: check the fields marked.';
    bad.focus();
    return;
  }
  const body = { kind: 'once', departure: departure.value, ...(u === 'percent' ? { socPercent: value } : { energyKwh: value }) };
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  targetStatus.textContent = 'Saving…';
  try {
    await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/target`, { method: 'PUT', json: body });
    form.dataset.dirty = '';
    state.savedAt = state.plan ? state.plan.planId : 0;
    targetStatus.textContent = `Saved: leave ${f.localText(body.departure)} with ${u === 'percent' ? f.percent(value) : f.kwh(value)}. Planning…`;
    await loadTarget();
  } catch (err) {
    showError(form, err, targetStatus);
  } finally {
    button.disabled = false;
  }
});

// ---- charge now ----------------------------------------------------------------------------------------------

const boostForm = $('boost-form');
const boostStatus = $('boost-status');

function renderBoost() {
  const b = state.boost;
  $('boost-cancel').hidden = !b;
  if (b && typeof b === 'object' && b.remainingKwh != null && !boostStatus.dataset.fresh) {
    boostStatus.textContent = `Charging now: ${f.kwh(b.remainingKwh)} of ${f.kwh(b.energyKwh)} still to come.`;
  }
  boostStatus.dataset.fresh = '';
}

boostForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(boostForm);
  const input = $('boost-kwh');
  const value = Number(input.value);
  if (!(value > 0)) {
    fieldError(boostForm, input, 'Enter the energy to charge now in kWh, more than 0.');
    boostStatus.textContent = 'Not started: check the energy.';
    input.focus();
    return;
  }
  try {
    const res = await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/boost`, { method: 'PUT', json: { energyKwh: value } });
    state.boost = (res && res.boost) || res || true;
    boostStatus.textContent = `Charging now until ${f.kwh(value)} more are in.`;
    boostStatus.dataset.fresh = '1';
  } catch (err) {
    showError(boostForm, err, boostStatus);
  }
  renderBoost();
});

$('boost-cancel').addEventListener('click', async () => {
  clearErrors(boostForm);
  try {
    await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/boost`, { method: 'DELETE' });
    state.boost = null;
    boostStatus.textContent = 'Boost cancelled: back to the plan.';
    $('boost-start').focus();
  } catch (err) {
    showError(boostForm, err, boostStatus);
  }
  renderBoost();
});

// ---- the plan ------------------------------------------------------------------------------------------------

function mySession() {
  const p = state.plan;
  return p && state.vehicle ? p.sessions.find((s) => s.vehicleId === state.vehicle.id) || null : null;
}

/** What the same energy would cost charging at full power from the first slot on (the "dumb charger"). */
function costRightAway(plan, session) {
  const evse = (state.site.evses || []).find((e) => e.stationId === session.stationId && e.evseId === session.evseId);
  const full = Math.min(evse ? evse.maxKw : Infinity, state.vehicle.maxAcKw || Infinity, Math.max(...session.powerKw, 0) || Infinity);
  if (!Number.isFinite(full) || full <= 0) return null;
  let left = session.plannedKwh;
  let cost = 0;
  for (let i = 0; i < plan.slotStarts.length && left > 1e-9; i++) {
    const end = Date.parse(plan.slotStarts[i + 1] || plan.endAt);
    const hours = (end - Date.parse(plan.slotStarts[i])) / 3_600_000;
    const price = plan.prices[i];
    if (!price || price.total == null) return null;
    const e = Math.min(left, full * hours);
    cost += e * price.total;
    left -= e;
  }
  return left > 1e-6 ? null : cost;
}

async function priceSpec() {
  // No plan yet: the prices alone, so that the person still sees when it will be cheap.
  const prices = await api(`/api/v1/sites/${enc(state.site.id)}/prices`).catch(() => []);
  if (!prices.length) return null;
  return {
    startsMs: prices.map((p) => Date.parse(p.start)),
    endMs: Date.parse(prices[prices.length - 1].end),
    powerKw: null,
    prices,
    currency: prices[0].currency,
  };
}

async function renderPlan() {
  const plan = state.plan;
  const session = mySession();
  const figure = $('plan-figure');
  const cur = currency();
  let spec = null;
  if (plan) {
    spec = {
      startsMs: plan.slotStarts.map(Date.parse),
      endMs: Date.parse(plan.endAt),
      powerKw: session ? session.powerKw : plan.slotStarts.map(() => 0),
      prices: plan.prices,
      departureMs: session ? Date.parse(session.departureAt) : undefined,
    };
  } else {
    spec = await priceSpec();
  }
  figure.dataset.planId = plan ? String(plan.planId) : '';
  figure.dataset.profileId = session && session.pushed ? String(session.pushed.profileId) : '';
  if (spec) {
    const full = { currency: cur, ...spec, timeZone: tz(), parts: true };
    planChart($('plan-chart'), full);
    $('plan-caption').textContent = describePlan(full);
  } else {
    $('plan-chart').textContent = 'No prices yet.';
    $('plan-caption').textContent = '';
  }
  renderSummary(plan, session, cur);
  renderWhy(plan, session, cur);
  renderTable(spec, cur);
  if (plan && state.savedAt !== null && plan.planId !== state.savedAt) {
    targetStatus.textContent = `Saved. The new plan (#${plan.planId}) is below.`;
    state.savedAt = null;
  }
}

function renderSummary(plan, session, cur) {
  const dl = $('plan-summary');
  if (!plan || !session) {
    facts(dl, [['Plan', state.vehicle ? 'Plug in the car to get a plan.' : 'No car yet.']]);
    return;
  }
  const right = costRightAway(plan, session);
  const saving = right == null ? null : right - session.cost;
  const pushed = session.pushed;
  const charger = !pushed
    ? 'not sent yet'
    : pushed.state === 'accepted'
      ? `has it (profile ${pushed.profileId})`
      : `${pushed.state} (profile ${pushed.profileId})`;
  facts(dl, [
    ['Ready', session.readyAt ? f.dateTime(session.readyAt, tz()) : `Not by departure: ${f.kwh(session.shortfallKwh)} short`, { id: 'ready-at', class: session.readyAt ? '' : 'bad' }],
    ['Leaves', f.dateTime(session.departureAt, tz())],
    ['Energy', `${f.kwh(session.plannedKwh)} of ${f.kwh(session.requestedKwh)}`],
    session.boost && ['Charge now', `${f.kwh(session.boost.plannedKwh)} at full power${session.boost.untilAt ? ` until ${f.dayTime(session.boost.untilAt, tz())}` : ''}`, { id: 'boost-plan' }],
    ['Expected cost', f.money(session.cost, cur), { id: 'expected-cost' }],
    saving != null && ['Saving', saving > 0.005 ? `${f.money(saving, cur)} vs. charging right away` : 'None: prices are flat until you leave', { id: 'saving' }],
    ['Plan', `#${plan.planId}, made ${f.dayTime(plan.createdAt, tz())}; charger ${charger}`, { id: 'plan-id' }],
  ]);
}

function renderWhy(plan, session, cur) {
  const ul = $('plan-why');
  const items = [];
  if (plan && session) {
    const dep = Date.parse(session.departureAt);
    const slots = plan.slotStarts.map((s, i) => ({ i, start: Date.parse(s), price: plan.prices[i] && plan.prices[i].total, kw: session.powerKw[i] || 0 }));
    const before = slots.filter((s) => s.start < dep && s.price != null);
    const charging = before.filter((s) => s.kw > 0);
    if (charging.length && before.length) {
      const avgAll = before.reduce((a, s) => a + s.price, 0) / before.length;
      const w = charging.reduce((a, s) => a + s.kw, 0);
      const avgCharging = charging.reduce((a, s) => a + s.price * s.kw, 0) / w;
      items.push(
        `It charges when power is cheapest before you leave: ${f.perKwh(avgCharging, cur)} on average while charging, against ${f.perKwh(avgAll, cur)} on average until ${f.time(dep, tz())}.`,
      );
    }
    if (session.shortfallKwh > 0.05) {
      const why = session.shortfallMessage || (session.shortfallReason ? f.humanize(session.shortfallReason) : null);
      items.push(`It cannot get everything in by departure: ${f.kwh(session.shortfallKwh)} short${why ? ` (${why})` : ''}. Leave later or ask for less.`);
    }
    for (const note of session.notes || []) items.push(sentence(note));
  }
  if (!items.length) items.push(plan ? 'Nothing to charge for this car in the current plan.' : 'No plan yet: it is made when the car is plugged in.');
  ul.replaceChildren(...items.map((t) => el('li', {}, t)));
}

function renderTable(spec, cur) {
  const body = $('plan-table').tBodies[0];
  if (!spec) {
    body.replaceChildren();
    return;
  }
  body.replaceChildren(
    ...spec.startsMs.map((start, i) => {
      const p = spec.prices[i] || {};
      const power = (spec.powerKw && spec.powerKw[i]) || 0;
      return el(
        'tr',
        { class: power > 0 ? 'on' : '' },
        el('th', { scope: 'row' }, f.dayTime(start, tz())),
        el('td', { class: 'num' }, f.number(power, 1)),
        el('td', { class: 'num' }, f.perKwh(p.total, cur)),
        el('td', { class: 'num' }, f.perKwh(p.energy, cur)),
        el('td', { class: 'num' }, f.perKwh(p.gridFees, cur)),
        el('td', { class: 'num' }, f.perKwh(p.taxes, cur)),
      );
    }),
  );
}

start().catch((err) => {
  pageError(err instanceof Error || err instanceof ApiError ? err : new Error(messageOf(err)));
});
