/**
 * The files firmware updates and log uploads keep (issue 17): firmware images an admin uploads and logs stations
 * upload, on disk beside the database (files.dir; main.ts picks the default). Written as a stream with a size bound
 * and their SHA-256 computed on the way, to a temporary name renamed into place only when complete, so a cut or
 * oversized upload leaves nothing behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A body larger than its bound: the part written is removed. */
export class FileTooLarge extends Error {
  override readonly name = 'FileTooLarge';
  constructor(readonly limitBytes: number) {
    super(`the file is larger than ${limitBytes} bytes`);
  }
}

export interface StoredFile {
  storedName: string;
  sizeBytes: number;
  sha256: string;
}

export type FileKind = 'firmware' | 'logs';

export class FileStore {
  private ready: Promise<void> | null = null;

  /** `dir` is created on first use (a product that never stores a file creates nothing). */
  constructor(readonly dir: string) {}

  private async ensure(): Promise<void> {
    this.ready ??= Promise.all([mkdir(join(this.dir, 'firmware'), { recursive: true }), mkdir(join(this.dir, 'logs'), { recursive: true })]).then(() => undefined);
    await this.ready;
  }

  private path(kind: FileKind, storedName: string): string {
    // Names are ours (random hex), never a client's: nothing can point outside the directory.
    if (!/^[0-9a-f]{32}$/.test(storedName)) throw new RangeError('not a stored file name');
    return join(this.dir, kind, storedName);
  }

  /** Streams `source` to disk; FileTooLarge past `maxBytes` (nothing kept). */
  async write(kind: FileKind, source: Readable, maxBytes: number): Promise<StoredFile> {
    await this.ensure();
    const storedName = randomBytes(16).toString('hex');
    const final = this.path(kind, storedName);
    const partial = `${final}.part`;
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new FileTooLarge(maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(partial, { flags: 'wx' }));
      await rename(partial, final);
    } catch (err) {
      await rm(partial, { force: true });
      // The rest of an oversized body is read and dropped, so the client gets our answer rather than a reset.
      if (err instanceof FileTooLarge) source.resume();
      throw err;
    }
    return { storedName, sizeBytes: size, sha256: hash.digest('hex') };
  }

  /** A stored file to stream out, or null when it is gone from the disk. */
  async open(kind: FileKind, storedName: string): Promise<{ stream: ReadStream; sizeBytes: number } | null> {
    const p = this.path(kind, storedName);
    const s = await stat(p).catch(() => null);
    if (!s?.isFile()) return null;
    return { stream: createReadStream(p), sizeBytes: s.size };
  }

  async remove(kind: FileKind, storedName: string): Promise<void> {
    await rm(this.path(kind, storedName), { force: true });
  }

  /** Where a stored file lives (tests and the operator's backups). */
  pathOf(kind: FileKind, storedName: string): string {
    return this.path(kind, storedName);
  }
}

/** A link's secret: 256 random bits for the URL, only its SHA-256 kept (as for API tokens and setup links). */
export function newLinkToken(): { token: string; sha256: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, sha256: linkTokenHash(token) };
}

export function linkTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A token as it appears in a URL: 43 base64url characters (anything else is not ours, answered 404 unread). */
export const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;
