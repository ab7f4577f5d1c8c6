import { ChargerError, type ChargerGateway, type DecisionRecord, type PowerPeriod, type ProfileStore, type PushedProfileRecord, type SessionPlan } from '../domain/plans.js';
import type { Site } from '../domain/sites.js';
import { phrase } from '../domain/phrases.js';
import type { SlotGrid } from './problem.js';
import { limitAt } from './power-periods.js';

/** Our stack levels: the site's safe default below, the plan above it (K01.FR.17: the higher level wins). */
export const DEFAULT_STACK_LEVEL = 0;
export const TX_STACK_LEVEL = 1;

export interface PushDeps {
  gateway: ChargerGateway;
  profiles: ProfileStore;
  decide(entry: Omit<DecisionRecord, 'id' | 'siteId' | 'at'>): Promise<unknown>;
  now(): number;
}

export interface Desired {
  plan: SessionPlan;
  periods: PowerPeriod[];
  endMs: number;
  phases: 1 | 3;
  minKw: number | undefined;
}

export interface PushResult {
  desired: Desired;
  state: PushedProfileRecord['state'];
  detail: string | null;
  error?: ChargerError;
  applied?: Awaited<ReturnType<ChargerGateway['applyTxProfile']>>;
}

/**
 * The limits a charger should hold for a session: the plan's power for every slot of the horizon (0 after the
 * car's departure, so a car that stays plugged in does not take power the plan gave to others). After the horizon
 * the station falls back to the site's TxDefaultProfile, which only matters if we stop re-planning.
 */
export function desiredProfile(grid: SlotGrid, plan: SessionPlan, phases: 1 | 3, minKw: number, stopAtMs: number | null = null): Desired {
  const periods = plan.powerKw.map((kw, i) => ({ startMs: grid.starts[i]!, limitKw: kw }));
  // A car planned at its minimum above its need stops where it has taken it (planner.ts, fullAt).
  if (stopAtMs !== null) {
    const i = periods.findIndex((p) => p.startMs > stopAtMs);
    periods.splice(i < 0 ? periods.length : i, 0, { startMs: stopAtMs, limitKw: 0 });
  }
  return {
    plan,
    periods: mergePeriods(periods),
    endMs: grid.endMs,
    phases,
    // K01.FR.21: the car's minimum tells the station that less is not worth delivering (it never pauses at it).
    minKw: minKw > 0 ? minKw : undefined,
  };
}

export function mergePeriods(periods: readonly PowerPeriod[]): PowerPeriod[] {
  const out: PowerPeriod[] = [];
  for (const p of periods) {
    const last = out[out.length - 1];
    if (last && Math.abs(last.limitKw - p.limitKw) < 1e-6) continue;
    out.push({ ...p });
  }
  return out;
}

/** Breakpoints from now on where either schedule changes. */
function breakpoints(a: readonly PowerPeriod[], b: readonly PowerPeriod[], now: number): number[] {
  return [...new Set([now, ...a.map((p) => p.startMs), ...b.map((p) => p.startMs)].filter((t) => t >= now))].sort((x, y) => x - y);
}

/** How a new schedule relates to the one the charger holds, from now on. */
/** The limit a schedule imposes at `t`: its period, or the site default after it ends (or when there is none). */
function heldAt(periods: readonly PowerPeriod[] | null, endMs: number, t: number, defaultKw: number): number {
  return periods && t < endMs ? limitAt(periods, t, defaultKw) : defaultKw;
}

const heldOf = (held: PushedProfileRecord | undefined) =>
  held && held.state === 'accepted' ? { periods: held.periods, endMs: held.coversUntilMs ?? held.endMs } : { periods: null, endMs: 0 };

/** How a new schedule relates to the one the charger holds, from now on. */
export function compare(held: PushedProfileRecord | undefined, d: Desired, now: number, defaultKw: number): 'same' | 'lower' | 'higher' | 'mixed' {
  const old = heldOf(held);
  let lower = false;
  let higher = false;
  for (const t of breakpoints(old.periods ?? [], d.periods, now).concat(d.endMs, old.endMs).filter((t) => t >= now)) {
    const o = heldAt(old.periods, old.endMs, t, defaultKw);
    const n = heldAt(d.periods, d.endMs, t, defaultKw);
    if (n < o - 1e-3) lower = true;
    if (n > o + 1e-3) higher = true;
  }
  return lower && higher ? 'mixed' : higher ? 'higher' : lower ? 'lower' : 'same';
}

/** min(held, desired) at every breakpoint: safe to hold while others go up. */
export function minimumOf(held: PushedProfileRecord | undefined, d: Desired, now: number, defaultKw: number): Desired {
  const old = heldOf(held);
  const periods = breakpoints(old.periods ?? [], d.periods, now)
    .filter((t) => t < d.endMs)
    .map((t) => ({ startMs: t, limitKw: Math.min(heldAt(old.periods, old.endMs, t, defaultKw), heldAt(d.periods, d.endMs, t, defaultKw)) }));
  return { ...d, periods: mergePeriods(periods) };
}

/** Sends one desired schedule and records what happened. */
export async function pushOne(site: Site, planId: number, d: Desired, deps: PushDeps, final: boolean): Promise<PushResult> {
  const { stationId, evseId, transactionId } = d.plan;
  const profileId = await deps.profiles.profileId(stationId, `tx:${transactionId}`);
  const base: PushedProfileRecord = {
    stationId, evseId, transactionId, siteId: site.id, planId, profileId, stackLevel: TX_STACK_LEVEL, unit: null,
    periods: d.periods, endMs: d.endMs, coversUntilMs: null, state: 'sending', detail: null, sentAt: new Date(deps.now()).toISOString(),
  };
  const ids = { stationId, evseId, transactionId, planId };
  try {
    const applied = await deps.gateway.applyTxProfile({
      stationId, evseId, transactionId, profileId, stackLevel: TX_STACK_LEVEL, periods: d.periods, endMs: d.endMs,
      phases: d.phases, lineVoltageV: site.lineVoltageV, minKw: d.minKw,
    });
    // What the station holds is what we asked for up to coversUntil (PeriodsPerSchedule may have cut it short).
    await deps.profiles.recordPush({ ...base, unit: applied.unit, stackLevel: applied.stackLevel, coversUntilMs: applied.coversUntilMs, state: 'accepted', detail: final ? null : 'interim: the lower of old and new while others change' });
    await deps.decide({
      ...ids,
      kind: 'profile.accepted',
      message: `${stationId} EVSE ${evseId} accepted ${applied.periods.length} period(s) in ${applied.unit}${applied.attempts > 1 ? ' on the second attempt' : ''}${final ? '' : ' (interim step down)'}`,
      phrase: phrase('decision.accepted', { station: stationId, evse: evseId, count: applied.periods.length, attempt: applied.attempts > 1 ? 'second' : 'first', step: final ? 'final' : 'interim' }),
      details: { unit: applied.unit, attempts: applied.attempts, coversUntil: new Date(applied.coversUntilMs).toISOString(), periods: applied.periods },
    });
    return { desired: d, state: 'accepted', detail: null, applied };
  } catch (err) {
    const e = err instanceof ChargerError ? err : new ChargerError('OCPP_CALL_ERROR', (err as Error).message, false, { cause: err });
    const state = e.retryable ? 'failed' : 'rejected';
    await deps.profiles.recordPush({ ...base, state, detail: `${e.code}: ${e.message}` });
    await deps.decide({ ...ids, kind: e.retryable ? 'profile.failed' : 'profile.rejected', message: `${stationId} EVSE ${evseId}: ${e.message}`, phrase: phrase('decision.pushFailed', { station: stationId, evse: evseId, code: e.code }), details: { code: e.code, request: e.request } });
    return { desired: d, state, detail: `${e.code}: ${e.message}`, error: e };
  }
}
