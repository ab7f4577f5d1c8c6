import type { Clock } from '../../platform/clock.js';
import type { CertificateMaintenance } from '../../domain/station-certificates.js';
import type { StationDirectory } from '../../domain/ports.js';
import type { ChargerStatusRecord, ProfileStore, SchedulerEvents } from '../../domain/plans.js';
import type { OcppEvents } from '../../domain/ocpp-events.js';
import type { SitePriceProvider } from '../../domain/prices.js';
import type { PriceSourceAdminPort, TariffAdminPort } from '../../domain/price-admin.js';
import type { Site } from '../../domain/sites.js';
import type { UtilisationSource } from '../../domain/utilisation.js';
import type { ChargingModeStore } from '../../domain/charging-modes.js';
import type { EvseStore, MeterValueStore, StationStore, TransactionStore } from '../../domain/stations.js';
import type { AssignmentStore, IdTokenTransfer, TargetStore, VehicleStore } from '../../domain/vehicles.js';
import type { VehicleChanges } from '../../domain/vehicle-changes.js';
import type { StoredVersionSource } from '../../domain/stored-version.js';
import type { PushStates } from '../../domain/push-states.js';
import type { Scheduler, SiteAdmin } from '../../scheduler/index.js';
import type { ApiOperations } from './operations-access.js';
import type { ApiMaintenance } from './maintenance-port.js';
import type { ApiStationAdmin } from './admin-stations-service.js';

/**
 * What the resource API needs, as capabilities (ports from src/domain and the scheduler's public surface), never
 * storage classes: main.ts wires the same repositories and the same scheduler the product runs on.
 */
export interface ApiDeps {
  /** People's changes go through the scheduler (it validates and re-plans); plans and decisions are read from it. */
  scheduler: ApiScheduler;
  /** The sites at start-up; the API reads the live set from scheduler.sites() (sites change at run time, issue 16). */
  sites: readonly Site[];
  stores: ApiStores;
  /** Effective prices per tariff (pricing.sitePrices in main.ts): the price chart without a plan. */
  prices: SitePriceProvider;
  /** Which stations are connected now. */
  stations: StationDirectory;
  /** The app's event bus: plan, decision and status changes for the live stream. */
  events: LiveEventSource;
  clock: Clock;
  /** Keep-alive comment period on the live stream (default 15 s; tests never wait on it). */
  keepAliveMs?: number;
  /** Station certificates (A02 renewal, A00.FR.429); without it those routes answer 409 (nothing to sign with). */
  certificates?: CertificateMaintenance;
  /** Creating, editing and deleting sites (issue 16, admins only); without it those routes do not exist. */
  siteAdmin?: ApiSiteAdmin;
  /** Tariffs and price sources from the browser (issue 16, admins only); without it those routes do not exist. */
  priceAdmin?: { tariffs: TariffAdminPort; sources: PriceSourceAdminPort };
  /** Remote operations and the device model (issue 17); without it those routes do not exist. */
  operations?: ApiOperations;
  /** Firmware updates and log retrieval (issue 17, L01/N01; src/wiring/maintenance.ts); without it those routes do not exist. */
  maintenance?: ApiMaintenance;
  /** Adding, re-keying, removing and adopting stations (issue 16, admins only); without it those routes do not exist. */
  stationAdmin?: ApiStationAdmin;
  /** The EVSE history utilisation reads (issue 17, migration 0021); without it those routes do not exist. */
  utilisation?: UtilisationSource;
}

/** The scheduler's methods the API calls (main.ts passes the Scheduler itself). */
export type ApiScheduler = Pick<
  Scheduler,
  | 'upsertVehicle' | 'setTarget' | 'setTargets' | 'clearOnceTarget' | 'setBoost' | 'clearBoost' | 'boost' | 'nextDeparture'
  | 'latestPlan' | 'decisions' | 'compliance' | 'sessionCosts' | 'sites'
  | 'trigger' // issue 18: a charging mode re-plans (home-modes.ts)
>;

/** The site changes the admin API makes (main.ts passes the SiteAdmin). */
export type ApiSiteAdmin = Pick<SiteAdmin, 'create' | 'replace' | 'remove' | 'setCircuits' | 'setPolicy' | 'placeEvse' | 'removeEvse' | 'export'>;

/**
 * Read-only views of the stores (every change goes through the scheduler), plus the explicit id-token move, which
 * wraps the scheduler's upsert in the store's transaction (issue 20, finding 3).
 */
export interface ApiStores {
  stations: Pick<StationStore, 'get'>;
  evses: Pick<EvseStore, 'evses'>;
  transactions: Pick<TransactionStore, 'activeOnEvses'>;
  meterValues: Pick<MeterValueStore, 'latestOf'>;
  /** `pushStatesOf`: the site plan's narrow read of the pushes (issue 18); pushedOf serves when a store lacks it. */
  profiles: Pick<ProfileStore, 'pushed' | 'pushedOf' | 'complianceOf'> & Partial<PushStates>;
  /** `stored`: the database's version of the vehicles and targets (issue 18: the fleet views' caches see other nodes' writes). */
  vehicles: Pick<VehicleStore, 'get' | 'list' | 'many' | 'byIdToken'> & IdTokenTransfer & VehicleChanges & Partial<StoredVersionSource>;
  targets: Pick<TargetStore, 'get' | 'many'>;
  assignments: Pick<AssignmentStore, 'onEvse'>;
  /** Charging modes and the weekly rule's removal (issue 18, home-modes.ts); without it those routes do not exist. */
  modes?: ChargingModeStore;
}

/** The events the live stream forwards (a subset of main.ts's AppEvents). */
export interface LiveEvents {
  'plan.created': SchedulerEvents['plan.created'];
  'plan.pushed': SchedulerEvents['plan.pushed'];
  'decision': SchedulerEvents['decision'];
  'charger.status': ChargerStatusRecord;
  'connector.status': OcppEvents['connector.status'];
  'transaction.event': OcppEvents['transaction.event'];
  'station.connected': OcppEvents['station.connected'];
  'station.disconnected': OcppEvents['station.disconnected'];
}

/** Subscribe to one event; returns the unsubscribe (TypedEvents.on has this shape). */
export interface LiveEventSource {
  on<K extends keyof LiveEvents>(event: K, fn: (payload: LiveEvents[K]) => void): () => void;
}
