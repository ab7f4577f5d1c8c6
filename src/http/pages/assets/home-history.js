// Past charges (issue 18): each charge of the month with energy, cost, the price paid per kWh, the saving and the
// plan it followed; the month's totals; the month as CSV.
import { api, enc } from './api.js';
import * as f from './format.js';
import { locale, t as tr } from './i18n.js';
import { el } from './dom.js';
import { $, state, tz } from './home-state.js';

const month = $('history-month');

function totalsWords(h) {
  const t = h.totals;
  const cur = h.currency || 'EUR';
  if (!t.sessions) return tr('history.none', { month: monthName(h.month) });
  const values = { month: monthName(h.month), sessions: t.sessions, energy: f.kwh(t.energyKwh), cost: f.money(t.cost, cur) };
  const totals = t.pricePerKwh == null ? tr('history.totals', values) : tr('history.totalsAverage', { ...values, price: f.perKwh(t.pricePerKwh, cur) });
  const saved = t.savings > 0.005 ? tr('history.saved', { amount: f.money(t.savings, cur) }) : tr('history.noSaving');
  return `${totals} ${saved}`;
}

function monthName(ym) {
  const [y, m] = ym.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

export async function loadHistory() {
  if (!state.vehicle) {
    $('history-totals').textContent = tr('history.noCar');
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
    el('th', { scope: 'row' }, s.endedAt ? tr('history.span', { from: f.dayTime(s.startedAt, tz()), to: f.time(s.endedAt, tz()) }) : tr('history.stillCharging', { from: f.dayTime(s.startedAt, tz()) })),
    el('td', { class: 'num', 'data-label': tr('home.history.colEnergy') }, f.kwh(s.energyKwh)),
    el('td', { class: 'num', 'data-label': tr('home.history.colCost') }, f.money(s.cost, cur)),
    el('td', { class: 'num', 'data-label': tr('home.history.colPricePaid') }, s.energyKwh < 0.05 ? '—' : s.pricePerKwh == null ? tr('history.noPrice') : f.perKwh(s.pricePerKwh, cur)),
    el('td', { class: 'num', 'data-label': tr('home.history.colSaved') }, s.savings == null ? tr('history.notCompared') : s.savings > 0.005 ? f.money(s.savings, cur) : tr('common.none')),
    el('td', { 'data-label': tr('home.history.colPlan') }, s.planId == null ? tr('history.noneSent') : tr('history.plan', { id: String(s.planId) })),
  )));
}

month.addEventListener('change', () => {
  void loadHistory();
});
