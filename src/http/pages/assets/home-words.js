// Sentences for the homeowner page that must be true in every state (issue 18): no error codes, no "prices are flat"
// unless they are, no "0 kWh of 0 kWh", nothing stale. Pure functions of what the API gave; home-*.js show them.
import * as f from './format.js';
import { t } from './i18n.js';
import { known, say } from './phrases.js';
import { oldNotePhrase } from './old-notes.js';

const STEERED = ['follows', 'limited', 'unknown'];

/** A stable machine code at the start of a text ("OCPP_TIMEOUT: ...") is for logs, not people. */
export function withoutCodes(text) {
  return String(text || '').replace(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b:?\s*/g, '').trim();
}

/** Whether the slots' prices before `untilMs` differ by less than a tenth of a cent. */
export function pricesFlat(plan, untilMs) {
  const p = plan.slotStarts.map((s, i) => ({ s: Date.parse(s), t: plan.prices[i] && plan.prices[i].total })).filter((x) => x.s < untilMs && x.t != null);
  if (p.length < 2) return true;
  const ts = p.map((x) => x.t);
  return Math.max(...ts) - Math.min(...ts) < 0.001;
}

/** What the charger holds of the plan, in words, with the profile id for reference. */
export function chargerWords(pushed, compliance) {
  if (compliance === 'unreachable') return t('words.charger.unreachable');
  if (compliance === 'ignores-profiles') return t('words.charger.ignores');
  if (!pushed) return t('words.charger.notSent');
  const profile = String(pushed.profileId);
  if (pushed.state === 'accepted') return t('words.charger.accepted', { profile });
  if (pushed.state === 'sending') return t('words.charger.sending', { profile });
  if (pushed.state === 'rejected') return t('words.charger.rejected', { profile });
  return t('words.charger.failed', { profile });
}

export const COMPLIANCE_WARNING = {
  'ignores-profiles': t('words.warning.ignores'),
  'rejects-profiles': t('words.warning.rejects'),
  unreachable: t('words.warning.unreachable'),
};

/**
 * The phrases of a session's notes, one per note: a note stored before notes had ids has the phrase its English
 * stands for where the page needs one (old-notes.js: the full car), else null.
 */
const phrasesOf = (session) => (session && session.notes ? session.notes.map((note, i) => (session.notePhrases && session.notePhrases[i]) || oldNotePhrase(note)) : []);

/**
 * The energy at which the car was found full: the scheduler's "session.full" note (the car stopped drawing while
 * offered power). undefined when the car is not full; null when full at an unknown energy.
 */
export function fullAt(session) {
  const p = phrasesOf(session).find((x) => x && x.id === 'session.full');
  return p ? (typeof p.params.kwh === 'number' ? p.params.kwh : null) : undefined;
}

// Said elsewhere on the page: the full car by the status line, the person's own mode by the mode card, an
// unsteered charger by whyWords, the shortfall by shortfallWords and shortfallReason.
const SAID_ELSEWHERE = /^(session\.full|mode\.|plan\.unsteered|shortfall\.)/;

/**
 * The i-th note of the plan as a sentence for people, in the page's language (phrases.js), or null when the page says
 * it elsewhere. A note without an id the catalog knows is shown in the server's English (an older stored plan).
 */
export function noteWords(session, i, zone, cur, now) {
  const note = session.notes[i];
  const p = phrasesOf(session)[i];
  if (p ? SAID_ELSEWHERE.test(p.id) : session.shortfallMessage && note === session.shortfallMessage) return null;
  if (known(p)) return say(p, note, { zone, currency: cur, now });
  const text = withoutCodes(note);
  return text ? text.charAt(0).toUpperCase() + text.slice(1).replace(/([^.!?])$/, '$1.') : null;
}

/** Why the plan charges when it does, for the steered car. `mode`: the mode in force, or null. */
export function whyWords(plan, session, mode, cur, zone) {
  const dep = Date.parse(session.departureAt);
  const slots = plan.slotStarts.map((s, i) => ({ start: Date.parse(s), price: plan.prices[i] && plan.prices[i].total, kw: session.powerKw[i] || 0 }));
  const before = slots.filter((s) => s.start < dep && s.price != null);
  const charging = before.filter((s) => s.kw > 0);
  if (!STEERED.includes(session.compliance)) {
    return session.compliance === 'unreachable'
      ? t('words.why.unreachable')
      : t('words.why.unsteered');
  }
  if (!charging.length || !before.length) return null;
  const avgAll = before.reduce((a, s) => a + s.price, 0) / before.length;
  const w = charging.reduce((a, s) => a + s.kw, 0);
  const avgCharging = charging.reduce((a, s) => a + s.price * s.kw, 0) / w;
  const paid = f.perKwh(avgCharging, cur);
  if (mode && mode.kind === 'minimum') return t('words.why.minimum', { paid });
  if (session.boost) return t('words.why.boost', { paid });
  if (pricesFlat(plan, dep)) return t('words.why.flat', { price: f.perKwh(avgAll, cur) });
  if (avgCharging < avgAll - 0.0005) {
    return t('words.why.cheapest', { paid, average: f.perKwh(avgAll, cur), time: f.time(dep, zone) });
  }
  if (mode && mode.kind === 'paused') return t('words.why.paused', { paid });
  return t('words.why.needsAll', { paid });
}

/** The shortfall in words, naming the person's own mode when that is the reason. */
export function shortfallWords(session, mode, cur, zone) {
  const short = f.kwh(session.shortfallKwh);
  const by = f.time(Date.parse(session.departureAt), zone);
  if (mode && mode.kind === 'price-cap') return t('words.short.cap', { cap: f.perKwh(mode.maxPrice, cur), short, time: by });
  if (mode && mode.kind === 'paused') return t('words.short.paused', { short, time: by });
  return t('words.short.plain', { time: by, short });
}

/**
 * Why the planner says the car falls short, as its own sentence in the page's language (null when the person's mode
 * is the reason, said by shortfallWords, or when there is none). A reason without a known id is the server's English.
 */
export function shortfallReason(session, mode, cur, zone, now) {
  if (mode && (mode.kind === 'price-cap' || mode.kind === 'paused')) return null;
  if (!session.shortfallPhrase && !session.shortfallMessage) return null;
  const english = withoutCodes(session.shortfallMessage || '');
  const text = say(session.shortfallPhrase, english.charAt(0).toUpperCase() + english.slice(1), { zone, currency: cur, now });
  return text ? text.replace(/([^.!?])$/, '$1.') : null;
}

/** "2.8 kWh for €0.08 (€0.030 per kWh)". */
export function chargeWords(s, cur) {
  if (s.energyKwh < 0.05) return t('words.charge.nothing');
  const values = { energy: f.kwh(s.energyKwh), cost: f.money(s.cost, cur) };
  return s.pricePerKwh == null ? t('words.charge.cost', values) : t('words.charge.costPrice', { ...values, price: f.perKwh(s.pricePerKwh, cur) });
}

export function savedWords(s, cur) {
  if (s.energyKwh < 0.05) return '';
  if (s.savings == null) return t('words.saved.noPrice');
  if (s.savings > 0.005) return t('words.saved.amount', { amount: f.money(s.savings, cur) });
  return t('words.saved.none');
}
