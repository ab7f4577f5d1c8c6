// The car and charger: what it is doing now in one sentence, the battery and range when the car reports its SoC,
// what this charge has cost and saved so far, and the last charge's summary while the car is away.
import * as f from './format.js';
import { $, currency, facts, line, mySession, state, tz } from './home-state.js';
import { chargeWords, COMPLIANCE_WARNING, fullAt, savedWords } from './home-words.js';

/** When the plan first charges (the server's plan, never the browser's clock: the two may disagree). */
function nextChargeStart() {
  const session = mySession();
  if (!session) return null;
  const i = session.powerKw.findIndex((p) => p > 0);
  return i < 0 ? null : state.plan.slotStarts[i];
}

function modeInForce() {
  return state.mode && state.mode.inForce ? state.mode.mode : null;
}

function statusText() {
  const e = state.evse;
  const row = state.row;
  const current = state.now && state.now.current;
  const inKwh = current ? current.energyKwh : e && e.energyKwh != null ? e.energyKwh : null;
  const soFar = inKwh != null && inKwh >= 0.05 ? ` ${f.kwh(inKwh)} in so far.` : '';
  if (!state.vehicle) return 'No car is registered for this home.';
  const full = fullAt(mySession());
  if (full !== undefined && row && row.status !== 'away') return `Full: the car stopped taking energy${full != null ? ` at ${f.kwh(full)} in this charge` : ''}. Nothing more is planned.`;
  if (e && e.online === false) return 'The charger is offline; it follows the last schedule it received.';
  if (row && row.status === 'away') return 'Not plugged in.';
  if (row && row.status === 'plugged-in') {
    const mode = modeInForce();
    if (mode && mode.kind === 'paused') return `Plugged in, paused until ${f.localText(mode.until)} as you asked.${soFar}`;
    const next = nextChargeStart();
    return `Plugged in, waiting for the planned hours${next ? `: charging starts ${f.dayTime(next, tz())}` : ''}.${soFar}`;
  }
  if (row && row.status === 'charging') {
    // The charger says charging; a car drawing nothing (yet) is said as such, not "charging at 0 kW".
    if (e && e.powerKw != null && e.powerKw < 0.05) return `The charger offers power; the car is not drawing any right now.${soFar}`;
    return `Charging${e && e.powerKw != null ? ` at ${f.kw(e.powerKw)}` : ''}.${soFar}`;
  }
  if (row && row.status === 'ready') return `Ready to go: the energy you asked for is in.${soFar}`;
  if (row && row.status === 'offline') return 'The charger is offline; it follows the last schedule it received.';
  return e && e.transactionId ? `Plugged in.${soFar}` : 'Not plugged in.';
}

export function renderStatus() {
  const e = state.evse;
  const row = state.row;
  const cur = currency();
  const status = $('car-status');
  status.textContent = statusText();
  status.dataset.status = row ? row.status : 'none';
  const now = state.now;
  const b = now && now.battery;
  line('battery', b ? `Battery ${f.percent(b.socPercent)}, reported ${f.dayTime(b.at, tz())}${b.rangeKm != null ? `: about ${f.number(b.rangeKm, 0)} km of range (an estimate at ${f.number(b.consumptionKwhPer100Km, 0)} kWh per 100 km)` : ''}.` : '');
  const c = now && now.current;
  line('session-so-far', c ? `This charge so far: ${chargeWords(c, cur)}. ${savedWords(c, cur)}`.trim() : '');
  const last = now && now.last;
  line('last-session', !c && last ? `Last charge, ${f.dayTime(last.startedAt, tz())} to ${f.dayTime(last.endedAt, tz())}: ${chargeWords(last, cur)}. ${savedWords(last, cur)}` : '');
  facts($('charger-facts'), [
    e && ['Charger', `${e.stationId} #${e.evseId}${e.online === false ? ' (offline)' : ''}`],
    e && ['Charger reports', f.humanize(e.status), { 'data-compliance': e.compliance }],
    e && e.compliance && e.compliance !== 'unknown' && ['Follows schedules', e.compliance === 'follows' || e.compliance === 'limited' ? 'Yes' : e.compliance === 'unreachable' ? 'Not answering' : 'No'],
    row && row.socAtDeparturePercent != null && ['Battery at departure', f.percent(row.socAtDeparturePercent)],
  ]);
  // The warning is ours, in words: the charger's own detail may be an error code (OCPP_TIMEOUT: ...).
  const w = e && (COMPLIANCE_WARNING[e.compliance] || null);
  line('charger-warning', w);
}
