import { powerReadingsW } from '../domain/meter.js';
import type { ChargerCompliance, DecisionRecord, PlanRecord, ProfileStore, PushedProfileRecord, SessionPlan } from '../domain/plans.js';
import type { Site } from '../domain/sites.js';
import { phrase } from '../domain/phrases.js';
import type { MeterValueStore, TransactionStore } from '../domain/stations.js';
import { limitAt } from './power-periods.js';

/** Readings this soon after a push are not held against the charger: it may still be applying the new limit. */
export const SETTLE_MS = 60_000;

/** Measured power above the limit by more than this (kW or share of the limit, whichever is larger) counts. */
const TOLERANCE_KW = 0.3;
const TOLERANCE_SHARE = 0.05;

export type MeterVerdict = { kind: 'follows' } | { kind: 'ignores'; detail: string } | { kind: 'unknown' };

/**
 * "Accepts but does not follow": the two latest power readings taken after the profile settled are both above the
 * limit it holds at their time. One reading above is not enough (a meter's averaging window can straddle a step).
 */
export function verifyByMeter(push: PushedProfileRecord | undefined, readings: readonly { w: number; at: string }[]): MeterVerdict {
  if (!push || push.state !== 'accepted') return { kind: 'unknown' };
  const from = Date.parse(push.sentAt) + SETTLE_MS;
  const until = push.coversUntilMs ?? push.endMs;
  const after = readings.filter((r) => Date.parse(r.at) >= from && Date.parse(r.at) < until);
  if (after.length < 2) return { kind: 'unknown' };
  const lastTwo = after.slice(-2);
  const over = lastTwo.map((r) => {
    const limitKw = limitAt(push.periods, Date.parse(r.at), Infinity);
    return { r, limitKw, over: r.w / 1000 > limitKw + Math.max(TOLERANCE_KW, TOLERANCE_SHARE * limitKw) };
  });
  if (over.every((o) => o.over)) {
    const o = over[1]!;
    return { kind: 'ignores', detail: `draws ${(o.r.w / 1000).toFixed(2)} kW at ${o.r.at} against a limit of ${o.limitKw.toFixed(2)} kW (two readings in a row)` };
  }
  return { kind: 'follows' };
}

/** Energy the plan expected by `now` since it was made, kWh. */
export function plannedEnergyBy(plan: SessionPlan, slotStarts: readonly number[], endMs: number, now: number): number {
  let e = 0;
  for (let i = 0; i < slotStarts.length; i++) {
    const s = slotStarts[i]!;
    const end = Math.min(slotStarts[i + 1] ?? endMs, now);
    if (end <= s) break;
    e += (plan.powerKw[i] ?? 0) * ((end - s) / 3_600_000);
  }
  return e;
}

/** Power samples read first: the two latest outlet readings are among them unless other phases or locations crowd in. */
const RECENT_SAMPLES = 8;

/**
 * verifyByMeter on the readings since the push settled. This runs on every reading of every session, and a profile
 * may hold all night: reading every sample since the push made a long session's check grow with its length (issue
 * 21, the outcome bench). The newest few power samples decide it unless fewer than two of them are outlet readings
 * within the profile's span (readings after its end, per-phase values); then all of them, as before.
 */
async function meterVerdict(meterValues: MeterCheckHost['stores']['meterValues'], push: PushedProfileRecord | undefined, stationId: string, transactionId: string): Promise<MeterVerdict> {
  if (!push || push.state !== 'accepted') return { kind: 'unknown' };
  const since = new Date(Date.parse(push.sentAt) + SETTLE_MS).toISOString();
  const recent = await meterValues.recent(stationId, transactionId, 'Power.Active.Import', since, RECENT_SAMPLES);
  const verdict = verifyByMeter(push, powerReadingsW(recent));
  if (verdict.kind !== 'unknown' || recent.length < RECENT_SAMPLES) return verdict;
  return verifyByMeter(push, powerReadingsW(await meterValues.forTransaction(stationId, transactionId, since)));
}

/** What checkMeter needs from the scheduler: the stores, the site's latest plan and its log and loop. */
export interface MeterCheckHost {
  stores: { profiles: Pick<ProfileStore, 'pushed'>; meterValues: Pick<MeterValueStore, 'forTransaction' | 'recent'>; transactions: Pick<TransactionStore, 'activeOnEvse'> };
  now: number;
  plan(): Promise<PlanRecord | undefined>;
  setCompliance(stationId: string, evseId: number, compliance: ChargerCompliance, detail: string | null): Promise<boolean>;
  decide(entry: Omit<DecisionRecord, 'id' | 'siteId' | 'at'>): Promise<unknown>;
  trigger(reason: string): void;
}

/** Meter values of a planned session: does the charger follow, and does the energy follow the plan? */
export async function checkMeter(host: MeterCheckHost, site: Site, stationId: string, evseId: number, transactionId: string): Promise<void> {
  const { stores } = host;
  const push = await stores.profiles.pushed(stationId, evseId, transactionId);
  const verdict = await meterVerdict(stores.meterValues, push, stationId, transactionId);
  if (verdict.kind === 'ignores') {
    if (await host.setCompliance(stationId, evseId, 'ignores-profiles', verdict.detail)) {
      await host.decide({ kind: 'station.ignores-profiles', stationId, evseId, transactionId, planId: null, message: `${stationId} EVSE ${evseId} accepts profiles but does not follow them: ${verdict.detail}`, phrase: phrase('decision.notFollowing', { station: stationId, evse: evseId }), details: null });
      host.trigger('charger-ignores-profiles');
    }
    return;
  }
  const plan = await host.plan();
  const sp = plan?.sessions.find((s) => s.transactionId === transactionId && s.stationId === stationId);
  if (!plan || !sp) return;
  const tx = await stores.transactions.activeOnEvse(stationId, evseId);
  if (!tx || tx.energyWh === null || tx.meterStartWh === null) return;
  const measured = (tx.energyWh - tx.meterStartWh) / 1000 - sp.deliveredKwh;
  const expected = plannedEnergyBy(sp, plan.slotStarts, plan.endMs, host.now);
  if (Math.abs(measured - expected) > site.policy.deviationKwh) {
    // The phrase holds the exact amounts: the log's English text is made from them with the message's own digits
    // (src/http/api/decision-words.ts); pages round them.
    await host.decide({ kind: 'session.deviated', stationId, evseId, transactionId, planId: plan.id, message: `${stationId} EVSE ${evseId} delivered ${measured.toFixed(2)} kWh since the plan, which expected ${expected.toFixed(2)} kWh`, phrase: phrase('decision.deviated', { station: stationId, evse: evseId, measuredKwh: measured, expectedKwh: expected }), details: { measured, expected } });
    host.trigger('deviation');
  }
}
