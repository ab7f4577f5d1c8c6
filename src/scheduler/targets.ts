import { DateTime } from 'luxon';
import { phrase, type Phrase } from '../domain/phrases.js';
import type { TargetSource } from '../domain/plans.js';
import type { Site } from '../domain/sites.js';
import type { ChargingNeedsRecord } from '../domain/stations.js';
import type { OneOffTarget, TargetRecord, Vehicle, WeeklyTarget } from '../domain/vehicles.js';

/**
 * Where luxon meets the planner: a person's wall-clock target in the site's zone becomes a UTC instant and an
 * energy. 23- and 25-hour days need nothing special because every instant is computed in the zone: a local time
 * that does not exist (spring forward) moves forward by the gap (luxon's rule), an ambiguous one (fall back) is the
 * earlier of the two: the safe side for a departure.
 */

export interface ResolvedTarget {
  source: TargetSource;
  departureMs: number;
  /** Energy wanted in this session in total (what has been delivered already is subtracted by the caller). */
  sessionKwh: number | null;
  /** Energy still wanted now, when it is known directly (from a live SoC). */
  remainingKwh: number | null;
  /** An intermediate target: this much energy in the session by this instant. */
  minimum: { energyKwh: number; byMs: number } | null;
  /** Anything a person should know about how the target was read. */
  notes: string[];
  /** The same notes as message ids and values for the pages' languages: phrases[i] is notes[i]. */
  phrases: Phrase[];
}

export interface TargetInput {
  site: Site;
  now: number;
  sessionStartMs: number;
  vehicle: Vehicle | null;
  targets: TargetRecord | undefined;
  needs: ChargingNeedsRecord | undefined;
  /** The latest SoC the car reported in this session, percent. */
  socPercent: number | null;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/**
 * Luxon's zone arithmetic was the largest part of a planning cycle at fleet size (every session resolves its target
 * in every cycle; bench:scheduler): the local day of `now` is kept per zone until `now` leaves it, later days are
 * counted on the calendar without a zone, and localDateTime, a pure function, is memoised.
 */
interface LocalDay {
  startMs: number;
  endMs: number;
  /** YYYY-MM-DD and ISO weekday (1 = Monday) of the day. */
  date: string;
  weekday: number;
}

const localDays = new Map<string, LocalDay>();

function localDayOf(now: number, zone: string): LocalDay {
  const hit = localDays.get(zone);
  if (hit && now >= hit.startMs && now < hit.endMs) return hit;
  const start = DateTime.fromMillis(now, { zone }).startOf('day');
  const day = { startMs: start.toMillis(), endMs: start.plus({ days: 1 }).startOf('day').toMillis(), date: start.toISODate()!, weekday: start.weekday };
  localDays.set(zone, day);
  return day;
}

/** The calendar date `days` after `date` (YYYY-MM-DD): the calendar does not depend on the zone. */
function plusDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The next instant after `now` at local `HH:MM` on one of `days` (all days when absent). */
export function nextLocalTime(now: number, zone: string, time: string, days?: readonly string[]): number {
  const today = localDayOf(now, zone);
  for (let d = 0; d <= 7; d++) {
    if (days && !days.includes(WEEKDAYS[(today.weekday - 1 + d) % 7]!)) continue;
    const at = localDateTime(`${plusDays(today.date, d)}T${time}`, zone);
    if (at > now) return at;
  }
  throw new Error(`no ${time} on ${days?.join(',')} within a week`); // unreachable: days has at least one entry
}

const localTimes = new Map<string, number>();
const LOCAL_TIMES_KEPT = 10_000;

/**
 * A local date-time (YYYY-MM-DDTHH:MM) in the zone as epoch ms. Luxon resolves a time that occurs twice (fall back)
 * to the later instant; a departure takes the earlier one, so the car is ready either way.
 */
export function localDateTime(local: string, zone: string): number {
  const key = `${zone}|${local}`;
  let ms = localTimes.get(key);
  if (ms === undefined) {
    if (localTimes.size >= LOCAL_TIMES_KEPT) localTimes.clear();
    ms = resolveLocal(local, zone);
    localTimes.set(key, ms);
  }
  return ms;
}

function resolveLocal(local: string, zone: string): number {
  const dt = DateTime.fromISO(local, { zone });
  const wall = dt.toFormat("yyyy-MM-dd'T'HH:mm");
  for (const minutes of [60, 30]) {
    const earlier = dt.minus({ minutes });
    if (earlier.toFormat("yyyy-MM-dd'T'HH:mm") === wall) return earlier.toMillis();
  }
  return dt.toMillis();
}

function amountKwh(
  t: OneOffTarget | WeeklyTarget,
  vehicle: Vehicle | null,
  socNow: number | null,
  notes: Notes,
): { sessionKwh: number | null; remainingKwh: number | null } {
  if (t.socPercent !== undefined && vehicle?.batteryKwh) {
    if (socNow !== null) return { sessionKwh: null, remainingKwh: Math.max(0, ((t.socPercent - socNow) / 100) * vehicle.batteryKwh) };
    const given = t.kind === 'once' ? t.currentSocPercent : undefined;
    if (given !== undefined) return { sessionKwh: Math.max(0, ((t.socPercent - given) / 100) * vehicle.batteryKwh), remainingKwh: null };
    notes.add(`target ${t.socPercent} % needs the current SoC, which is unknown`, phrase('target.socUnknown', { percent: t.socPercent }));
  } else if (t.socPercent !== undefined) {
    notes.add(`target ${t.socPercent} % needs the battery capacity of the vehicle, which is unknown`, phrase('target.batteryUnknown', { percent: t.socPercent }));
  }
  return { sessionKwh: t.energyKwh ?? null, remainingKwh: null };
}

/** How long after a one-off target's departure it still holds for the car that is still plugged in. */
export const LATE_MS = 15 * 60_000;

/**
 * The session's target, by precedence: a person's one-off target (until its departure has passed, or for LATE_MS
 * after it while the session it was set for goes on), the weekly
 * rule, the site default; ISO 15118 charging needs override or fill those per the site's `chargingNeeds` rule.
 */
export function resolveTarget(input: TargetInput): ResolvedTarget {
  const { site, now, vehicle, targets, needs } = input;
  const zone = site.timeZone;
  const notes = new Notes();
  let source: TargetSource = 'site-default';
  // The site default only when nothing else says when the car leaves (computed last: it is the common case's waste).
  let departureMs: number | undefined;
  let amount: { sessionKwh: number | null; remainingKwh: number | null } = { sessionKwh: null, remainingKwh: null };
  let minimumSpec: { energyKwh: number; withinMinutes: number } | undefined;
  let fromPerson = false;

  const onceMs = targets?.once ? localDateTime(targets.once.departure, zone) : Number.NaN;
  // Still plugged in just after the departure a person gave for this session: people leave later than they say,
  // and the car gets what is missing at once (its departure has passed, so the planner gives it the slot now and
  // the next) rather than waiting for the weekly rule's or the site default's cheapest hours.
  const late = onceMs <= now && now < onceMs + LATE_MS && input.sessionStartMs < onceMs;
  const once = targets?.once && (onceMs > now || late) ? targets.once : null;
  if (once) {
    source = 'vehicle-once';
    departureMs = onceMs;
    if (late) notes.add(`still plugged in after the departure of ${once.departure}: charging what is missing at once`, phrase('target.late', { departureAt: new Date(onceMs).toISOString() }));
    amount = amountKwh(once, vehicle, input.socPercent, notes);
    minimumSpec = once.minimumNow;
    fromPerson = true;
  } else if (targets?.weekly) {
    source = 'vehicle-weekly';
    departureMs = nextLocalTime(now, zone, targets.weekly.time, targets.weekly.days);
    amount = amountKwh(targets.weekly, vehicle, input.socPercent, notes);
    minimumSpec = targets.weekly.minimumNow;
    fromPerson = true;
  }

  // K15: the car's own departure time and energy amount, by the site's rule.
  const rule = site.policy.chargingNeeds;
  if (needs && rule !== 'ignore' && (rule === 'override' || !fromPerson)) {
    const needsDeparture = needs.departureTime ? Date.parse(needs.departureTime) : NaN;
    if (Number.isFinite(needsDeparture) && needsDeparture > now) {
      departureMs = needsDeparture;
      source = 'charging-needs';
    }
    if (needs.energyAmountWh !== null && needs.energyAmountWh > 0) {
      amount = { sessionKwh: needs.energyAmountWh / 1000, remainingKwh: null };
      source = 'charging-needs';
    }
  }
  if (amount.sessionKwh === null && amount.remainingKwh === null) {
    amount = { sessionKwh: site.policy.defaultEnergyKwh, remainingKwh: null };
    const kwh = site.policy.defaultEnergyKwh;
    if (fromPerson) notes.add(`planning for the site default of ${kwh} kWh`, phrase('target.siteDefault', { kwh }));
  }
  departureMs ??= nextLocalTime(now, zone, site.policy.defaultDeparture);
  let minimum: ResolvedTarget['minimum'] = null;
  if (minimumSpec) {
    const from = Math.max(input.sessionStartMs, targets ? Date.parse(targets.updatedAt) : input.sessionStartMs);
    const byMs = from + minimumSpec.withinMinutes * 60_000;
    if (byMs > now && byMs < departureMs) minimum = { energyKwh: minimumSpec.energyKwh, byMs };
  }
  return { source, departureMs, ...amount, minimum, notes: notes.texts, phrases: notes.phrases };
}

/** Notes in English and as phrases, side by side. */
class Notes {
  readonly texts: string[] = [];
  readonly phrases: Phrase[] = [];
  add(text: string, p: Phrase): void {
    this.texts.push(text);
    this.phrases.push(p);
  }
}
