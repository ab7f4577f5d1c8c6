/**
 * Ports: the small interfaces adapters implement and the core depends on (ARCHITECTURE.md convention 1).
 */

/** Who is connected right now (implemented by the OCPP server). */
export interface StationDirectory {
  connectedCount(): number;
  isConnected(stationId: string): boolean;
  /** In a cluster (issue 19): the node that holds the station's connection, or null; absent on a single process. */
  holderOf?(stationId: string): string | null;
}
