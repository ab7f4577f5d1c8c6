import type { Clock } from '../platform/clock.js';

/**
 * How many bytes a station's frames may carry (`ocpp.limits.maxFrameBytes`, `inboundBytesPerMinute`,
 * `inboundBurstBytes`; docs/security.md, "What a station can store and log"). Issue 20: a valid 4 MiB frame (ws's
 * maxPayload until now) cost ~150-250 ms of JSON.parse alone and held the event loop for every other station.
 */
export interface FrameLimits {
  /** The largest frame (after permessage-deflate) read at all; a larger one is closed by ws with 1009. */
  maxFrameBytes: number;
  /** What one station may send per minute of the injected clock, sustained... */
  inboundBytesPerMinute: number;
  /** ...and at once (the bucket's size): a full device-model report arrives as a burst of NotifyReports. */
  inboundBurstBytes: number;
}

/**
 * 1 MiB. The official schemas bound every string (certificates and CSRs 5,500 characters, a certificate chain
 * 10,000, a variable's value 2,500, a 15118 EXI request 5,600) and a charging schedule at 1,024 periods (~70 KB), so
 * every message of a single item is far below it. What the schemas leave open are the lists: NotifyReport's
 * reportData, GetVariables results, meter values, and DataTransfer's free-form data. Stations page reports by their
 * own ItemsPerMessage/BytesPerMessage, which the CSMS cannot set; a typical report item is ~260 bytes, so 1 MiB is
 * ~4,000 items per message (and still ~90 items if every one carried its largest value, characteristics and all
 * four attribute types), with margin for stations that page coarsely. It costs ~40 ms of JSON.parse on a loaded
 * 2-core machine against ~150 ms for ws's old 4 MiB; the byte budget below bounds how often a station may do that.
 */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** 4 MiB a minute (~70 KB/s) sustained, 4 MiB at once: a whole device model at boot, hours of meter values. */
export const DEFAULT_FRAME_LIMITS: FrameLimits = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  inboundBytesPerMinute: 4 * 1024 * 1024,
  inboundBurstBytes: 4 * 1024 * 1024,
};

/**
 * Each station's inbound byte budget: a token bucket of `inboundBurstBytes` bytes refilled continuously at
 * `inboundBytesPerMinute` on the injected clock, kept per station id (not per connection), so reconnecting does not
 * buy a fresh burst. A frame is charged before it is parsed; a frame the budget cannot pay for is not read, and the
 * connection closes with 1008 (policy violation), which backs the station off like any other misbehaviour. A full
 * bucket is the same as none, so those are forgotten when the table grows.
 */
export class InboundByteBudgets {
  private readonly buckets = new Map<string, { bytes: number; at: number }>();
  private readonly perMs: number;
  /** Frames refused for the budget, and frames over maxFrameBytes (ws closed them with 1009), since start. */
  readonly counts = { overBudget: 0, oversized: 0 };

  constructor(private readonly clock: Clock, private readonly limits: FrameLimits, private readonly maxKeys = 100_000) {
    this.perMs = limits.inboundBytesPerMinute / 60_000;
  }

  /** Charges `bytes` to the station: true when its budget covered them, false (nothing charged) when not. */
  admit(stationId: string, bytes: number): boolean {
    const now = this.clock.now();
    const b = this.buckets.get(stationId);
    const available = b ? Math.min(this.limits.inboundBurstBytes, b.bytes + (now - b.at) * this.perMs) : this.limits.inboundBurstBytes;
    if (bytes > available) {
      this.counts.overBudget++;
      this.buckets.set(stationId, { bytes: available, at: now });
      return false;
    }
    this.buckets.set(stationId, { bytes: available - bytes, at: now });
    if (this.buckets.size > this.maxKeys) this.prune(now);
    return true;
  }

  private prune(now: number): void {
    for (const [id, b] of this.buckets) {
      if (b.bytes + (now - b.at) * this.perMs >= this.limits.inboundBurstBytes) this.buckets.delete(id);
    }
  }
}
