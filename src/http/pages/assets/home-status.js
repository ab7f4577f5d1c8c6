// The car and charger: what it is doing now in one sentence, the battery and range when the car reports its SoC,
// what this charge has cost and saved so far, and the last charge's summary while the car is away.
import * as f from './format.js';
import { t } from './i18n.js';
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
  // Each state is one sentence; the energy so far is a second sentence of its own after it.
  const soFar = inKwh != null && inKwh >= 0.05 ? t('status.soFar', { energy: f.kwh(inKwh) }) : '';
  const with_ = (sentence) => (soFar ? `${sentence} ${soFar}` : sentence);
  if (!state.vehicle) return t('status.noCar');
  const full = fullAt(mySession());
  if (full !== undefined && row && row.status !== 'away') return full != null ? t('status.fullAt', { energy: f.kwh(full) }) : t('status.full');
  if (e && e.online === false) return t('status.offline');
  if (row && row.status === 'away') return t('status.notPluggedIn');
  if (row && row.status === 'plugged-in') {
    const mode = modeInForce();
    if (mode && mode.kind === 'paused') return with_(t('status.paused', { until: f.localText(mode.until) }));
    const next = nextChargeStart();
    return with_(next ? t('status.waitingStarts', { start: f.dayTime(next, tz()) }) : t('status.waiting'));
  }
  if (row && row.status === 'charging') {
    // The charger says charging; a car drawing nothing (yet) is said as such, not "charging at 0 kW".
    if (e && e.powerKw != null && e.powerKw < 0.05) return with_(t('status.notDrawing'));
    return with_(e && e.powerKw != null ? t('status.chargingAt', { power: f.kw(e.powerKw) }) : t('status.charging'));
  }
  if (row && row.status === 'ready') return with_(t('status.ready'));
  if (row && row.status === 'offline') return t('status.offline');
  return e && e.transactionId ? with_(t('status.pluggedIn')) : t('status.notPluggedIn');
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
  const battery = b && { soc: f.percent(b.socPercent), at: f.dayTime(b.at, tz()) };
  line('battery', b ? (b.rangeKm != null ? t('status.batteryRange', { ...battery, km: f.number(b.rangeKm, 0), consumption: f.number(b.consumptionKwhPer100Km, 0) }) : t('status.battery', battery)) : '');
  const c = now && now.current;
  line('session-so-far', c ? `${t('status.sessionSoFar', { charge: chargeWords(c, cur) })} ${savedWords(c, cur)}`.trim() : '');
  const last = now && now.last;
  line('last-session', !c && last ? `${t('status.lastSession', { from: f.dayTime(last.startedAt, tz()), to: f.dayTime(last.endedAt, tz()), charge: chargeWords(last, cur) })} ${savedWords(last, cur)}` : '');
  const evse = e && { station: e.stationId, evse: String(e.evseId) };
  facts($('charger-facts'), [
    e && [t('status.factCharger'), e.online === false ? t('status.chargerEvseOffline', evse) : t('status.chargerEvse', evse)],
    e && [t('status.factReports'), f.statusWord(e.status), { 'data-compliance': e.compliance }],
    e && e.compliance && e.compliance !== 'unknown' && [t('status.factFollows'), e.compliance === 'follows' || e.compliance === 'limited' ? t('common.yes') : e.compliance === 'unreachable' ? t('status.notAnswering') : t('common.no')],
    row && row.socAtDeparturePercent != null && [t('status.factBatteryAtDeparture'), f.percent(row.socAtDeparturePercent)],
  ]);
  // The warning is ours, in words: the charger's own detail may be an error code (OCPP_TIMEOUT: ...).
  const w = e && (COMPLIANCE_WARNING[e.compliance] || null);
  line('charger-warning', w);
}
