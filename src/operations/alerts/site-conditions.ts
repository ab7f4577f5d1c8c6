/**
 * What holds per site (issue 17): a car that will miss its departure target (the plan's shortfall, explained by
 * src/scheduler/shortfall.ts), stale prices for the site's tariff zone, and metered power above the site's grid
 * limit. Fed by src/wiring/alerts.ts from the plan, price and meter events.
 */
import type { AlertCondition } from '../../domain/alerts.js';
import type { PlanRecord } from '../../domain/plans.js';
import type { Site } from '../../domain/sites.js';
import { phrase } from '../../domain/phrases.js';
import { isoUtc } from '../../platform/clock.js';
import type { ConditionSource } from './alert-engine.js';

export interface SiteConditionDeps {
  sites(): readonly Site[];
  /** The price zone a tariff reads its energy prices from (market tariffs), else null. */
  tariffZone(tariff: string): string | null;
  /** Metered power above the limit by more than this (kW) counts (a meter's rounding is not an alert). */
  siteLimitToleranceKw: number;
  changed(): void;
}

/** A car short by less than this (kWh) is not worth an alert. */
const SHORTFALL_MIN_KWH = 0.1;
/** A power reading older than this says nothing about now (src/scheduler/meter-state.ts METER_WINDOW_MS). */
const POWER_WINDOW_MS = 15 * 60_000;
const MAX_READINGS = 100_000;

export class SiteConditions implements ConditionSource {
  private readonly shortfalls = new Map<string, AlertCondition[]>();
  private readonly stale = new Map<string, { ageMs: number | undefined; since: number }>();
  private readonly power = new Map<string, { stationId: string; evseId: number; kw: number; at: number }>();

  constructor(private readonly deps: SiteConditionDeps) {}

  /** A new plan for a site: its sessions short at departure replace the site's previous ones. */
  planMade(plan: PlanRecord): void {
    const short = plan.sessions.filter((s) => s.shortfallKwh >= SHORTFALL_MIN_KWH).map((s): AlertCondition => ({
      kind: 'departure-shortfall', siteId: plan.siteId, stationId: s.stationId, subject: `${s.stationId}/${s.transactionId}`, severity: 'warning',
      message: `${s.vehicleId ?? `the car on ${s.stationId} EVSE ${s.evseId}`} will be ${s.shortfallKwh.toFixed(1)} kWh short at ${isoUtc(s.departureMs)}${s.shortfallMessage ? `: ${s.shortfallMessage}` : ''}`,
      details: {
        evseId: s.evseId, transactionId: s.transactionId, shortfallKwh: Math.round(s.shortfallKwh * 10) / 10, reason: s.shortfallReason,
        // Issue 18: the message as ids and values for the pages' languages (domain/phrases.ts), its reason apart.
        phrase: phrase('alert.departureShortfall', { car: s.vehicleId ?? `${s.stationId} EVSE ${s.evseId}`, shortKwh: Math.round(s.shortfallKwh * 10) / 10, departureAt: isoUtc(s.departureMs) }),
        reasonPhrase: s.shortfallPhrase ?? null,
      },
    }));
    const had = this.shortfalls.get(plan.siteId)?.length ?? 0;
    if (short.length === 0) this.shortfalls.delete(plan.siteId);
    else this.shortfalls.set(plan.siteId, short);
    if (had > 0 || short.length > 0) this.deps.changed();
  }

  /** A session ended: it is no longer short, and its EVSE draws nothing. */
  sessionEnded(stationId: string, evseId: number, transactionId: string): void {
    for (const [siteId, list] of this.shortfalls) {
      const rest = list.filter((c) => c.subject !== `${stationId}/${transactionId}`);
      if (rest.length !== list.length) {
        if (rest.length === 0) this.shortfalls.delete(siteId);
        else this.shortfalls.set(siteId, rest);
        this.deps.changed();
      }
    }
    if (this.power.delete(`${stationId}/${evseId}`)) this.deps.changed();
  }

  pricesStale(zone: string, ageMs: number | undefined, at: number): void {
    if (!this.stale.has(zone)) this.stale.set(zone, { ageMs, since: at });
    this.deps.changed();
  }

  pricesUpdated(zone: string): void {
    if (this.stale.delete(zone)) this.deps.changed();
  }

  /** The latest Power.Active.Import of an EVSE's session, kW. */
  meteredPower(stationId: string, evseId: number, kw: number, at: number): void {
    const key = `${stationId}/${evseId}`;
    this.power.delete(key);
    this.power.set(key, { stationId, evseId, kw, at });
    if (this.power.size > MAX_READINGS) this.power.delete(this.power.keys().next().value!);
    this.deps.changed();
  }

  /** Zones whose prices are stale now (/health reports them). */
  staleZones(): string[] {
    return [...this.stale.keys()];
  }

  conditions(now: number): AlertCondition[] {
    const out: AlertCondition[] = [...[...this.shortfalls.values()].flat()];
    const sites = this.deps.sites();
    for (const [zone, s] of this.stale) {
      const affected = sites.filter((site) => this.deps.tariffZone(site.tariff) === zone);
      const age = s.ageMs === undefined ? 'never received' : `${Math.round(s.ageMs / 3_600_000)} h old`;
      for (const siteId of affected.length > 0 ? affected.map((x) => x.id) : [null]) {
        out.push({
          kind: 'prices-stale', siteId, stationId: null, subject: zone, severity: 'warning',
          message: `prices for zone ${zone} are stale (${age}, noticed ${isoUtc(s.since)}): the site plans on the last good prices`,
          details: {
            zone,
            // Issue 18: the message as an id and values (ageHours: whole hours, as the English says them).
            phrase: s.ageMs === undefined
              ? phrase('alert.pricesNeverReceived', { priceZone: zone, noticedAt: isoUtc(s.since) })
              : phrase('alert.pricesStale', { priceZone: zone, ageHours: Math.round(s.ageMs / 3_600_000), noticedAt: isoUtc(s.since) }),
          },
        });
      }
    }
    for (const site of sites) {
      let kw = 0;
      const evses = new Set(site.evses.map((e) => `${e.stationId}/${e.evseId}`));
      for (const [key, p] of this.power) if (evses.has(key) && now - p.at <= POWER_WINDOW_MS) kw += p.kw;
      if (kw > site.gridLimitKw + this.deps.siteLimitToleranceKw) {
        out.push({
          kind: 'site-limit-exceeded', siteId: site.id, stationId: null, subject: site.id, severity: 'critical',
          message: `site ${site.id} draws ${kw.toFixed(0)} kW by its meters, above its ${site.gridLimitKw} kW limit`,
          details: { limitKw: site.gridLimitKw, phrase: phrase('alert.siteLimitExceeded', { site: site.id, drawKw: Math.round(kw), limitKw: site.gridLimitKw }) },
        });
      }
    }
    return out;
  }
}
