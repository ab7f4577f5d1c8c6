/**
 * The station page's message log (issue 16): the newest OCPP-J frames of each station in both directions, CALL,
 * CALLRESULT and CALLERROR alike, with their payload cut to a bound and with secrets (passwords, private keys)
 * redacted before they are kept (src/ocpp/frame-record.ts). The RPC layer writes them in batches, one write per
 * event-loop turn (src/ocpp/frame-log.ts); the store keeps only the newest FRAMES_KEPT_PER_STATION per station.
 */

/** What the page shows and the store keeps per station. */
export const FRAMES_KEPT_PER_STATION = 100;
/** A kept payload's largest size (characters of its JSON); a larger one keeps its head and its full size. */
export const FRAME_PAYLOAD_CHARS = 2048;

export type FrameDirection = 'in' | 'out';
export type FrameType = 'CALL' | 'CALLRESULT' | 'CALLERROR';

export interface StationFrame {
  stationId: string;
  /** UTC ISO-8601 on the injected clock, when this node read or sent the frame. */
  at: string;
  /** 'in': the station sent it; 'out': we did. */
  direction: FrameDirection;
  type: FrameType;
  messageId: string;
  /** The CALL's action; a reply's is the action of the CALL it answers, null when it answers none we know. */
  action: string | null;
  /** The payload's JSON, redacted, at most FRAME_PAYLOAD_CHARS characters (a CALLERROR's is {errorCode, ...}). */
  payload: string;
  /** The redacted payload JSON's full length: more than payload.length when it was cut. */
  payloadChars: number;
  /**
   * Which connection of the station it came on (not stored): the store reads a station's last sequence number once
   * per connection, since another node may have written frames of the station in between.
   */
  connection?: string;
}

export interface StationFrameStore {
  /** Keeps these frames (oldest first), each station's newest FRAMES_KEPT_PER_STATION of all it has. */
  append(frames: readonly StationFrame[]): Promise<void>;
  /** The station's newest frames, newest first, at most `limit` (and never more than FRAMES_KEPT_PER_STATION). */
  newest(stationId: string, limit: number): Promise<StationFrame[]>;
}
