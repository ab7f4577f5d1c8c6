/**
 * The simulated station's firmware update (L01), as a charger does it: UpdateFirmware is answered at once, then the
 * image is downloaded over real HTTP from the location the CSMS gave, checked, installed and activated by a reboot,
 * with a FirmwareStatusNotification at each step carrying the request's requestId (L01.FR.01/.10):
 *
 *   (DownloadScheduled) Downloading Downloaded (SignatureVerified) (InstallScheduled) Installing InstallRebooting
 *   ...reboot, BootNotification with the new version... Installed
 *
 * and the failures: DownloadFailed (HTTP error, L01.FR.30), InvalidSignature (L01.FR.03/.04), InstallVerificationFailed
 * (the Content-Digest SHA-256 differs, L01.FR.29), InstallationFailed (the quirk `firmwareFails`). An invalid signing
 * certificate is refused (InvalidCertificate, L01.FR.22). A running transaction delays the installation (L01.FR.06).
 * The image's version is its first line `CHARGEPLAN-SIM-FIRMWARE <version>`, else `sha256:<first 12 hex>`.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { TimerHandle } from '../platform/clock.js';
import type { RequestOf, ResponseOf, StationAction } from '../ocpp/schemas/generated/index.js';
import type { FirmwareStatusEnumType } from '../ocpp/schemas/generated/FirmwareStatusNotificationRequest.js';
import type { BootReasonEnumType } from '../ocpp/schemas/generated/BootNotificationRequest.js';
import { verifyFirmwareSignature } from '../platform/firmware-signature.js';
import type { Answer } from './ocpp-client.js';
import type { Evse } from './evse.js';
import type { TypedEvents } from '../platform/events.js';
import type { StationEvents } from './station-options.js';

export const SIM_FIRMWARE_HEADER = 'CHARGEPLAN-SIM-FIRMWARE';
/** The largest image the simulator holds in memory. */
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

export interface FirmwareHost {
  readonly id: string;
  readonly events: TypedEvents<StationEvents>;
  now(): number;
  nowIso(): string;
  clock: { setTimer(ms: number, fn: () => void): TimerHandle };
  evseList(): Evse[];
  send<A extends StationAction>(action: A, payload: RequestOf<A>): void;
  /** Sends what is queued, then reboots with `reason` (station.ts resetNow). */
  resetNow(reason: BootReasonEnumType): void;
}

export interface FirmwareOptions {
  /** What the station runs at power-up; default 1.0.0. */
  firmwareVersion?: string;
  /** Every installation fails this way (a configurable failure for tests and the demo). */
  firmwareFails?: 'InstallationFailed' | 'InstallVerificationFailed';
}

interface Update {
  requestId: number;
  request: RequestOf<'UpdateFirmware'>['firmware'];
  timer?: TimerHandle;
  image?: Buffer;
  cancelled: boolean;
}

/** Every state change of the update, for tests that watch the station itself. */
export type FirmwareStep = { requestId: number; status: FirmwareStatusEnumType };

export class SimFirmware {
  version: string;
  private update: Update | null = null;
  /** Installed, to be reported by the new firmware once it has booted (L01.FR.32, option a). */
  private activated: number | null = null;
  private lastStatus: FirmwareStatusEnumType | null = null;
  readonly steps: FirmwareStep[] = [];
  /** A download or upload in flight over real HTTP (tests await it through idle()). */
  private io = new Set<Promise<unknown>>();

  constructor(private readonly s: FirmwareHost, private readonly o: FirmwareOptions) {
    this.version = o.firmwareVersion ?? '1.0.0';
    s.events.on('transaction', (e) => {
      // The Ended event goes out before the EVSE is free: look once the stop has finished.
      if (e.eventType === 'Ended') queueMicrotask(() => this.installIfDue());
    });
    s.events.on('booted', (e) => {
      if (e.status === 'Accepted' && this.activated !== null) {
        const requestId = this.activated;
        this.activated = null;
        this.status('Installed', requestId); // L01.FR.28, sent by the new firmware
        this.s.send('SecurityEventNotification', { type: 'FirmwareUpdated', timestamp: this.s.nowIso() }); // L01.FR.31
      }
    });
  }

  /** Resolves when no download is in flight. */
  async idle(): Promise<void> {
    while (this.io.size) await Promise.allSettled([...this.io]);
  }

  track<T>(p: Promise<T>): Promise<T> {
    this.io.add(p);
    void p.finally(() => this.io.delete(p)).catch(() => {});
    return p;
  }

  handleUpdate(req: RequestOf<'UpdateFirmware'>): Answer & { response: ResponseOf<'UpdateFirmware'> } {
    const cert = req.firmware.signingCertificate;
    if (cert !== undefined) {
      try {
        new X509Certificate(cert);
      } catch {
        // L01.FR.22 / L01.FR.02
        return { response: { status: 'InvalidCertificate' }, after: () => this.s.send('SecurityEventNotification', { type: 'InvalidFirmwareSigningCertificate', timestamp: this.s.nowIso() }) };
      }
    }
    // L01.FR.24: a new request cancels the one in progress.
    const previous = this.update;
    if (previous) {
      previous.cancelled = true;
      previous.timer?.cancel();
    }
    const update: Update = { requestId: req.requestId, request: req.firmware, cancelled: false };
    this.update = update;
    return { response: { status: previous ? 'AcceptedCanceled' : 'Accepted' }, after: () => this.schedule(update) };
  }

  /** L01.FR.25/26: what a TriggerMessage for FirmwareStatusNotification reports. */
  triggered(): void {
    const status = this.lastStatus === 'Installed' || this.lastStatus === null ? 'Idle' : this.lastStatus;
    this.s.send('FirmwareStatusNotification', { status, ...(status !== 'Idle' && this.update ? { requestId: this.update.requestId } : {}) });
  }

  private status(status: FirmwareStatusEnumType, requestId: number): void {
    this.lastStatus = status;
    this.steps.push({ requestId, status });
    this.s.send('FirmwareStatusNotification', { status, requestId });
  }

  private schedule(u: Update): void {
    const wait = Date.parse(u.request.retrieveDateTime) - this.s.now();
    if (wait > 0) {
      this.status('DownloadScheduled', u.requestId); // L01.FR.13
      u.timer = this.s.clock.setTimer(wait, () => void this.track(this.download(u)));
      return;
    }
    void this.track(this.download(u));
  }

  private async download(u: Update): Promise<void> {
    if (u.cancelled) return;
    this.status('Downloading', u.requestId);
    let image: Buffer;
    let digest: string | null;
    try {
      const res = await fetch(u.request.location, { signal: AbortSignal.timeout(60_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      digest = res.headers.get('content-digest');
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length > MAX_IMAGE_BYTES) throw new Error('image too large');
      image = body;
    } catch {
      if (!u.cancelled) this.fail(u, 'DownloadFailed'); // L01.FR.30 (no retries here)
      return;
    }
    if (u.cancelled) return;
    this.status('Downloaded', u.requestId);
    const cert = u.request.signingCertificate;
    const signature = u.request.signature;
    if (cert !== undefined && signature !== undefined) {
      // L01.FR.04/.12: the signature over the whole file, with the signing certificate's key.
      const valid = await verifyFirmwareSignature(image, cert, signature).catch(() => false);
      if (u.cancelled) return;
      if (!valid) {
        this.s.send('SecurityEventNotification', { type: 'InvalidFirmwareSignature', timestamp: this.s.nowIso() }); // L01.FR.03
        return this.fail(u, 'InvalidSignature');
      }
      this.status('SignatureVerified', u.requestId);
    }
    const sha = createHash('sha256').update(image).digest('base64');
    if (digest !== null && !digest.includes(`sha-256=:${sha}:`)) return this.fail(u, 'InstallVerificationFailed'); // L01.FR.29
    u.image = image;
    this.installIfDue();
  }

  /** L01.FR.05/.06/.16: install now, at installDateTime, or once no transaction runs. */
  private installIfDue(): void {
    const u = this.update;
    if (!u?.image || u.cancelled || u.timer) return;
    const at = u.request.installDateTime ? Date.parse(u.request.installDateTime) - this.s.now() : 0;
    if (at > 0) {
      this.status('InstallScheduled', u.requestId); // L01.FR.16
      u.timer = this.s.clock.setTimer(at, () => {
        delete u.timer;
        delete u.request.installDateTime;
        this.installIfDue();
      });
      return;
    }
    if (this.s.evseList().some((e) => e.tx)) {
      if (this.lastStatus !== 'InstallScheduled') this.status('InstallScheduled', u.requestId); // L01.FR.34
      return;
    }
    this.install(u, u.image);
  }

  private install(u: Update, image: Buffer): void {
    this.status('Installing', u.requestId);
    if (this.o.firmwareFails) return this.fail(u, this.o.firmwareFails);
    this.update = null;
    this.version = versionOf(image);
    this.activated = u.requestId;
    // L01.FR.15/.32 (a): InstallRebooting, then the new firmware boots and reports Installed.
    this.status('InstallRebooting', u.requestId);
    this.s.resetNow('FirmwareUpdate');
  }

  private fail(u: Update, status: FirmwareStatusEnumType): void {
    if (this.update === u) this.update = null;
    this.status(status, u.requestId);
  }
}

export function versionOf(image: Buffer): string {
  const first = image.subarray(0, 200).toString('utf8').split('\n')[0] ?? '';
  if (first.startsWith(`${SIM_FIRMWARE_HEADER} `)) return first.slice(SIM_FIRMWARE_HEADER.length + 1).trim().slice(0, 50);
  return `sha256:${createHash('sha256').update(image).digest('hex').slice(0, 12)}`;
}
