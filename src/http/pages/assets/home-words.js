// Sentences for the homeowner page that must be true in every state (issue 18): no error codes, no "prices are flat"
// unless they are, no "0 kWh of 0 kWh", nothing stale. Pure functions of what the API gave; home-*.js show them.
import * as f from './format.js';

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
  if (compliance === 'unreachable') return 'the charger did not answer: it keeps the last schedule it received, and gets this one once it answers';
  if (compliance === 'ignores-profiles') return 'the charger ignores schedules: it charges whenever the car is plugged in';
  if (!pushed) return 'not sent to the charger yet';
  const id = `(profile ${pushed.profileId})`;
  if (pushed.state === 'accepted') return `the charger has it ${id}`;
  if (pushed.state === 'sending') return `being sent to the charger ${id}`;
  if (pushed.state === 'rejected') return `the charger refused it ${id}: it charges as it likes`;
  return `sending it to the charger failed ${id}: the charger keeps the last schedule it received, and we send this one again`;
}

export const COMPLIANCE_WARNING = {
  'ignores-profiles': 'This charger ignores our schedules: it charges at full power whenever the car is plugged in. The plan counts on that.',
  'rejects-profiles': 'This charger refuses our schedules, so it charges as it likes. The plan counts on that.',
  unreachable: 'The charger did not answer. It keeps following the last schedule it received; we send the new plan when it answers.',
};

/** The note the scheduler writes when the car stopped drawing while offered power: the car is full. */
export function fullAt(session) {
  const note = session && (session.notes || []).find((n) => /stopped drawing while offered power/.test(n));
  const m = note && /done at ([\d.]+) kWh/.exec(note);
  return note ? (m ? Number(m[1]) : null) : undefined;
}

/** A note from the plan as a sentence for people; the full-car note is said by the status line instead. */
export function noteWords(note, session) {
  if (/stopped drawing while offered power/.test(note)) return null;
  // The person's own mode is said by the mode card and the reasons above; the shortfall by shortfallWords.
  if (/^(your price cap|paused at your request|.* at once at your request)/.test(note)) return null;
  // An unsteered charger is said by whyWords in words; the planner's note on it is for the fleet's log.
  if (/planned as it draws/.test(note)) return null;
  if (session && session.shortfallMessage && note === session.shortfallMessage) return null;
  const t = withoutCodes(note);
  return t ? t.charAt(0).toUpperCase() + t.slice(1).replace(/([^.!?])$/, '$1.') : null;
}

/** Why the plan charges when it does, for the steered car. `mode`: the mode in force, or null. */
export function whyWords(plan, session, mode, cur, zone) {
  const dep = Date.parse(session.departureAt);
  const slots = plan.slotStarts.map((s, i) => ({ start: Date.parse(s), price: plan.prices[i] && plan.prices[i].total, kw: session.powerKw[i] || 0 }));
  const before = slots.filter((s) => s.start < dep && s.price != null);
  const charging = before.filter((s) => s.kw > 0);
  if (!STEERED.includes(session.compliance)) {
    return session.compliance === 'unreachable'
      ? 'The charger did not answer, so this plan is what it will do on the last schedule it received.'
      : 'This charger does not follow schedules, so the plan shows what it draws when the car is plugged in.';
  }
  if (!charging.length || !before.length) return null;
  const avgAll = before.reduce((a, s) => a + s.price, 0) / before.length;
  const w = charging.reduce((a, s) => a + s.kw, 0);
  const avgCharging = charging.reduce((a, s) => a + s.price * s.kw, 0) / w;
  const paid = f.perKwh(avgCharging, cur);
  if (mode && mode.kind === 'minimum') return `It charges your minimum at once, whatever the price, then the rest at the cheapest hours: ${paid} on average while charging.`;
  if (session.boost) return `It charges now at full power because you asked it to (charge now): ${paid} on average while charging.`;
  if (pricesFlat(plan, dep)) return `The price is the same in every hour until you leave (${f.perKwh(avgAll, cur)}), so it charges from now on.`;
  if (avgCharging < avgAll - 0.0005) {
    return `It charges when power is cheapest before you leave: ${paid} on average while charging, against ${f.perKwh(avgAll, cur)} on average until ${f.time(dep, zone)}.`;
  }
  if (mode && mode.kind === 'paused') return `It waits until the pause ends, then charges what it needs: ${paid} on average while charging.`;
  return `It needs nearly every hour until you leave for what you asked, so it cannot wait for cheaper ones: ${paid} on average while charging.`;
}

/** The shortfall in words, naming the person's own mode when that is the reason. */
export function shortfallWords(session, mode, cur, zone) {
  const short = f.kwh(session.shortfallKwh);
  const by = f.time(Date.parse(session.departureAt), zone);
  if (mode && mode.kind === 'price-cap') return `Your price cap of ${f.perKwh(mode.maxPrice, cur)} leaves it ${short} short by ${by}: raise the cap, or use charge now.`;
  if (mode && mode.kind === 'paused') return `The pause leaves it ${short} short by ${by}: end the pause, or leave later.`;
  const why = session.shortfallMessage ? withoutCodes(session.shortfallMessage) : null;
  return `It cannot get everything in by ${by}: ${short} short${why ? ` (${why})` : ''}. Leave later or ask for less.`;
}

/** "2.8 kWh for €0.08 (€0.030 per kWh)". */
export function chargeWords(s, cur) {
  if (s.energyKwh < 0.05) return 'nothing in yet';
  const paid = s.pricePerKwh == null ? '' : ` (${f.perKwh(s.pricePerKwh, cur)})`;
  return `${f.kwh(s.energyKwh)} for ${f.money(s.cost, cur)}${paid}`;
}

export function savedWords(s, cur) {
  if (s.energyKwh < 0.05) return '';
  if (s.savings == null) return 'Not compared: some of its energy had no price.';
  if (s.savings > 0.005) return `${f.money(s.savings, cur)} less than charging right away.`;
  return 'No saving against charging right away.';
}
