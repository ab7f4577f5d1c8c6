// Past charges (issue 18): each charge of the month with energy, cost, the price paid per kWh, the saving and the
// plan it followed; the month's totals; the month as CSV.
import { api, enc } from './api.js';
import * as f from './format.js';
import { el } from './dom.js';
import { $, state, tz } from './home-state.js';

const month = $('history-month');

function totalsWords(h) {
  const t = h.totals;
  const cur = h.currency || 'EUR';
  if (!t.sessions) return `No charges in ${monthName(h.month)}.`;
  const paid = t.pricePerKwh == null ? '' : `, ${f.perKwh(t.pricePerKwh, cur)} on average`;
  const saved = t.savings > 0.005 ? ` Saved ${f.money(t.savings, cur)} against charging right away.` : ' No saving against charging right away.';
  return `${monthName(h.month)}: ${t.sessions === 1 ? '1 charge' : `${t.sessions} charges`}, ${f.kwh(t.energyKwh)} for ${f.money(t.cost, cur)}${paid}.${saved}`;
}

function monthName(ym) {
  const [y, m] = ym.split('-').map(Number);
  return new Intl.DateTimeFormat(document.documentElement.lang || undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

export async function loadHistory() {
  if (!state.vehicle) {
    $('history-totals').textContent = 'No car yet.';
    return;
  }
  const q = month.value ? `?month=${enc(month.value)}` : '';
  const h = await api(`/api/v1/vehicles/${enc(state.vehicle.id)}/history${q}`);
  if (!month.value) month.value = h.month;
  const cur = h.currency || 'EUR';
  $('history-totals').textContent = totalsWords(h);
  $('history-csv').href = `/api/v1/vehicles/${enc(state.vehicle.id)}/history.csv?month=${enc(h.month)}`;
  $('history').tBodies[0].replaceChildren(...h.sessions.map((s) => el(
    'tr',
    { 'data-transaction': s.transactionId },
    el('th', { scope: 'row' }, s.endedAt ? `${f.dayTime(s.startedAt, tz())} – ${f.time(s.endedAt, tz())}` : `${f.dayTime(s.startedAt, tz())}, still charging`),
    el('td', { class: 'num', 'data-label': 'Energy' }, f.kwh(s.energyKwh)),
    el('td', { class: 'num', 'data-label': 'Cost' }, f.money(s.cost, cur)),
    el('td', { class: 'num', 'data-label': 'Price paid' }, s.energyKwh < 0.05 ? '—' : s.pricePerKwh == null ? 'No price' : f.perKwh(s.pricePerKwh, cur)),
    el('td', { class: 'num', 'data-label': 'Saved' }, s.savings == null ? 'Not compared' : s.savings > 0.005 ? f.money(s.savings, cur) : 'None'),
    el('td', { 'data-label': 'Plan' }, s.planId == null ? 'None sent' : `#${s.planId}`),
  )));
}

month.addEventListener('change', () => {
  void loadHistory();
});
