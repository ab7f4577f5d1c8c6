/**
 * The demo's firmware update (issue 17, L01): an admin's upload of a new image and its update on one depot charger, as
 * the API does it (FirmwareFiles.upload, then a rollout of one station), at the start of the day. The simulated
 * charger downloads the image over real HTTP from the product's own one-time link, checks its digest, installs it
 * once idle, reboots and reports the new version; each FirmwareStatusNotification is printed as it arrives and the
 * station page (`/stations/<id>`, as admin) shows the same timeline.
 */
import { Readable } from 'node:stream';
import { DateTime } from 'luxon';
import type { Running } from '../../main.js';
import { SIM_FIRMWARE_HEADER } from '../../simulator/firmware.js';

/** The image's version; the simulated chargers boot with 1.0.0. */
export const DEMO_FIRMWARE_VERSION = '1.1.0';

export interface DemoFirmware {
  stationId: string;
  rolloutId: string;
  /** The station page where the admin watches the timeline. */
  pageUrl: string;
  /** Resolves with the job's final state (Installed, or Failed with the station's status). */
  finished: Promise<string>;
  /** Stops printing. */
  close(): void;
}

/**
 * Uploads the demo image and starts its update on `stationId` now (the depot's last charger: the vans take the lowest
 * free one, so it is the one most likely idle; a busy one waits for its session to end, InstallScheduled).
 */
export async function startDemoFirmware(
  running: Pick<Running, 'maintenance' | 'events'>,
  opts: { stationId: string; baseUrl: string; timeZone: string; now: () => number; out: (line: string) => void },
): Promise<DemoFirmware> {
  const { stationId, out } = opts;
  const image = Buffer.from(`${SIM_FIRMWARE_HEADER} ${DEMO_FIRMWARE_VERSION}\nchargeplan demo image for the depot's chargers\n`);
  const file = await running.maintenance.firmwareFiles.upload(Readable.from([image]), {
    version: DEMO_FIRMWARE_VERSION, fileName: `depot-charger-${DEMO_FIRMWARE_VERSION}.bin`, by: 'demo admin',
  });
  const when = () => DateTime.fromMillis(opts.now(), { zone: opts.timeZone }).toFormat('ccc d LLL HH:mm');
  let settle: (state: string) => void = () => undefined;
  const finished = new Promise<string>((resolve) => (settle = resolve));
  let rolloutId: string | null = null;
  const off = running.events.on('firmware.job', (e) => {
    if (e.stationId !== stationId || (rolloutId !== null && e.rolloutId !== rolloutId)) return;
    const what = e.status ?? (e.state === 'WaitingForIdle' ? 'waits until no car charges (InstallScheduled)' : e.state === 'Sent' ? 'UpdateFirmware sent' : e.state);
    out(`${when()}  firmware ${stationId}: ${what}${e.detail ? ` (${e.detail})` : ''}`);
    if (e.state === 'Installed' || e.state === 'Failed' || e.state === 'Cancelled') settle(e.state);
  });
  const rollout = await running.maintenance.rollouts.start({ firmwareId: file.id, stationIds: [stationId], by: 'demo admin' });
  rolloutId = rollout.id;
  return { stationId, rolloutId, pageUrl: `${opts.baseUrl}/stations/${encodeURIComponent(stationId)}`, finished, close: off };
}
