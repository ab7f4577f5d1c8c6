/**
 * Stations waiting to be adopted (issue 16): a charger that connects with an id nobody registered, while
 * `ocpp.autoRegister` is off, is recorded here (never registered, never planned) until an admin adopts it into a site
 * or dismisses it. The OCPP server records attempts and boots (src/ocpp/waiting-list.ts); storage keeps the rows
 * (src/storage/waiting-station-repository.ts); the admin API lists, adopts and dismisses (src/http/api/admin-stations*).
 */

export interface WaitingStation {
  stationId: string;
  /** The address its last connection came from. */
  remoteAddress: string;
  /** Whether that connection came over TLS (an adopted station then gets security profile 2, else 1). */
  tls: boolean;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Connection attempts recorded (bounded by the per-address rate, src/ocpp/waiting-list.ts). */
  attempts: number;
  /** From its BootNotification (answered Pending, B02), once it sent one. */
  vendorName: string | null;
  model: string | null;
  serialNumber: string | null;
  firmwareVersion: string | null;
  bootedAt: string | null;
}

/** What a waiting station said of itself at boot. */
export interface WaitingBoot {
  vendorName: string;
  model: string;
  serialNumber?: string | undefined;
  firmwareVersion?: string | undefined;
}

/** The outcome of recording an attempt: recorded (new or again), or not because the list is full. */
export type WaitingAttempt = 'recorded' | 'full';

export interface WaitingStationStore {
  /**
   * Records a connection attempt of an unknown id: a new row (unless `maxRows` rows exist: 'full', nothing written),
   * or the existing row's address, time and count. One statement per outcome, safe under concurrent attempts.
   */
  recordAttempt(input: { stationId: string; remoteAddress: string; tls: boolean; at: string }, maxRows: number): Promise<WaitingAttempt>;
  /** Its BootNotification's vendor and model; nothing when the row is gone (adopted or dismissed meanwhile). */
  recordBoot(stationId: string, boot: WaitingBoot, at: string): Promise<void>;
  get(stationId: string): Promise<WaitingStation | undefined>;
  /** Newest first, at most `limit`. */
  list(limit: number): Promise<WaitingStation[]>;
}

/** Bounds of the waiting list: a flood of made-up ids cannot fill the database. */
export const WAITING_LIMITS = {
  /** Rows at most; beyond, unknown ids are refused (401) and not recorded until an admin dismisses some. */
  maxRows: 500,
  /** Attempts recorded per remote address per window; beyond, refused (429) without a write. */
  attemptsPerAddress: 30,
  windowMs: 10 * 60_000,
  /** Addresses tracked at once; beyond, the window's counts start over (memory stays bounded). */
  maxAddresses: 10_000,
} as const;
