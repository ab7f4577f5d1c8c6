// The weekly departure on the page (issue 18): create, change and delete days, time and amount. The API keeps it
// beside the one-off target; the rule in force is said by home-target.js.
import { api, clearErrors, enc, fieldError, showError } from './api.js';
import * as f from './format.js';
import { t } from './i18n.js';
import { $, reload, state } from './home-state.js';

const form = $('weekly-form');
const status = $('weekly-status');
const amount = $('weekly-amount');

const unit = () => (form.elements.weeklyUnit.value === 'percent' ? 'percent' : 'kwh');
function setUnit(u) {
  $(u === 'percent' ? 'weekly-unit-percent' : 'weekly-unit-kwh').checked = true;
  $('weekly-amount-label').textContent = u === 'percent' ? t('home.weekly.amountPercent') : t('home.weekly.amountKwh');
  amount.max = u === 'percent' ? '100' : '200';
}

export function fillWeekly() {
  const w = state.target && state.target.weekly;
  $('weekly-delete').hidden = !w;
  if (!state.vehicle) {
    form.hidden = true;
    return;
  }
  if (form.dataset.dirty === '1') return;
  for (const box of form.querySelectorAll('input[name=days]')) box.checked = w ? w.days.includes(box.value) : ['mon', 'tue', 'wed', 'thu', 'fri'].includes(box.value);
  $('weekly-time').value = w ? w.time : '';
  setUnit(w && w.socPercent != null ? 'percent' : 'kwh');
  amount.value = w ? String(w.socPercent != null ? w.socPercent : w.energyKwh != null ? w.energyKwh : '') : '';
}

form.addEventListener('input', () => {
  form.dataset.dirty = '1';
});
form.addEventListener('change', (e) => {
  if (e.target.name === 'weeklyUnit') setUnit(unit());
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const days = [...form.querySelectorAll('input[name=days]:checked')].map((b) => b.value);
  const time = $('weekly-time').value;
  const value = Number(amount.value);
  const u = unit();
  let bad = null;
  if (!amount.value || !(value > 0) || (u === 'percent' && value > 100)) {
    fieldError(form, amount, u === 'percent' ? t('target.errPercent') : t('target.errKwh'));
    bad = amount;
  }
  if (!/^\d{2}:\d{2}$/.test(time)) {
    fieldError(form, $('weekly-time'), t('weekly.errTime'));
    bad = $('weekly-time');
  }
  if (!days.length) {
    fieldError(form, $('weekly-days').querySelector('input'), t('weekly.errDays'));
    $('weekly-days-error').textContent = t('weekly.errDays');
    $('weekly-days-error').hidden = false;
    bad = bad || $('weekly-days').querySelector('input');
  }
  if (bad) {
    status.textContent = t('weekly.notSet');
    bad.focus();
    return;
  }
  const body = { kind: 'weekly', days, time, ...(u === 'percent' ? { socPercent: value } : { energyKwh: value }) };
  try {
    await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/target`, { method: 'PUT', json: body });
    form.dataset.dirty = '';
    status.textContent = t('weekly.set', { days: f.weekdays(days), time, amount: u === 'percent' ? f.percent(value) : f.kwh(value) });
    await reload.all();
  } catch (err) {
    showError(form, err, status);
  }
});

$('weekly-delete').addEventListener('click', async () => {
  clearErrors(form);
  try {
    await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/target/weekly`, { method: 'DELETE' });
    form.dataset.dirty = '';
    status.textContent = t('weekly.deleted');
    await reload.all();
    $('weekly-set').focus();
  } catch (err) {
    showError(form, err, status);
  }
});
