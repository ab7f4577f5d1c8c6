import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { ChargerGateway, DecisionRecord, PowerPeriod, ProfileStore, ChargerCompliance, InstalledProfile, SchedulerEvents } from '../domain/plans.js';
import type { Site } from '../domain/sites.js';
import { phrase } from '../domain/phrases.js';
import type { CycleResult } from './planner.js';
import { compare, DEFAULT_STACK_LEVEL, desiredProfile, minimumOf, pushOne, type Desired, type PushResult } from './push.js';

/** Where the scheduler reports (main.ts passes the app's event bus). */
export interface SchedulerEventSink {
  emit<K extends keyof SchedulerEvents>(event: K, payload: SchedulerEvents[K]): void;
}

/** What the push step needs from the scheduler (decision log, compliance, re-plan). */
export interface CycleHost {
  decide(site: Site, entry: Omit<DecisionRecord, 'id' | 'siteId' | 'at'>): Promise<DecisionRecord>;
  /** Stores a charger's compliance; resolves true when it changed (false when the same status was stored already). */
  setCompliance(stationId: string, evseId: number, compliance: ChargerCompliance, detail: string | null): Promise<boolean>;
  trigger(siteId: string, reason: string): void;
}

export interface PushCycleDeps {
  gateway: ChargerGateway;
  profiles: ProfileStore;
  clock: Clock;
  caps: Map<string, PowerPeriod[]>;
  logger: Logger;
  events: SchedulerEventSink;
  /** A routine slot-boundary cycle: log decisions only when something was pushed. */
  quiet: boolean;
}

/**
 * Pushes a new plan so that the site limit holds at every moment, also while the pushes are under way: first every
 * profile that goes down (and, for one that goes down at some times and up at others while another profile goes
 * up, the lower of old and new), then, once all of those are accepted, every profile that goes up. What each charger
 * holds now comes with the plan (the cycle's snapshot, read after reconciling); each outcome is stored in order.
 */
export async function pushCycle(host: CycleHost, site: Site, planId: number, result: CycleResult, forced: ReadonlySet<string>, deps: PushCycleDeps): Promise<void> {
  const now = deps.clock.now();
  const defaultKw = site.policy.defaultLimitKw;

  const work = result.controlled.map(({ plan, phases, minKw, stopAtMs, held }) => {
    const desired = desiredProfile(result.grid, plan, phases, minKw, stopAtMs);
    let relation = compare(held, desired, now, defaultKw);
    const refresh = held?.state === 'accepted' && held.coversUntilMs !== null && held.coversUntilMs < held.endMs &&
      held.coversUntilMs - now < (held.coversUntilMs - Date.parse(held.sentAt)) / 2;
    if (relation === 'same' && (refresh || forced.has(plan.transactionId) || held?.state !== 'accepted')) relation = 'lower';
    return { desired, held, relation };
  });
  const anyUp = (except: Desired) => work.some((w) => w.desired !== except && (w.relation === 'higher' || w.relation === 'mixed'));
  const first = work.filter((w) => w.relation === 'lower' || (w.relation === 'mixed' && anyUp(w.desired)));
  const second = work.filter((w) => w.relation === 'higher' || w.relation === 'mixed');

  if (work.some((w) => w.relation !== 'same') || !deps.quiet) {
    const p = result.plan;
    // The phrase's cost is exact: the log's English text is made from it with the message's digits (decision-words.ts).
    await host.decide(site, {
      kind: 'plan.created', stationId: null, evseId: null, transactionId: null, planId,
      message: `plan for ${p.sessions.length} session(s): ${p.status}, expected cost ${p.totalCost.toFixed(2)} ${p.currency} (${p.triggers.join(', ')})`,
      phrase: phrase('decision.planCreated', { count: p.sessions.length, status: p.status, cost: p.totalCost, currency: p.currency, triggers: p.triggers.join(',') }),
      details: { triggers: p.triggers, solver: p.solver, solveMs: p.solveMs, shortfallKwh: p.sessions.reduce((a, s) => a + s.shortfallKwh, 0) },
    });
  }
  const send = (w: (typeof work)[number], final: boolean) =>
    pushOne(site, planId, final || w.relation === 'lower' ? w.desired : minimumOf(w.held, w.desired, now, defaultKw), {
      gateway: deps.gateway, profiles: deps.profiles, now: () => deps.clock.now(),
      decide: (e) => host.decide(site, e),
    }, final || w.relation === 'lower');
  const results: PushResult[] = await Promise.all(first.map((w) => send(w, false)));
  if (results.every((r) => r.state === 'accepted')) {
    results.push(...(await Promise.all(second.map((w) => send(w, true)))));
  } else if (second.length) {
    await host.decide(site, { kind: 'profile.failed', stationId: null, evseId: null, transactionId: null, planId, message: `${second.length} increase(s) held back: a reduction did not land`, phrase: phrase('decision.increasesHeld', { count: second.length }), details: null });
  }
  for (const r of results) await handleOutcome(host, site, r, forced, deps);
  deps.events.emit('plan.pushed', {
    siteId: site.id,
    planId,
    pushes: results.map((r) => ({ stationId: r.desired.plan.stationId, evseId: r.desired.plan.evseId, transactionId: r.desired.plan.transactionId, state: r.state, detail: r.detail })),
  });
}

async function handleOutcome(host: CycleHost, site: Site, r: PushResult, restored: ReadonlySet<string>, deps: PushCycleDeps): Promise<void> {
  const { stationId, evseId, transactionId } = r.desired.plan;
  const ids = { stationId, evseId, transactionId, planId: null };
  const at = { station: stationId, evse: evseId };
  if (r.error) {
    // TxNotFound (K01.FR.09, .33): the transaction had left the EVSE when the profile arrived (a car unplugged in the
    // second it plugged in: a new session's first plan goes out at once). That says nothing about the charger; judged
    // rejects-profiles, every later car on the EVSE would go unsteered. Logged (profile.rejected), and if the
    // transaction is still ours, pushed again next cycle.
    if (r.error.reasonCode?.toLowerCase() === 'txnotfound') return;
    const compliance: ChargerCompliance = r.error.retryable ? 'unreachable' : 'rejects-profiles';
    if (await host.setCompliance(stationId, evseId, compliance, r.detail)) host.trigger(site.id, `charger-${compliance}`);
    return;
  }
  const check = r.applied!.composite;
  if (restored.has(transactionId)) await host.decide(site, { ...ids, kind: 'profile.restored', message: `${stationId} EVSE ${evseId} holds the plan again after reconnecting`, phrase: phrase('decision.restored', at), details: null });
  if (check.status === 'matches') {
    if ((await host.setCompliance(stationId, evseId, 'follows', null)) || restored.has(transactionId)) {
      await host.decide(site, { ...ids, kind: 'profile.verified', message: `${stationId} EVSE ${evseId}: the composite schedule matches the plan`, phrase: phrase('decision.verified', at), details: null });
    }
  } else if (check.status === 'lower') {
    const before = JSON.stringify(deps.caps.get(transactionId) ?? null);
    deps.caps.set(transactionId, check.periods);
    await host.setCompliance(stationId, evseId, 'limited', check.detail);
    if (before !== JSON.stringify(check.periods)) {
      await host.decide(site, { ...ids, kind: 'profile.limited', message: `${stationId} EVSE ${evseId} holds a lower limit than planned: ${check.detail}`, phrase: phrase('decision.limited', at), details: check.periods });
      host.trigger(site.id, 'charger-limited');
    }
  } else if (check.status === 'higher') {
    if (await host.setCompliance(stationId, evseId, 'ignores-profiles', check.detail)) {
      await host.decide(site, { ...ids, kind: 'station.ignores-profiles', message: `${stationId} EVSE ${evseId} accepted the profile but its composite schedule is above it: ${check.detail}`, phrase: phrase('decision.compositeAbove', at), details: check.periods });
      host.trigger(site.id, 'charger-ignores-profiles');
    }
  } else {
    deps.logger.info({ station: stationId, evse: evseId, detail: check.detail }, 'composite schedule not checked');
  }
}

/**
 * A station came back: it gets a fresh chance to follow, its EVSEs get the site's TxDefaultProfile if they lack
 * it, and every active transaction whose TxProfile it no longer holds is pushed again. Returns those transactions.
 */
export async function reconcileStation(host: CycleHost, site: Site, stationId: string, deps: Pick<PushCycleDeps, 'gateway' | 'profiles' | 'clock' | 'logger'>): Promise<string[]> {
  const evses = site.evses.filter((e) => e.stationId === stationId);
  for (const e of evses) await host.setCompliance(stationId, e.evseId, 'unknown', 'reconnected');
  let installed: InstalledProfile[] | null = null;
  try {
    installed = await deps.gateway.installedProfiles(stationId);
  } catch (err) {
    deps.logger.warn({ station: stationId, err }, 'GetChargingProfiles failed: re-pushing every active profile');
  }
  const holds = (evseId: number, profileId: number) => installed?.some((p) => p.evseId === evseId && p.profileId === profileId) ?? false;
  for (const e of evses) {
    const profileId = await deps.profiles.profileId(stationId, `default:${e.evseId}`);
    if (holds(e.evseId, profileId)) continue;
    try {
      const applied = await deps.gateway.applyDefaultProfile({
        stationId, evseId: e.evseId, profileId, stackLevel: DEFAULT_STACK_LEVEL, limitKw: site.policy.defaultLimitKw,
        phases: e.phases, lineVoltageV: site.lineVoltageV, startMs: deps.clock.now(),
      });
      await host.decide(site, { stationId, evseId: e.evseId, transactionId: null, planId: null, kind: 'default-profile.installed', message: `${stationId} EVSE ${e.evseId} holds the site default of ${site.policy.defaultLimitKw} kW (${applied.unit})`, phrase: phrase('decision.defaultInstalled', { station: stationId, evse: e.evseId, limitKw: site.policy.defaultLimitKw }), details: null });
    } catch (err) {
      await host.decide(site, { stationId, evseId: e.evseId, transactionId: null, planId: null, kind: 'profile.failed', message: `${stationId} EVSE ${e.evseId}: default profile not installed: ${(err as Error).message}`, phrase: phrase('decision.defaultFailed', { station: stationId, evse: e.evseId }), details: null });
    }
  }
  const missing: string[] = [];
  for (const push of await deps.profiles.activePushes(site.id)) {
    if (push.stationId !== stationId || push.state !== 'accepted' || holds(push.evseId, push.profileId)) continue;
    await deps.profiles.recordPush({ ...push, state: 'failed', detail: 'not held by the station after it reconnected' });
    missing.push(push.transactionId);
  }
  return missing;
}
