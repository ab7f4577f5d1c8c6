// How it charges (issue 18): smart (the plan), charge now (the boost), paused until a time, a price cap, and a minimum
// at once. The modes are solver inputs on the server (src/scheduler/charging-modes.ts): the page only sets them and
// says what is in force; the plan and the charger's profile change with the next plan.
import { api, ApiError, clearErrors, enc, fieldError, showError } from './api.js';
import * as f from './format.js';
import { t } from './i18n.js';
import { $, currency, reload, state, tz } from './home-state.js';

const form = $('mode-form');
const status = $('mode-status');
const FIELDS = { paused: 'mode-until-field', 'price-cap': 'mode-cap-field', minimum: 'mode-minimum-field' };

const chosen = () => form.elements.mode.value || 'smart';
const minUnit = () => (form.elements.minUnit.value === 'percent' ? 'percent' : 'kwh');

function showFields() {
  for (const [kind, id] of Object.entries(FIELDS)) $(id).hidden = chosen() !== kind;
  $('mode-minimum-label').textContent = minUnit() === 'percent' ? t('home.mode.minimumPercent') : t('home.mode.minimumKwh');
  $('mode-cap-label').textContent = t('home.mode.capLabelCurrency', { currency: currency() });
}

/** The mode in force in one sentence. */
export function modeWords() {
  const m = state.mode && state.mode.inForce ? state.mode.mode : null;
  if (state.boost) return t('mode.words.boost');
  if (!m) return t('mode.words.smart');
  if (m.kind === 'paused') return t('mode.words.paused', { until: f.localText(m.until) });
  if (m.kind === 'price-cap') return t('mode.words.cap', { cap: f.perKwh(m.maxPrice, currency()) });
  const amount = m.energyKwh != null ? f.kwh(m.energyKwh) : f.percent(m.socPercent);
  return t('mode.words.minimum', { amount });
}

/** Tonight's 22:00, or tomorrow's if that has passed (site-local), as the pause's default. */
function defaultUntil() {
  // The server's time (its latest plan), not the browser's: the two may disagree.
  const at = state.plan ? Date.parse(state.plan.createdAt) : Date.now();
  const now = f.toLocalInput(at, tz());
  const today = now.slice(0, 10);
  return now < `${today}T22:00` ? `${today}T22:00` : '';
}

export function fillMode() {
  $('mode-now').textContent = modeWords();
  if (form.dataset.dirty === '1') return;
  const m = state.mode && state.mode.inForce ? state.mode.mode : null;
  const kind = m ? m.kind : 'smart';
  for (const r of form.querySelectorAll('input[name=mode]')) r.checked = r.value === kind;
  $('mode-until').value = m && m.kind === 'paused' ? m.until : defaultUntil();
  $('mode-cap').value = m && m.kind === 'price-cap' ? String(m.maxPrice) : '';
  if (m && m.kind === 'minimum') {
    $(m.socPercent != null ? 'min-unit-percent' : 'min-unit-kwh').checked = true;
    $('mode-minimum').value = String(m.socPercent != null ? m.socPercent : m.energyKwh);
  }
  showFields();
}

export async function loadMode() {
  if (!state.vehicle) return;
  try {
    state.mode = await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/mode`);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    state.mode = null;
  }
  fillMode();
}

form.addEventListener('input', () => {
  form.dataset.dirty = '1';
});
form.addEventListener('change', () => showFields());

function body() {
  const kind = chosen();
  if (kind === 'smart') return { kind };
  if (kind === 'paused') {
    const until = $('mode-until').value;
    return until ? { kind, until } : { error: [$('mode-until'), t('mode.errUntil')] };
  }
  if (kind === 'price-cap') {
    const v = Number($('mode-cap').value);
    return $('mode-cap').value !== '' && v >= 0 ? { kind, maxPrice: v } : { error: [$('mode-cap'), t('mode.errCap')] };
  }
  const v = Number($('mode-minimum').value);
  const pct = minUnit() === 'percent';
  if (!(v > 0) || (pct && v > 100)) return { error: [$('mode-minimum'), pct ? t('target.errPercent') : t('mode.errKwh')] };
  return pct ? { kind, socPercent: v } : { kind, energyKwh: v };
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const b = body();
  if (b.error) {
    fieldError(form, b.error[0], b.error[1]);
    status.textContent = t('mode.notChanged');
    b.error[0].focus();
    return;
  }
  try {
    state.mode = await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/mode`, { method: 'PUT', json: b });
    form.dataset.dirty = '';
    if (b.kind !== 'smart') state.boost = null; // the server ended a running charge-now
    status.textContent = state.row && state.row.status !== 'away' ? t('mode.donePlugged') : t('mode.doneAway');
    renderBoost();
    fillMode();
    await reload.all();
  } catch (err) {
    showError(form, err, status);
  }
});

// ---- charge now (the boost) -------------------------------------------------------------------------------------

const boostForm = $('boost-form');
const boostStatus = $('boost-status');

export function renderBoost() {
  const b = state.boost;
  $('boost-cancel').hidden = !b;
  if (b && typeof b === 'object' && b.remainingKwh != null && !boostStatus.dataset.fresh) {
    boostStatus.textContent = b.remainingKwh > 0.05 ? t('boost.remaining', { remaining: f.kwh(b.remainingKwh), total: f.kwh(b.energyKwh) }) : t('boost.done', { total: f.kwh(b.energyKwh) });
  }
  boostStatus.dataset.fresh = '';
  $('mode-now').textContent = modeWords();
}

boostForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(boostForm);
  const input = $('boost-kwh');
  const value = Number(input.value);
  if (!(value > 0)) {
    fieldError(boostForm, input, t('boost.errKwh'));
    boostStatus.textContent = t('boost.notStarted');
    input.focus();
    return;
  }
  try {
    // Charge now is a mode too: a pause or a cap would hold it back, so it goes back to smart first.
    if (state.mode && state.mode.mode) state.mode = await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/mode`, { method: 'PUT', json: { kind: 'smart' } });
    const res = await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/boost`, { method: 'PUT', json: { energyKwh: value } });
    state.boost = (res && res.boost) || res || true;
    boostStatus.textContent = t('boost.started', { energy: f.kwh(value) });
    boostStatus.dataset.fresh = '1';
    fillMode();
  } catch (err) {
    showError(boostForm, err, boostStatus);
    if (err instanceof ApiError && err.code === 'VEHICLE_NOT_PLUGGED_IN') boostStatus.textContent = t('boost.notPlugged');
  }
  renderBoost();
});

$('boost-cancel').addEventListener('click', async () => {
  clearErrors(boostForm);
  try {
    await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/boost`, { method: 'DELETE' });
    state.boost = null;
    boostStatus.textContent = t('boost.cancelled');
    $('boost-start').focus();
  } catch (err) {
    showError(boostForm, err, boostStatus);
  }
  renderBoost();
});
