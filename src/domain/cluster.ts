/**
 * Ports of the cluster (issue 19): what src/cluster needs of the node's own OCPP server and of the shared database,
 * and what it gives back. The single process needs none of it.
 */

/** Why a call to a station failed; the same kinds as the OCPP server's own call errors, plus a fencing refusal. */
export type CallFailureKind = 'Timeout' | 'CallError' | 'Offline' | 'InvalidRequest' | 'InvalidResponse' | 'NotAllowed';

/** A failed call as it crosses the cluster: enough to rebuild the typed error on the calling node. */
export interface CallFailure {
  kind: CallFailureKind;
  stationId: string;
  action: string;
  message: string;
  /** The station's CALLERROR, when kind is CallError. */
  ocppError?: { code: string; description: string; details: unknown };
}

/** The stations whose sockets this node holds (implemented by the OCPP server). */
export interface LocalStations {
  /** Calls a station connected here; rejects with an error that has `kind` (CallFailureKind) and maybe `ocppError`. */
  call(stationId: string, action: string, payload: unknown): Promise<unknown>;
  /** When this node accepted the station's current connection (UTC ISO-8601), or null when it holds none. */
  connectedSince(stationId: string): string | null;
  /** Closes this node's connection to the station, if any (4000 when a newer connection on another node replaced it). */
  disconnect(stationId: string, code: number, reason: string): void;
}

/** Who holds a station's socket, as the shared database says. */
export interface PresenceRecord {
  stationId: string;
  node: string;
  /** When that node accepted the connection (UTC ISO-8601). */
  connectedAt: string;
}

/**
 * Which node holds which station's socket, since when (shared by all nodes). A row is only ever replaced by a newer
 * connection and removed only by the node that wrote it, so a late disconnect of an old node never hides a new one.
 */
export interface PresenceStore {
  /** Records (node, connectedAt) unless a newer connection of the station is already recorded; true when recorded. */
  connected(stationId: string, node: string, connectedAt: string): Promise<boolean>;
  /** Removes the row only if it is still this node's connection of `connectedAt`. */
  disconnected(stationId: string, node: string, connectedAt: string): Promise<void>;
  of(stationId: string): Promise<PresenceRecord | undefined>;
  /** Every row, ordered by station, at most `limit` (a node's view of the others when it starts). */
  all(limit: number): Promise<PresenceRecord[]>;
  /** Stations per node (for /health), bounded by the number of stations. */
  countsByNode(): Promise<Map<string, number>>;
  /** Removes every row of `node` (a node that starts again holds nothing yet); returns how many. */
  clearNode(node: string): Promise<number>;
}

/** This node as /health shows it in a cluster (issue 19). */
export interface ClusterStatus {
  node: string;
  /** Nodes whose lease is live now, this one included. */
  nodes: string[];
  /** Stations whose sockets this node holds. */
  stationsHeld: number;
  calls: { served: number; sent: number; offline: number; fenced: number };
  replaced: number;
  natsRttMs: number | null;
  lease: { held: boolean; epoch: number | null };
  sites: { owned: Record<string, number>; acquired: number; released: number };
  /** Once-per-cluster jobs (price pulls, clean-up) this node runs now. */
  jobs: string[];
}

export interface ClusterStatusSource {
  health(): Promise<ClusterStatus>;
}
