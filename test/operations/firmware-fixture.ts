/**
 * Firmware updates and logs on the real product (startTestServer: main.ts on a ManualClock) with simulated stations
 * over real WebSockets that download and upload over real HTTP (api-operations-fixture.ts), the files in a temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from 'node:crypto';
import { opsFixture, type OpsFixture } from '../http/api-operations-fixture.js';
import { makeCa } from '../helpers/test-pki.js';
import { SIM_FIRMWARE_HEADER } from '../../src/simulator/firmware.js';
import type { AppEvents } from '../../src/main.js';

export interface FirmwareFixture extends OpsFixture {
  dir: string;
  /** Uploads an image as the admin; returns the API's view. */
  upload(version: string, content?: Buffer, query?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The next event `event` that matches (subscribe before acting). */
  next<K extends keyof AppEvents>(event: K, match: (e: AppEvents[K]) => boolean): Promise<AppEvents[K]>;
  /** The UpdateFirmware / GetLog frames a station received. */
  calls(stationId: string, action: string): Record<string, unknown>[];
  done(): Promise<void>;
}

export const image = (version: string, body = 'x'.repeat(4096)) => Buffer.from(`${SIM_FIRMWARE_HEADER} ${version}\n${body}`);

export async function firmwareFixture(files: Record<string, unknown> = {}): Promise<FirmwareFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-files-'));
  const ops = await opsFixture({ files: { dir, ...files } });
  const closeOps = ops.close.bind(ops);
  const f: FirmwareFixture = Object.assign(ops, {
    dir,
    async upload(version: string, content = image(version), query = '') {
      const res = await ops.as('admin', {
        method: 'POST', url: `/api/v1/firmware?version=${encodeURIComponent(version)}&fileName=fw-${version}.bin${query}`,
        headers: { 'content-type': 'application/octet-stream' }, payload: content,
      });
      return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
    },
    next<K extends keyof AppEvents>(event: K, match: (e: AppEvents[K]) => boolean) {
      return ops.server.running.events.once(event, match);
    },
    calls(stationId: string, action: string) {
      return (ops.received.get(stationId) ?? []).filter((fr) => fr[0] === 2 && fr[2] === action).map((fr) => fr[3] as Record<string, unknown>);
    },
    async done() {
      await ops.server.running.maintenance.rollouts.done();
      for (const s of ops.stations.values()) await s.firmware.idle();
    },
    close: async () => {
      await closeOps();
      rmSync(dir, { recursive: true, force: true });
    },
  });
  return f;
}

/** A Firmware Signing certificate (self-signed, EC P-256) and a signer: ECDSA with SHA-256 over the whole file (L01.FR.04). */
export async function signingKey(from: string): Promise<{ certificate: string; sign(content: Buffer): string }> {
  const ca = await makeCa('CN=Firmware Signing', from);
  return { certificate: ca.pem, sign: (content) => sign('sha256', content, ca.keyPem).toString('base64') };
}
