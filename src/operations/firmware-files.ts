/**
 * The firmware store (issue 17, L01): an admin's upload streamed to disk with its size bounded and its SHA-256
 * computed (and compared with the one the admin gives), the signing certificate and signature attached and checked
 * (L01.FR.11/.12), and the download a station makes from its job's link: the token must be one we gave, for a job
 * still running, before the link expires.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Clock } from '../platform/clock.js';
import { isoUtc } from '../platform/clock.js';
import type { FirmwareFile, FirmwareStore } from '../domain/firmware.js';
import { LINK_TOKEN, linkTokenHash, type FileStore } from './file-store.js';
import { certificateProblem, verifyFirmwareSignature } from '../platform/firmware-signature.js';
import { RolloutInputError } from './firmware-rollouts.js';

export interface FirmwareFilesDeps {
  store: FirmwareStore;
  files: FileStore;
  maxBytes: number;
  clock: Clock;
}

/** Why a link gives no file: unknown (404), or spent, expired, or its file gone (410). */
export class LinkRefused extends Error {
  override readonly name = 'LinkRefused';
  constructor(readonly code: 'LINK_UNKNOWN' | 'LINK_SPENT' | 'LINK_EXPIRED' | 'FILE_MISSING', message: string) {
    super(message);
  }
}

export class FirmwareFiles {
  constructor(private readonly d: FirmwareFilesDeps) {}

  get maxBytes(): number {
    return this.d.maxBytes;
  }

  async upload(body: Readable, meta: { version: string; fileName: string; sha256?: string | undefined; by: string }): Promise<FirmwareFile> {
    const stored = await this.d.files.write('firmware', body, this.d.maxBytes);
    if (meta.sha256 !== undefined && meta.sha256.toLowerCase() !== stored.sha256) {
      await this.d.files.remove('firmware', stored.storedName);
      throw new RolloutInputError('sha256', `sha256: the file's SHA-256 is ${stored.sha256}, not ${meta.sha256.toLowerCase()} (the upload was damaged or is another file)`);
    }
    const file: FirmwareFile = {
      id: randomUUID(), version: meta.version, fileName: meta.fileName, storedName: stored.storedName, sizeBytes: stored.sizeBytes,
      sha256: stored.sha256, signingCertificate: null, signature: null, uploadedBy: meta.by, uploadedAt: isoUtc(this.d.clock.now()),
    };
    await this.d.store.addFile(file);
    return file;
  }

  /** L01.FR.11/.12: attach the signing certificate and signature; both are checked against the stored file. */
  async sign(id: string, signingCertificate: string, signature: string): Promise<FirmwareFile | undefined> {
    const file = await this.d.store.file(id);
    if (!file) return undefined;
    const problem = certificateProblem(signingCertificate);
    if (problem) throw new RolloutInputError('signingCertificate', `signingCertificate: ${problem}`);
    const opened = await this.d.files.open('firmware', file.storedName);
    if (!opened) throw new RolloutInputError('firmwareId', 'the firmware file is gone from the disk: upload it again');
    let ok = false;
    try {
      ok = await verifyFirmwareSignature(opened.stream, signingCertificate, signature);
    } catch (err) {
      opened.stream.destroy();
      throw new RolloutInputError('signature', `signature: cannot be checked with this certificate (${(err as Error).message})`);
    }
    if (!ok) throw new RolloutInputError('signature', 'signature: does not verify over this file with the certificate’s key (SHA-256; RSA-PSS or ECDSA)');
    await this.d.store.setSignature(id, signingCertificate, signature);
    return { ...file, signingCertificate, signature };
  }

  /** The station's download through its job's link. */
  async download(token: string): Promise<{ file: FirmwareFile; stream: Readable; sizeBytes: number; stationId: string }> {
    if (!LINK_TOKEN.test(token)) throw new LinkRefused('LINK_UNKNOWN', 'no such link');
    const job = await this.d.store.jobByToken(linkTokenHash(token));
    if (!job) throw new LinkRefused('LINK_UNKNOWN', 'no such link');
    if (job.state !== 'Sent') throw new LinkRefused('LINK_SPENT', 'this link’s update has ended');
    if (job.linkExpiresAt === null || Date.parse(job.linkExpiresAt) <= this.d.clock.now()) throw new LinkRefused('LINK_EXPIRED', 'this link has expired');
    const rollout = await this.d.store.rollout(job.rolloutId);
    const file = rollout ? await this.d.store.file(rollout.firmwareId) : undefined;
    const opened = file ? await this.d.files.open('firmware', file.storedName) : null;
    if (!file || !opened) throw new LinkRefused('FILE_MISSING', 'the firmware file is gone from the server');
    return { file, stream: opened.stream, sizeBytes: opened.sizeBytes, stationId: job.stationId };
  }
}
