import { createHash } from 'node:crypto';

/** How much of what stations send the station log keeps (config `retention`, docs/security.md). */
export interface StationLogLimits {
  /** The largest payload stored verbatim, in UTF-8 bytes of its JSON text; a larger one keeps this much head. */
  maxPayloadBytes: number;
  /** What one station may store per minute of the injected clock; beyond it only size and hash are kept. */
  stationBytesPerMinute: number;
}

export const DEFAULT_STATION_LOG_LIMITS: StationLogLimits = { maxPayloadBytes: 64 * 1024, stationBytesPerMinute: 1024 * 1024 };

/** A payload as it is stored: verbatim (`sha256` null), or cut to `text` (a head, maybe empty) plus size and hash. */
export interface StoredPayload {
  text: string;
  /** UTF-8 bytes of the whole JSON text the station's payload serialises to. */
  bytes: number;
  /** SHA-256 (hex) of that whole text; null when `text` is all of it. */
  sha256: string | null;
}

const encoder = new TextEncoder();

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes` (never half a character). */
export function utf8Head(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  // A UTF-16 unit is at most 3 UTF-8 bytes, so no more than maxBytes units are ever needed.
  const candidate = text.length > maxBytes ? text.slice(0, maxBytes) : text;
  const { read } = encoder.encodeInto(candidate, new Uint8Array(maxBytes));
  return candidate.slice(0, read);
}

/**
 * Caps what each station stores: every payload at `maxPayloadBytes`, and all of a station's payloads together at
 * `stationBytesPerMinute` per minute of the clock the timestamps come from (the injected clock: `at` is the
 * handler's `now`). One station sending a 4 MiB DataTransfer every 100 ms grew the database by 340 MB in 10 s
 * (issue 20, finding 12); under these limits it stores at most the budget per minute plus one small row per
 * message, and retention bounds the rows.
 */
export class StationPayloadBudget {
  private readonly used = new Map<string, { minute: number; bytes: number }>();

  constructor(private readonly limits: StationLogLimits = DEFAULT_STATION_LOG_LIMITS) {}

  /** The payload as it may be stored now, charged to the station's budget for the minute `at` falls in. */
  fit(stationId: string, payload: unknown, at: string): StoredPayload {
    // The frame depth limit (MAX_FRAME_DEPTH in src/ocpp/rpc/frames.ts) keeps this from recursing deeply.
    const json = JSON.stringify(payload) ?? 'null';
    const minute = Math.floor(Date.parse(at) / 60_000);
    let use = this.used.get(stationId);
    if (!use || use.minute !== minute) {
      use = { minute, bytes: 0 };
      this.used.set(stationId, use);
    }
    const room = Math.max(0, this.limits.stationBytesPerMinute - use.bytes);
    const bytes = Buffer.byteLength(json);
    if (bytes <= this.limits.maxPayloadBytes && bytes <= room) {
      use.bytes += bytes;
      return { text: json, bytes, sha256: null };
    }
    const text = utf8Head(json, Math.min(this.limits.maxPayloadBytes, room));
    use.bytes += Buffer.byteLength(text);
    return { text, bytes, sha256: createHash('sha256').update(json).digest('hex') };
  }
}
