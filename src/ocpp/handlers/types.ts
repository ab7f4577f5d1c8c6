import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { OcppEventSink } from '../../domain/ocpp-events.js';
import type {
  ChargingNeedsStore, DeviceModelStore, EvseStore, IdTokenStore, MeterValueStore, RegistrationStatus,
  StationLogStore, StationStore, TransactionStore,
} from '../../domain/stations.js';
import type { CsmsAction, RequestOf, ResponseOf, StationAction } from '../schemas/generated/index.js';
import type { StationCertificates } from '../auth/client-cert.js';
import type { WaitingList } from '../waiting-list.js';
import type { StationFrameStore } from '../../domain/station-frames.js';

/** How the CSMS answers, from config. */
export interface OcppBehaviour {
  /** BootNotification status for stations without an operator override. */
  bootStatus: 'Accepted' | 'Pending';
  /** Heartbeat interval given to accepted stations, seconds. */
  heartbeatIntervalS: number;
  /** Retry interval given with Pending/Rejected, seconds (B02.FR.08). */
  bootRetryIntervalS: number;
  /** Accept id tokens that are not in the token table (a home charger, a lab). */
  acceptUnknownIdTokens: boolean;
  /** DataTransfer vendorIds we know; everything else gets UnknownVendorId. */
  dataTransferVendors: string[];
  /** Read SmartChargingCtrlr variables with GetVariables after an accepted boot. */
  readCapabilitiesOnBoot: boolean;
}

export interface OcppServices {
  stations: StationStore;
  evses: EvseStore;
  transactions: TransactionStore;
  meterValues: MeterValueStore;
  idTokens: IdTokenStore;
  chargingNeeds: ChargingNeedsStore;
  deviceModel: DeviceModelStore;
  stationLog: StationLogStore;
  events: OcppEventSink;
  clock: Clock;
  logger: Logger;
  behaviour: OcppBehaviour;
  /** Security profile 3 (A00.FR.4xx, A02/A03): the CA; absent without ocpp.tls.caFile. */
  certificates?: StationCertificates | null;
  /** Issue 16: unknown stations wait here to be adopted (waiting-list.ts); absent: an unknown id is refused (401). */
  waiting?: WaitingList;
  /** Issue 16: the station page's message log, every frame in and out (frame-log.ts); absent: none kept. */
  frames?: StationFrameStore;
}

/** Per-connection state the RPC guard needs (B01.FR.10, B02.FR.09, B03.FR.07). */
export interface StationSession {
  bootStatus: RegistrationStatus | null;
  /** Actions the station may send before it is accepted because we asked for them (TriggerMessage, GetBaseReport). */
  permitted: Set<string>;
}

export interface HandlerContext {
  stationId: string;
  services: OcppServices;
  session: StationSession;
  /** The CSMS's current time, UTC ISO-8601. */
  now: string;
  /**
   * Runs after the CALLRESULT has been sent, on its own: the station's next CALL does not wait for it, and a failure
   * (thrown or rejected) is logged.
   */
  afterReply(fn: () => void | Promise<void>): void;
  /** Calls the station (queued behind any call in flight). */
  call<A extends CsmsAction>(action: A, payload: RequestOf<A>): Promise<ResponseOf<A>>;
}

export type Handler<A extends StationAction> = (req: RequestOf<A>, ctx: HandlerContext) => ResponseOf<A> | Promise<ResponseOf<A>>;

export type HandlerTable = { [A in StationAction]: Handler<A> };
