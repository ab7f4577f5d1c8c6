import type { Site } from '../../domain/sites.js';
import type { TransactionRecord } from '../../domain/stations.js';
import type { Vehicle } from '../../domain/vehicles.js';
import type { PlanRecord } from '../../domain/plans.js';
import { assertAccess, READERS, readsSite, type Principal } from '../auth/access.js';
import type { Role } from '../auth/roles.js';
import { HttpError } from '../errors.js';
import type { ApiDeps } from './deps.js';
import type { EvseStatus } from './schemas.js';

/**
 * Lookups every resource shares: a site or vehicle by id behind the scope check, an EVSE's live state, the car on
 * an EVSE, the time zone a vehicle's departures are read in. Scope decisions only through src/http/auth/access.ts.
 *
 * Unknown ids: the check runs first with the group of the thing (null when it does not exist), so a non-admin gets
 * the same 403 for "not yours" and "does not exist" and learns nothing; only an admin sees 404.
 */
export class ApiContext {
  private siteById = new Map<string, Site>();
  private sitesByStation = new Map<string, Site[]>();
  /** The set the maps were built from: sites change at run time (issue 16), each change is a new array. */
  private indexed: readonly Site[] | undefined;

  constructor(readonly deps: ApiDeps) {}

  /** The sites planned now (the scheduler's set, replaced whole when an admin changes a site). */
  get sites(): readonly Site[] {
    const sites = this.deps.scheduler.sites();
    if (sites !== this.indexed) this.index(sites);
    return sites;
  }

  /** This context with its maps built from the current set. */
  private current(): this {
    void this.sites;
    return this;
  }

  private index(sites: readonly Site[]): void {
    this.siteById = new Map();
    this.sitesByStation = new Map();
    for (const site of sites) {
      this.siteById.set(site.id, site);
      for (const e of site.evses) {
        const list = this.sitesByStation.get(e.stationId) ?? [];
        if (!list.includes(site)) list.push(site);
        this.sitesByStation.set(e.stationId, list);
      }
    }
    this.indexed = sites;
  }

  now(): number {
    return this.deps.clock.now();
  }

  /** The site, if the principal may act on it with one of `roles`; 403 otherwise (404 for admins if unknown). */
  site(p: Principal, siteId: string, roles: readonly Role[] = READERS): Site {
    const site = this.current().siteById.get(siteId);
    // A grant over this very site reads it (issue 16), on the readers' routes only.
    if (site && roles === READERS && readsSite(p, site.id)) return site;
    assertAccess(p, site ? site.fleet : null, `site "${siteId}"`, roles);
    if (!site) throw new HttpError(404, 'SITE_UNKNOWN', `no site "${siteId}"`, 'siteId');
    return site;
  }

  /** The vehicle, behind the same rule as `site`. */
  async vehicle(p: Principal, vehicleId: string, roles: readonly Role[] = READERS): Promise<Vehicle> {
    const vehicle = await this.deps.stores.vehicles.get(vehicleId);
    assertAccess(p, vehicle ? vehicle.fleet : null, `vehicle "${vehicleId}"`, roles);
    if (!vehicle) throw new HttpError(404, 'VEHICLE_UNKNOWN', `no vehicle "${vehicleId}"`, 'vehicleId');
    return vehicle;
  }

  sitesOfStation(stationId: string): readonly Site[] {
    return this.current().sitesByStation.get(stationId) ?? [];
  }

  siteOfEvse(stationId: string, evseId: number | null): Site | undefined {
    return this.sitesOfStation(stationId).find((s) => evseId === null || s.evses.some((e) => e.stationId === stationId && e.evseId === evseId));
  }

  /**
   * The site whose zone (and default departure) a vehicle's wall-clock targets are read with: the site it charges at
   * now, else its fleet's first site when all of the fleet's sites share one zone; null when nothing tells (the
   * scheduler reads the target at whichever site the car plugs in).
   */
  async siteOfVehicle(vehicle: Vehicle): Promise<Site | null> {
    const plans = await this.latestPlans();
    const k = plans.findIndex((plan) => plan?.sessions.some((s) => s.vehicleId === vehicle.id));
    return k >= 0 ? this.sites[k]! : this.fleetSite(vehicle.fleet);
  }

  /** Every site's latest plan, in the order of `sites` (the scheduler keeps them in memory after the first read). */
  private latestPlans(): Promise<(PlanRecord | undefined)[]> {
    return Promise.all(this.sites.map((site) => this.deps.scheduler.latestPlan(site.id)));
  }

  /** The fleet's first site when all of the fleet's sites share one zone; null otherwise. */
  private fleetSite(fleet: string | null): Site | null {
    const own = this.sites.filter((s) => s.fleet !== null && s.fleet === fleet);
    return own.length > 0 && own.every((s) => s.timeZone === own[0]!.timeZone) ? own[0]! : null;
  }

  /**
   * siteOfVehicle's zone for many vehicles at once (bulk uploads): the plans are read once, not once per row, so a
   * 10,000-row upload is linear in its rows (issue 20, finding 6).
   */
  async zoneFinder(): Promise<(vehicle: Vehicle) => string | null> {
    const charging = new Map<string, Site>();
    const plans = await this.latestPlans();
    this.sites.forEach((site, k) => {
      for (const s of plans[k]?.sessions ?? []) {
        if (s.vehicleId && !charging.has(s.vehicleId)) charging.set(s.vehicleId, site);
      }
    });
    const byFleet = new Map<string | null, string | null>();
    return (vehicle) => {
      const here = charging.get(vehicle.id);
      if (here) return here.timeZone;
      if (!byFleet.has(vehicle.fleet)) byFleet.set(vehicle.fleet, this.fleetSite(vehicle.fleet)?.timeZone ?? null);
      return byFleet.get(vehicle.fleet)!;
    };
  }

  /**
   * The site where the vehicle's running session is, identified the way the planner does (its id token, else a fleet
   * manager's assignment to the EVSE); undefined when it is not plugged in on any site. A site's running sessions are
   * one read, taken in the site's EVSE order; only their cars are looked up. "Charge now" uses it to stay inside the
   * caller's sites (issue 20, finding 3).
   */
  async sessionSiteOf(vehicleId: string): Promise<Site | undefined> {
    const { stores } = this.deps;
    for (const site of this.sites) {
      const running = await stores.transactions.activeOnEvses(site.evses);
      const order = new Map(site.evses.map((e, k) => [`${e.stationId}#${e.evseId}`, k]));
      running.sort((a, b) => order.get(`${a.stationId}#${a.evseId}`)! - order.get(`${b.stationId}#${b.evseId}`)!);
      for (const { stationId, evseId, transaction: tx } of running) {
        const byToken = tx.idToken ? await stores.vehicles.byIdToken(tx.idToken) : undefined;
        const car = byToken ? byToken.id : await stores.assignments.onEvse(stationId, evseId);
        if (car === vehicleId) return site;
      }
    }
    return undefined;
  }

  /**
   * The EVSE's status in the contract's words, given its active transaction. `connectors` caches one read per
   * station (the read's promise, so EVSEs of one station asked for at once share it).
   */
  async evseStatus(stationId: string, evseId: number, tx: TransactionRecord | undefined, connectors: Map<string, Promise<Map<number, string[]>>>): Promise<EvseStatus> {
    const { stores, stations } = this.deps;
    if (!stations.isConnected(stationId)) return 'offline';
    let byEvse = connectors.get(stationId);
    if (!byEvse) {
      byEvse = stores.evses.evses(stationId).then((list) => new Map(list.map((e) => [e.evseId, e.connectors.map((c) => c.status)])));
      connectors.set(stationId, byEvse);
    }
    return statusOf((await byEvse).get(evseId) ?? [], tx);
  }

  /** The car in a transaction: the plan's answer, else its id token, else a fleet manager's assignment. */
  async vehicleOn(stationId: string, evseId: number, tx: TransactionRecord, plan: PlanRecord | undefined): Promise<string | null> {
    const planned = plan?.sessions.find((s) => s.stationId === stationId && s.transactionId === tx.transactionId);
    if (planned?.vehicleId) return planned.vehicleId;
    const byToken = tx.idToken ? await this.deps.stores.vehicles.byIdToken(tx.idToken) : undefined;
    return byToken?.id ?? (await this.deps.stores.assignments.onEvse(stationId, evseId)) ?? null;
  }
}

/**
 * OCPP 2.0.1 connector status (Available/Occupied/Reserved/Unavailable/Faulted) and the transaction's
 * chargingState (Charging/EVConnected/SuspendedEV/SuspendedEVSE/Idle) in one word for people. A fault on any
 * connector of the EVSE wins; a transaction says more than "Occupied".
 */
export function statusOf(connectorStatuses: readonly string[], tx: TransactionRecord | undefined): EvseStatus {
  if (connectorStatuses.includes('Faulted')) return 'faulted';
  if (tx) {
    if (tx.chargingState === 'Charging') return 'charging';
    if (tx.chargingState === 'SuspendedEV' || tx.chargingState === 'SuspendedEVSE') return 'suspended';
    return 'occupied';
  }
  if (connectorStatuses.includes('Occupied')) return 'occupied';
  if (connectorStatuses.length > 0 && connectorStatuses.every((s) => s === 'Unavailable' || s === 'Reserved')) return 'unavailable';
  return 'available';
}
