/**
 * One active session as the planner plans it: its target resolved, its power range, and the energy it still needs,
 * counted from what it has really taken (the last register reading plus what its reported power added since) and
 * zero once the car has stopped drawing while offered power (it is full: done, not short).
 */
import type { PushedProfileRecord } from '../domain/plans.js';
import { phrase, tenth } from '../domain/phrases.js';
import type { Site } from '../domain/sites.js';
import type { TargetRecord } from '../domain/vehicles.js';
import { energySinceRegisterKwh, stoppedDrawing } from './meter-state.js';
import type { PlannedSession } from './problem.js';
import { limitAt } from './power-periods.js';
import type { ActiveSession } from './sessions.js';
import { resolveTarget } from './targets.js';
import { resolveMode } from './charging-modes.js';
import { SETTLE_MS } from './verify.js';
import { BOOST_DONE_KWH } from './charge-now.js';

/**
 * A rest under 5 Wh counts as done: a meter's own resolution (registers in whole Wh, the estimate between samples).
 * It was 50 Wh, and cars ended up to 49 Wh short of targets a plan could meet (bench:outcome counts targets at 10 Wh
 * as well as 100): a car that has it stops drawing and counts as done anyway, and a rest below one slot at the
 * minimum is planned to the second (planner.ts, fullAt), so a small rest costs nothing but one more period.
 */
export const DONE_KWH = 0.005;

/** What the cycle read and holds for one session besides its meter (snapshot.ts): all of it in memory, nothing to await. */
export interface SessionNeedInputs {
  /** The stored targets of the session's car (undefined without a car or without targets). */
  targets: TargetRecord | undefined;
  /** What we last pushed to this transaction. */
  pushed: PushedProfileRecord | undefined;
  /** Lower limits the charger itself reported (GetCompositeSchedule), null when none. */
  caps: PlannedSession['caps'];
  /** A car found to have stopped drawing earlier in this session (it stays done: we then offer it nothing). */
  stoppedBefore: boolean;
}

/** A planned session, and whether its car has stopped drawing (the scheduler keeps that for the session). */
export interface NeedSession extends PlannedSession {
  stopped: boolean;
}

export function plannedSession(site: Site, now: number, metered: ActiveSession, inputs: SessionNeedInputs): NeedSession {
  const v = metered.vehicle;
  const phases: 1 | 3 = metered.evse.phases === 1 || v?.phases === 1 ? 1 : 3;
  const kwPerA = (site.lineVoltageV * phases) / 1000;
  const n = metered.needs;
  const maxKw = Math.min(
    metered.evse.maxKw,
    v?.maxAcKw ?? Infinity,
    n?.evMaxPowerW ? n.evMaxPowerW / 1000 : Infinity,
    n?.evMaxCurrentA ? n.evMaxCurrentA * kwPerA : Infinity,
  );
  const minA = v?.minCurrentA ?? n?.evMinCurrentA ?? site.policy.minCurrentA;
  const minKw = Math.min(maxKw, minA * kwPerA);
  // What the charger holds (what we pushed, once it has settled), for the extrapolation's bound and "offered power".
  const push = inputs.pushed;
  const held = push?.state === 'accepted' ? push : undefined;
  const heldUntil = held ? held.coversUntilMs ?? held.endMs : 0;
  const offeredKw = (ms: number) =>
    held && ms >= Date.parse(held.sentAt) + SETTLE_MS && ms < heldUntil ? limitAt(held.periods, ms, 0) : 0;
  const extra = energySinceRegisterKwh(metered.meter, now, maxKw, held ? held.periods : null);
  const session: ActiveSession = { ...metered, deliveredKwh: metered.meteredKwh + extra };
  const target = resolveTarget({
    site,
    now,
    sessionStartMs: session.startedMs,
    vehicle: v,
    targets: v ? inputs.targets : undefined,
    needs: session.needs,
    socPercent: session.socPercent,
  });
  const stopped = inputs.stoppedBefore || stoppedDrawing(session.meter, offeredKw, minKw);
  // A SoC-based rest was read with the SoC: what the car took since then is not needed any more.
  const sinceSoc = target.remainingKwh !== null && session.socAtMs !== null && session.meter.registers.at(-1)?.ms === session.socAtMs ? extra : 0;
  const wanted = stopped ? 0 : target.remainingKwh !== null ? Math.max(0, target.remainingKwh - sinceSoc) : Math.max(0, (target.sessionKwh ?? 0) - session.deliveredKwh);
  // A rest under 50 Wh is done. A rest smaller than one slot at the minimum is asked for as it is: the solver plans
  // the minimum in a slot above the need and says what the car will not take there (unusedKwh), and the profile
  // stops the car where it has its need (planner.ts). Asking for the whole slot instead, as before the solver did
  // that, gave the car up to one slot at its minimum more than its target.
  const requestedKwh = wanted < DONE_KWH ? 0 : wanted;
  // A boost counts from the energy delivered when it was set; one set for another car (the token moved) is void.
  const b = session.boost;
  const boostLeft = b && b.vehicleId === v?.id && !stopped ? b.fromDeliveredKwh + b.energyKwh - session.deliveredKwh : 0;
  const mode = resolveMode(site, now, session, v ? inputs.targets?.mode : null, stopped); // issue 18: charging-modes.ts
  const notes = [...target.notes];
  const phrases = [...target.phrases];
  if (stopped) {
    notes.push(`the car stopped drawing while offered power: done at ${session.deliveredKwh.toFixed(1)} kWh`);
    phrases.push(phrase('session.full', { kwh: tenth(session.deliveredKwh) }));
  }
  if (mode.note) {
    notes.push(mode.note);
    phrases.push(mode.phrase ?? phrase('mode.note'));
  }
  return {
    session,
    target: { ...target, notes, phrases },
    source: target.source,
    requestedKwh,
    maxKw,
    minKw,
    phases,
    caps: inputs.caps,
    floorKw: site.policy.pause === 'minimum' && requestedKwh > 0 ? minKw : 0,
    boostKwh: boostLeft < BOOST_DONE_KWH ? 0 : boostLeft,
    mode: mode.mode,
    stopped,
  };
}
