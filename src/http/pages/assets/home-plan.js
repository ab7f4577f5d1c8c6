// The plan: the chart of power over price, its summary (ready, energy, cost of the rest, saving, what the charger
// holds), why it charges then, and the table alternative. Every sentence is true in every state (home-words.js).
import { api, enc } from './api.js';
import * as f from './format.js';
import { t as tr } from './i18n.js';
import { el } from './dom.js';
import { describePlan, planChart } from './charts.js';
import { $, currency, facts, mySession, state, tz } from './home-state.js';
import { chargerWords, fullAt, noteWords, pricesFlat, shortfallReason, shortfallWords, whyWords } from './home-words.js';
import { afterPlan } from './home-target.js';

const modeInForce = () => (state.mode && state.mode.inForce ? state.mode.mode : null);

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
  return { startsMs: prices.map((p) => Date.parse(p.start)), endMs: Date.parse(prices[prices.length - 1].end), powerKw: null, prices, currency: prices[0].currency };
}

export async function renderPlan() {
  const plan = state.plan;
  const session = mySession();
  const figure = $('plan-figure');
  const cur = currency();
  // Without this car in the plan (it is away), the prices ahead: an empty plan's few minutes say nothing.
  const spec = plan && session
    ? {
        startsMs: plan.slotStarts.map(Date.parse),
        endMs: Date.parse(plan.endAt),
        powerKw: session.powerKw,
        prices: plan.prices,
        departureMs: Date.parse(session.departureAt),
      }
    : await priceSpec();
  figure.dataset.planId = plan ? String(plan.planId) : '';
  figure.dataset.profileId = session && session.pushed ? String(session.pushed.profileId) : '';
  if (spec) {
    const full = { currency: cur, ...spec, timeZone: tz(), parts: true };
    planChart($('plan-chart'), full);
    $('plan-caption').textContent = describePlan(full);
  } else {
    $('plan-chart').textContent = tr('plan.noPrices');
    $('plan-caption').textContent = '';
  }
  renderSummary(plan, session, cur);
  renderWhy(plan, session, cur);
  renderTable(spec, cur);
  afterPlan(plan);
}

function savingText(plan, session, cur) {
  const right = costRightAway(plan, session);
  if (right == null) return null;
  const saving = right - session.cost;
  if (saving > 0.005) return tr('plan.saving', { amount: f.money(saving, cur) });
  if (pricesFlat(plan, Date.parse(session.departureAt))) return tr('plan.savingFlat');
  return tr('plan.savingSame');
}

function renderSummary(plan, session, cur) {
  const dl = $('plan-summary');
  if (!plan || !session) {
    const last = state.now && state.now.last;
    facts(dl, [[tr('plan.factPlan'), !state.vehicle ? tr('plan.noCar') : last ? tr('plan.plugInNext') : tr('plan.plugIn')]]);
    return;
  }
  const nothingLeft = session.requestedKwh < 0.05 && session.plannedKwh < 0.05;
  const full = fullAt(session);
  const energy = nothingLeft
    ? full !== undefined ? tr('plan.noneFull') : tr('plan.noneIn')
    : tr('plan.planned', { planned: f.kwh(session.plannedKwh), wanted: f.kwh(session.requestedKwh) });
  const saving = nothingLeft ? null : savingText(plan, session, cur);
  facts(dl, [
    [tr('plan.factReady'), nothingLeft ? tr('plan.readyNow') : session.readyAt ? f.dateTime(session.readyAt, tz()) : tr('plan.notByDeparture', { short: f.kwh(session.shortfallKwh) }), { id: 'ready-at', class: nothingLeft || session.readyAt ? '' : 'bad' }],
    [tr('plan.factLeaves'), f.dateTime(session.departureAt, tz())],
    [tr('plan.factEnergy'), energy, { id: 'plan-energy' }],
    session.boost && [tr('plan.factBoost'), session.boost.untilAt ? tr('plan.boostUntil', { energy: f.kwh(session.boost.plannedKwh), until: f.dayTime(session.boost.untilAt, tz()) }) : tr('plan.boost', { energy: f.kwh(session.boost.plannedKwh) }), { id: 'boost-plan' }],
    !nothingLeft && [tr('plan.factCost'), f.money(session.cost, cur), { id: 'expected-cost' }],
    saving != null && [tr('plan.factSaving'), saving, { id: 'saving' }],
    [tr('plan.factPlan'), tr('plan.made', { id: String(plan.planId), made: f.dayTime(plan.createdAt, tz()), charger: chargerWords(session.pushed, session.compliance) }), { id: 'plan-id' }],
  ]);
}

function renderWhy(plan, session, cur) {
  const items = [];
  if (plan && session) {
    const mode = modeInForce();
    const why = whyWords(plan, session, mode, cur, tz());
    if (why) items.push(why);
    if (session.shortfallKwh > 0.05) items.push(shortfallWords(session, mode, cur, tz()));
    const madeAt = Date.parse(plan.createdAt);
    const reason = session.shortfallKwh > 0.05 ? shortfallReason(session, mode, cur, tz(), madeAt) : null;
    if (reason) items.push(reason);
    (session.notes || []).forEach((_, i) => {
      const t = noteWords(session, i, tz(), cur, madeAt);
      if (t) items.push(t);
    });
  }
  if (!items.length) {
    items.push(!plan ? tr('plan.whyNone') : session && fullAt(session) !== undefined ? tr('plan.whyFull') : session ? tr('plan.whyNothing') : tr('plan.whyAway'));
  }
  $('plan-why').replaceChildren(...items.map((t) => el('li', {}, t)));
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
