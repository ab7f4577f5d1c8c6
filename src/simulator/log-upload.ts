/**
 * The simulated station's GetLog (N01): Accepted with the file name, then LogStatusNotification Uploading, a real HTTP
 * PUT of the log to the remoteLocation the CSMS gave, and Uploaded or UploadFailure, each with the request's
 * requestId. The log is what this station knows about itself (identity, firmware, EVSEs); `logBytes` pads it to a
 * size (tests of the CSMS's bound).
 */
import type { RequestOf, ResponseOf, StationAction } from '../ocpp/schemas/generated/index.js';
import type { Answer } from './ocpp-client.js';
import type { Evse } from './evse.js';

export interface LogHost {
  readonly id: string;
  nowIso(): string;
  evseList(): Evse[];
  send<A extends StationAction>(action: A, payload: RequestOf<A>): void;
  /** Resolves once the station's queued messages are answered (or it cannot send now). */
  sent(): Promise<void>;
  /** Keeps the upload in sight of idle(). */
  track<T>(p: Promise<T>): Promise<T>;
  firmwareVersion(): string;
}

export interface LogOptions {
  /** Pad each uploaded log to this many bytes. */
  logBytes?: number;
}

export class SimLogUpload {
  /** The statuses sent, for tests that watch the station itself. */
  readonly steps: { requestId: number; status: string }[] = [];

  constructor(private readonly s: LogHost, private readonly o: LogOptions) {}

  handleGetLog(req: RequestOf<'GetLog'>): Answer & { response: ResponseOf<'GetLog'> } {
    const filename = `${this.s.id}-${req.logType}-${req.requestId}.log`.slice(0, 255);
    return { response: { status: 'Accepted', filename }, after: () => void this.s.track(this.upload(req, filename)) };
  }

  private status(status: RequestOf<'LogStatusNotification'>['status'], requestId: number): void {
    this.steps.push({ requestId, status });
    this.s.send('LogStatusNotification', { status, requestId });
  }

  private async upload(req: RequestOf<'GetLog'>, filename: string): Promise<void> {
    this.status('Uploading', req.requestId);
    // As a station's firmware does, one step after the other: the upload starts once Uploading is answered, so the
    // CSMS records Uploading before the file arrives (without the wait the two raced: PUT before the notification).
    await this.s.sent();
    try {
      const res = await fetch(req.log.remoteLocation, {
        method: 'PUT',
        headers: { 'content-type': 'text/plain; charset=utf-8', 'x-file-name': filename },
        body: this.content(req),
        signal: AbortSignal.timeout(60_000),
      });
      await res.arrayBuffer();
      this.status(res.ok ? 'Uploaded' : 'UploadFailure', req.requestId);
    } catch {
      this.status('UploadFailure', req.requestId);
    }
  }

  private content(req: RequestOf<'GetLog'>): string {
    const lines = [
      `${this.s.nowIso()} ${req.logType} of ${this.s.id}, firmware ${this.s.firmwareVersion()}`,
      `requested range: ${req.log.oldestTimestamp ?? '-'} .. ${req.log.latestTimestamp ?? '-'}`,
      ...this.s.evseList().map((e) => `EVSE ${e.hw.id}: ${e.tx ? `transaction ${e.tx.id}` : e.car ? 'occupied' : 'available'}, register ${Math.round(e.registerWh)} Wh`),
    ];
    const text = `${lines.join('\n')}\n`;
    const pad = (this.o.logBytes ?? 0) - Buffer.byteLength(text);
    return pad > 0 ? text + '.'.repeat(pad) : text;
  }
}
