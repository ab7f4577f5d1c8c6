/**
 * The charging-station side of the vocabulary: what a station told us, in our own terms (not OCPP wire
 * types, which live in src/ocpp). The OCPP adapter translates; storage persists; the scheduler reads.
 */

/**
 * OCPP security profiles (Part 2, A00): 1 = Basic auth over ws, 2 = Basic auth over TLS, 3 = TLS with a client
 * certificate (A00.FR.4xx). 0 = lab, no auth.
 */
export type SecurityProfile = 0 | 1 | 2 | 3;
export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected';

export interface StationRecord {
  id: string;
  passwordHash: string | null;
  securityProfile: SecurityProfile;
  /** Operator override for BootNotification; null = the configured default. */
  registrationStatus: RegistrationStatus | null;
  autoRegistered: boolean;
  vendorName: string | null;
  model: string | null;
  serialNumber: string | null;
  firmwareVersion: string | null;
  lastBootAt: string | null;
  lastBootStatus: RegistrationStatus | null;
  lastSeenAt: string | null;
  lastConnectedAt: string | null;
  lastDisconnectedAt: string | null;
  createdAt: string;
  /** The client certificate the station last connected with (profile 3); null if it never presented one. */
  clientCertificate: PresentedCertificate | null;
  /** An operator asked for a new certificate (A02) and the station has not been asked yet. */
  certificateRenewalRequestedAt: string | null;
}

/** What we keep of a certificate a station presented in the TLS handshake (A00.FR.403/.405). */
export interface PresentedCertificate {
  /** Hexadecimal, upper case (A00.FR.508). */
  serial: string;
  subject: string;
  notAfter: string;
  seenAt: string;
}

/** A03.FR.02's "one month": a certificate closer to its end than this should be renewed, and is flagged so. */
export const CERTIFICATE_RENEW_BEFORE_MS = 30 * 86_400_000;

export interface BootInfo {
  reason: string;
  vendorName: string;
  model: string;
  serialNumber?: string | undefined;
  firmwareVersion?: string | undefined;
}

/** register() met a station that already has this id (registered earlier, or by a concurrent registration). */
export class StationExistsError extends Error {
  override readonly name = 'StationExistsError';
  constructor(readonly stationId: string) {
    super(`station ${stationId} already exists`);
  }
}

/** A station's connection coming or going (or a sign of life), at an instant. */
export interface PresenceChange {
  id: string;
  kind: 'connected' | 'disconnected' | 'seen';
  at: string;
}

/**
 * What a BootNotification and a reconnect ask of a station's row (issue 15: a connect read the whole row three times):
 * its boot status settings and, for profile 3, when its admitted certificate expires ('' when not recorded).
 */
export interface StationBootFacts {
  securityProfile: SecurityProfile;
  registrationStatus: RegistrationStatus | null;
  lastBootStatus: RegistrationStatus | null;
  /** The recorded client certificate's notAfter (StationRecord.clientCertificate), null when none is recorded. */
  clientCertificateNotAfter: string | null;
  /** A certificate renewal (A02) waits to be sent (StationRecord.certificateRenewalRequestedAt is set). */
  renewalRequested: boolean;
}

export interface StationStore {
  get(id: string): Promise<StationRecord | undefined>;
  /** The few columns of the row a boot and a reconnect look at; undefined when there is no such station. */
  bootFacts(id: string): Promise<StationBootFacts | undefined>;
  list(): Promise<StationRecord[]>;
  /** Inserts a new station; throws StationExistsError (and writes nothing) when the id is taken, also by a concurrent call. */
  register(input: { id: string; passwordHash: string | null; securityProfile: SecurityProfile; autoRegistered?: boolean }, at: string): Promise<StationRecord>;
  setPassword(id: string, passwordHash: string, securityProfile: SecurityProfile, at: string): Promise<void>;
  setRegistrationStatus(id: string, status: RegistrationStatus | null, at: string): Promise<void>;
  recordBoot(id: string, boot: BootInfo, status: RegistrationStatus, at: string): Promise<void>;
  recordPresence(id: string, kind: PresenceChange['kind'], at: string): Promise<void>;
  /** Several presence changes in one transaction, applied in the order given. */
  recordPresences(changes: readonly PresenceChange[]): Promise<void>;
  /** Profile 3: the certificate a station was admitted with. */
  recordClientCertificate(id: string, cert: PresentedCertificate): Promise<void>;
  /** A02: an operator's renewal request (an ISO instant), or null once the station has been asked. */
  setCertificateRenewalRequested(id: string, at: string | null): Promise<void>;
  /** A02: when a certificate renewal was requested and not yet delivered; null if none (or no such station). */
  certificateRenewalRequestedAt(id: string): Promise<string | null>;
  /** A00.FR.429: when an operator allowed this station one admission with an expired certificate; null if not. */
  expiredCertificateAllowedAt(id: string): Promise<string | null>;
  /** Sets (an ISO instant) or clears (null) the A00.FR.429 allowance; throws when the station does not exist. */
  setExpiredCertificateAllowed(id: string, at: string | null): Promise<void>;
}

/** A certificate our CA issued for a station (A02/A03 CertificateSigned, or the first one from the CLI). */
export interface IssuedCertificateRecord {
  serial: string;
  stationId: string;
  certificateType: 'ChargingStationCertificate';
  subject: string;
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
  pem: string;
  source: 'SignCertificate' | 'cli';
  issuedAt: string;
  /** CertificateSigned's outcome: pending until the station answers; 'cli' when handed over out of band. */
  delivery: 'pending' | 'Accepted' | 'Rejected' | 'failed' | 'cli';
  deliveryDetail: string | null;
}

export interface IssuedCertificateStore {
  recordIssued(cert: IssuedCertificateRecord): Promise<void>;
  setDelivery(serial: string, delivery: IssuedCertificateRecord['delivery'], detail: string | null, at: string): Promise<void>;
  /** Newest first. */
  issuedTo(stationId: string): Promise<IssuedCertificateRecord[]>;
}

export interface ConnectorStatusRecord {
  stationId: string;
  evseId: number;
  connectorId: number;
  status: string;
  statusAt: string;
}

export interface EvseRecord {
  stationId: string;
  evseId: number;
  currentTransactionId: string | null;
  connectors: ConnectorStatusRecord[];
}

export interface EvseStore {
  /** Stores the status unless a later one is already stored (offline-queued notifications arrive late). */
  setConnectorStatus(status: ConnectorStatusRecord, receivedAt: string): Promise<void>;
  evses(stationId: string): Promise<EvseRecord[]>;
  currentTransaction(stationId: string, evseId: number): Promise<string | null>;
}

/** One sampled value, normalised: `value` is already scaled by 10^multiplier. */
export interface MeterSample {
  timestamp: string;
  measurand: string;
  phase?: string | undefined;
  location?: string | undefined;
  context?: string | undefined;
  value: number;
  unit?: string | undefined;
  multiplier?: number | undefined;
}

export type TransactionEventType = 'Started' | 'Updated' | 'Ended';

export interface TransactionEventRecord {
  stationId: string;
  transactionId: string;
  seqNo: number;
  eventType: TransactionEventType;
  triggerReason: string;
  timestamp: string;
  offline: boolean;
  evseId?: number | undefined;
  connectorId?: number | undefined;
  idToken?: { idToken: string; type: string; status?: string | undefined } | undefined;
  chargingState?: string | undefined;
  stoppedReason?: string | undefined;
  remoteStartId?: number | undefined;
  meterValues: MeterSample[];
  /** The message as received, kept verbatim. */
  payload: unknown;
}

export interface TransactionRecord {
  stationId: string;
  transactionId: string;
  evseId: number | null;
  connectorId: number | null;
  idToken: string | null;
  idTokenType: string | null;
  idTokenStatus: string | null;
  state: 'Started' | 'Ended';
  chargingState: string | null;
  remoteStartId: number | null;
  startedAt: string;
  endedAt: string | null;
  stoppedReason: string | null;
  lastSeqNo: number;
  meterStartWh: number | null;
  energyWh: number | null;
  offline: boolean;
  /** The car the scheduler identified for this session (recorded when it plans it, so bills keep it). */
  vehicleId: string | null;
  /** A person's "charge now" for this session, until it is delivered, cleared or the session ends. */
  boost: SessionBoost | null;
}

/** What a planning cycle reads of a running transaction (TransactionStore.runningOnEvses). */
export type RunningTransaction = Pick<TransactionRecord,
  'stationId' | 'transactionId' | 'evseId' | 'idToken' | 'startedAt' | 'chargingState' | 'meterStartWh' | 'energyWh' | 'vehicleId' | 'boost'>;

/**
 * "Charge now": from `setAt`, full power until `energyKwh` more is in, i.e. until the session's delivered energy
 * reaches `fromDeliveredKwh + energyKwh`. It belongs to the session: a new session starts without one.
 */
export interface SessionBoost {
  vehicleId: string;
  energyKwh: number;
  fromDeliveredKwh: number;
  setAt: string;
}

export interface TransactionStore {
  /**
   * Applies one TransactionEvent atomically: the event, the transaction, the EVSE's current transaction and
   * the meter values are written together or not at all. A seqNo already stored is a retransmission and
   * changes nothing.
   */
  applyEvent(event: TransactionEventRecord, receivedAt: string): Promise<{ duplicate: boolean; transaction: TransactionRecord }>;
  get(stationId: string, transactionId: string): Promise<TransactionRecord | undefined>;
  activeOnEvse(stationId: string, evseId: number): Promise<TransactionRecord | undefined>;
  /** activeOnEvse for many EVSEs in one read (a planning cycle reads its site's sessions at once): those that have one. */
  activeOnEvses(evses: readonly EvseRef[]): Promise<{ stationId: string; evseId: number; transaction: TransactionRecord }[]>;
  /**
   * activeOnEvses with only what a planning cycle plans with (RunningTransaction): every cycle reads its site's
   * sessions, and materialising the other columns was the largest part of a small site's cycle reads (issue 15).
   */
  runningOnEvses(evses: readonly EvseRef[]): Promise<{ stationId: string; evseId: number; transaction: RunningTransaction }[]>;
  active(stationId?: string): Promise<TransactionRecord[]>;
  /**
   * Transactions that started in [fromIso, toIso) (instants compared as instants, whatever offset the station
   * used), oldest first; only those of `stationIds` when given. Session lists and bills read by period.
   */
  between(fromIso: string, toIso: string, stationIds?: readonly string[]): Promise<TransactionRecord[]>;
}

/** What the scheduler adds to a session (not OCPP facts): which car it was, and a person's boost. */
export interface SessionAnnotationStore {
  setVehicle(stationId: string, transactionId: string, vehicleId: string | null): Promise<void>;
  /** Sets or (null) clears the session's boost. */
  setBoost(stationId: string, transactionId: string, boost: SessionBoost | null): Promise<void>;
  /** The running sessions that carry a boost for this vehicle (at most one in practice), found by index. */
  activeBoosted(vehicleId: string): Promise<TransactionRecord[]>;
}

export interface MeterValueStore {
  append(stationId: string, evseId: number, transactionId: string | null, samples: MeterSample[], source: string, receivedAt: string): Promise<void>;
  /** The transaction's samples in time order; from `sinceIso` on when given (a session's history grows all day). */
  forTransaction(stationId: string, transactionId: string, sinceIso?: string): Promise<(MeterSample & { evseId: number })[]>;
  /** The transaction's latest sample of one measurand (e.g. SoC). */
  latest(stationId: string, transactionId: string, measurand: string): Promise<MeterSample | undefined>;
  /** The transaction's newest `count` samples of one measurand from `sinceIso` on, in time order. */
  recent(stationId: string, transactionId: string, measurand: string, sinceIso: string, count: number): Promise<MeterSample[]>;
  /** forTransaction of many transactions in one read, each sample with its transaction, in time order. */
  forTransactions(transactions: readonly TransactionRef[], sinceIso?: string): Promise<(MeterSample & TransactionRef & { evseId: number })[]>;
  /** latest(..., measurand) of many transactions in one read: one sample for each that has one. */
  latestOf(transactions: readonly TransactionRef[], measurand: string): Promise<(MeterSample & TransactionRef)[]>;
}

/** An EVSE and a transaction as bulk reads name them. */
export interface EvseRef {
  stationId: string;
  evseId: number;
}
export interface TransactionRef {
  stationId: string;
  transactionId: string;
}

export type IdTokenStatus =
  | 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'Unknown'
  | 'NoCredit' | 'NotAllowedTypeEVSE' | 'NotAtThisLocation' | 'NotAtThisTime' | 'ConcurrentTx';

export interface IdTokenRecord {
  idToken: string;
  type: string;
  status: IdTokenStatus;
  groupIdToken: string | null;
  expiresAt: string | null;
  vehicleId: string | null;
}

export interface IdTokenStore {
  get(idToken: string, type: string): Promise<IdTokenRecord | undefined>;
  upsert(token: IdTokenRecord, at: string): Promise<void>;
  list(): Promise<IdTokenRecord[]>;
}

export interface ChargingNeedsRecord {
  stationId: string;
  evseId: number;
  transactionId: string | null;
  requestedEnergyTransfer: string;
  departureTime: string | null;
  energyAmountWh: number | null;
  evMinCurrentA: number | null;
  evMaxCurrentA: number | null;
  evMaxVoltageV: number | null;
  evMaxPowerW: number | null;
  maxScheduleTuples: number | null;
  receivedAt: string;
}

export interface ChargingNeedsStore {
  record(needs: ChargingNeedsRecord, payload: unknown): Promise<void>;
  latest(stationId: string, evseId: number): Promise<ChargingNeedsRecord | undefined>;
  /** latest for many EVSEs in one read: one record for each that has one. */
  latestOnEvses(evses: readonly EvseRef[]): Promise<ChargingNeedsRecord[]>;
}

export interface DeviceVariable {
  component: string;
  componentInstance?: string | undefined;
  evseId?: number | undefined;
  connectorId?: number | undefined;
  variable: string;
  variableInstance?: string | undefined;
  attributeType?: string | undefined;
  value: string | null;
  mutability?: string | undefined;
  dataType?: string | undefined;
  unit?: string | undefined;
}

export interface DeviceModelStore {
  upsert(stationId: string, variables: DeviceVariable[], source: string, at: string): Promise<void>;
  get(stationId: string, component: string, variable: string): Promise<DeviceVariable | undefined>;
  list(stationId: string, component?: string): Promise<DeviceVariable[]>;
}

export interface StationEventRecord {
  eventId: number;
  timestamp: string;
  trigger: string;
  eventNotificationType: string;
  component: string;
  variable: string;
  actualValue: string;
  cleared: boolean;
  /** The event as the station sent it, stored capped (storage/stored-payload.ts). */
  raw: unknown;
}

export interface ChargingLimitRecord {
  evseId: number;
  source: string;
  isGridCritical: boolean | null;
  schedule: unknown;
}

/** Everything else a station reports that must be kept: notifications, limits, verbatim messages. */
export interface StationLogStore {
  recordEvents(stationId: string, events: StationEventRecord[], at: string): Promise<void>;
  recordChargingLimit(stationId: string, limit: ChargingLimitRecord, at: string): Promise<void>;
  clearChargingLimit(stationId: string, source: string, evseId: number | null, at: string): Promise<void>;
  activeChargingLimits(stationId: string): Promise<(ChargingLimitRecord & { receivedAt: string })[]>;
  recordMessage(stationId: string, action: string, payload: unknown, at: string): Promise<void>;
  messages(stationId: string, action?: string): Promise<StoredMessage[]>;
}

/**
 * A message from the station log: the payload as sent, or, when it was over the size cap or the station's
 * storage budget, `payload` null and `cut` with its size, SHA-256 and the head that was kept (docs/security.md).
 */
export interface StoredMessage {
  action: string;
  payload: unknown;
  receivedAt: string;
  cut?: { bytes: number; sha256: string; head: string };
}

/** The smart-charging capabilities the profile builder needs (read with GetVariables after boot). */
export interface SmartChargingCapabilities {
  enabled: boolean | null;
  rateUnits: ('A' | 'W')[];
  periodsPerSchedule: number | null;
  profileStackLevel: number | null;
  entries: number | null;
  phases3to1: boolean | null;
  acPhaseSwitchingSupported: boolean | null;
}
