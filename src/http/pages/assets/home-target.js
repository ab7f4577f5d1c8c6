// "When do you leave?": the one-off departure form, and which rule is in force and why, in plain words (a one-off
// target overrides the weekly rule until its departure; the car's own departure may override both by the site's rule).
import { api, ApiError, clearErrors, enc, fieldError, showError } from './api.js';
import * as f from './format.js';
import { t as tr } from './i18n.js';
import { $, mySession, reload, state, tz } from './home-state.js';

const form = $('target-form');
const departure = $('departure');
const amount = $('amount');
export const targetStatus = $('target-status');

function unit() {
  return form.elements.unit.value === 'percent' ? 'percent' : 'kwh';
}

function setUnit(u) {
  $(u === 'percent' ? 'unit-percent' : 'unit-kwh').checked = true;
  $('amount-label').textContent = u === 'percent' ? tr('home.target.amountPercent') : tr('home.target.amountKwh');
  $('amount-hint').textContent = u === 'percent' ? tr('home.target.hintPercent') : tr('home.target.hintKwh');
  amount.max = u === 'percent' ? '100' : '200';
}

/** The next departure as the site's local "YYYY-MM-DDTHH:MM", whatever shape the server gives it in. */
function nextDepartureLocal(t) {
  const n = t && t.nextDeparture;
  if (n && n.local) return n.local;
  if (t && t.once) return t.once.departure;
  const session = mySession();
  return session ? f.toLocalInput(session.departureAt, tz()) : '';
}

/** The one-off target while its departure has not passed (the server's next departure says which rule it used). */
function liveOnce(t) {
  return t && t.once && t.nextDeparture && t.nextDeparture.source === 'once' ? t.once : null;
}

/** Which rule is in force and why, as the planner reads it (its own precedence, targets.ts). */
export function ruleWords() {
  const t = state.target;
  const session = mySession();
  if (!state.vehicle) return '';
  if (session && session.targetSource === 'charging-needs') return tr('target.rule.carReported');
  const once = liveOnce(t);
  const weekly = t && t.weekly;
  const weeklyText = weekly ? tr('target.rule.weeklyText', { days: f.weekdays(weekly.days), time: weekly.time, amount: f.targetAmount(weekly) }) : '';
  if (once) {
    const values = { departure: f.localText(once.departure), amount: f.targetAmount(once) };
    return weekly ? tr('target.rule.onceOverrides', { ...values, weekly: weeklyText }) : tr('target.rule.once', values);
  }
  if (weekly) {
    const next = t.nextDeparture && t.nextDeparture.local;
    return next ? tr('target.rule.weeklyNext', { weekly: weeklyText, next: f.localText(next) }) : tr('target.rule.weekly', { weekly: weeklyText });
  }
  const p = state.site.policy || {};
  return tr('target.rule.default', { time: p.defaultDeparture || '07:00', amount: f.kwh(p.defaultEnergyKwh) });
}

export function fillTarget() {
  $('rule-in-force').textContent = ruleWords();
  $('once-clear').hidden = !(liveOnce(state.target) && state.target.weekly);
  if (form.dataset.dirty === '1') return; // never overwrite what the person is typing
  const t = state.target;
  const rule = t && (liveOnce(t) || t.weekly);
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
  const hint = [f.zoneHint(tz())];
  if (t && t.weekly) hint.push(tr('target.hintWeekly'));
  $('departure-hint').textContent = hint.join(' ');
}

export async function loadTarget() {
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
}

/** After a save, once a newer plan is shown: a sentence that stays true whatever plan comes next. */
export function afterPlan(plan) {
  if (state.savedAt === null) return;
  if (plan && plan.planId !== state.savedAt) {
    targetStatus.textContent = tr('target.includes', { saved: targetStatus.dataset.saved });
    state.savedAt = null;
  }
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
    fieldError(form, amount, u === 'percent' ? tr('target.errPercent') : tr('target.errKwh'));
    bad = amount;
  }
  if (!departure.value) {
    fieldError(form, departure, tr('target.errDeparture'));
    bad = departure;
  }
  if (bad) {
    targetStatus.textContent = tr('target.notSaved');
    bad.focus();
    return;
  }
  const body = { kind: 'once', departure: departure.value, ...(u === 'percent' ? { socPercent: value } : { energyKwh: value }) };
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  targetStatus.textContent = tr('common.saving');
  try {
    await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/target`, { method: 'PUT', json: body });
    form.dataset.dirty = '';
    const saved = tr('target.saved', { departure: f.localText(body.departure), amount: u === 'percent' ? f.percent(value) : f.kwh(value) });
    targetStatus.dataset.saved = saved;
    // A plan follows only while the car is plugged in; otherwise the target waits for it.
    const plugged = state.row && state.row.status !== 'away';
    state.savedAt = plugged ? (state.plan ? state.plan.planId : 0) : null;
    targetStatus.textContent = plugged ? tr('target.planning', { saved }) : tr('target.whenPlugged', { saved });
    await loadTarget();
  } catch (err) {
    showError(form, err, targetStatus);
  } finally {
    button.disabled = false;
  }
});

$('once-clear').addEventListener('click', async () => {
  try {
    await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/target/once`, { method: 'DELETE' });
    form.dataset.dirty = '';
    targetStatus.textContent = tr('target.onceGone');
    await reload.all();
  } catch (err) {
    showError(form, err, targetStatus);
  }
});
