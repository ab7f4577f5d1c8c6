import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChangeRevision } from '../../domain/vehicles.js';
import type { ApiContext } from './context.js';
import type { LiveEventSource, LiveEvents } from './deps.js';

/**
 * The serialized answers of the depot-sized views (the fleet table, the site plan), kept per site until something
 * they are built from changes (issue 18: 1,000 vans, each request rebuilt and re-serialized ~300-650 kB for the
 * same plan). An entry is dropped when
 *  - an event the view names reports a change at its site (`invalidating`: a new plan, what was pushed, a station
 *    coming or going; each event says which sites it touches, so a charger reconnecting at one depot leaves every
 *    other site's views alone),
 *  - its key differs: the latest plan's id, a write of vehicles, targets or assignments in this process (the stores'
 *    ChangeRevision; a store without one is never cached), and the database's own version of the vehicles and targets
 *    (StoredVersion: writes by a cluster's other nodes or another process),
 *  - its own time has come (`validUntil`: the view names the next instant at which something in it turns, such as
 *    a car's ready time or the next slot).
 * Requests that arrive while an entry is built share that build. What is kept depends on the site only: the caller's
 * access to the site is checked before the cache is asked (ApiContext.site), and no view holds anything per caller.
 */
export type Invalidating = { [K in keyof LiveEvents]?: (e: LiveEvents[K]) => readonly string[] };

export interface BuiltView {
  /** The value as the route answers it (serialized with the route's response schema). */
  value: unknown;
  /** The instant (ms) from which the view may read differently without any event; Infinity when never. */
  validUntil: number;
}

interface Body {
  payload: Buffer;
  etag: string;
  /** The payload gzipped, made once for the entry when a client first accepts it. */
  gzipped?: Promise<Buffer>;
}

interface Entry {
  key: string;
  validUntil: number;
  body: Promise<Body>;
}

const gzipAsync = promisify(gzip);

/**
 * Whether Accept-Encoding (RFC 9110 12.5.3) takes gzip: `gzip` or `*` with a q above 0, `gzip;q=0` refusing it.
 * Browsers always send it; a 1,000-van plan is ~720 kB as JSON and ~8 % of that gzipped, and on loopback at
 * bench:http's rate the bytes, not the build, were the cost (issue 18: writev a third of the server's CPU, the
 * load generator reading 700 MB/s beside it).
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  let star = false;
  for (const part of text.split(',').slice(0, 20)) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const qp = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (name.trim() === 'gzip') return q > 0;
    if (name.trim() === '*') star = q > 0;
  }
  return star;
}

/** Revision of the stores' writes, NaN (never equal: no caching) for a store that does not count them. */
export function storeRevision(...stores: object[]): number {
  let sum = 0;
  for (const s of stores) {
    const r = (s as Partial<ChangeRevision>).revision;
    if (typeof r !== 'function') return Number.NaN;
    sum += r.call(s);
  }
  return sum;
}

/**
 * The key of what the views are built from in the stores: this process's writes (ChangeRevision, counted even while
 * a write is under way) and the database's version (StoredVersion: other nodes' and processes' writes); NaN, never
 * equal, when a store counts nothing.
 */
export async function vehiclesVersion(ctx: ApiContext, ...stores: object[]): Promise<string> {
  const local = storeRevision(...stores);
  const stored = ctx.deps.stores.vehicles.stored ? await ctx.deps.stores.vehicles.stored.vehicles() : '';
  return `${local}|${stored}`;
}

export class ViewCache {
  /** Per site: how many times its entries were dropped (a build under way when that happens is not kept). */
  private readonly generations = new Map<string, number>();
  /** Per site, its entries by variant (a route's query options). */
  private readonly entries = new Map<string, Map<string, Entry>>();
  private readonly off: (() => void)[];

  constructor(events: LiveEventSource, private readonly now: () => number, invalidating: Invalidating) {
    this.off = Object.entries(invalidating).map(([name, sitesOf]) =>
      events.on(name as keyof LiveEvents, (e) => this.invalidate((sitesOf as (e: unknown) => readonly string[])(e))));
  }

  /** Drops the entries of these sites. */
  invalidate(siteIds: readonly string[]): void {
    for (const id of siteIds) {
      if (!this.entries.has(id) && !this.generations.has(id)) continue;
      this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
      this.entries.delete(id);
    }
  }

  close(): void {
    for (const off of this.off) off();
    this.entries.clear();
  }

  /**
   * Answers `request` with the kept body for the site's `variant`, building it when `key` (what the view is built
   * from) or the time says so. A matching If-None-Match gets 304.
   */
  async send(request: FastifyRequest, reply: FastifyReply, siteId: string, variant: string, key: string, build: () => Promise<BuiltView>): Promise<FastifyReply> {
    // Read before the build starts: an event during the build makes a newer generation, so its result is not reused.
    const full = `${this.generations.get(siteId) ?? 0}|${key}`;
    let site = this.entries.get(siteId);
    let entry = site?.get(variant);
    if (!entry || entry.key !== full || this.now() >= entry.validUntil) {
      const fresh: Entry = { key: full, validUntil: Number.POSITIVE_INFINITY, body: Promise.resolve({ payload: Buffer.alloc(0), etag: '' }) };
      fresh.body = build().then(({ value, validUntil }) => {
        fresh.validUntil = validUntil;
        const payload = Buffer.from(reply.serialize(value) as string);
        return { payload, etag: `"${createHash('sha1').update(payload).digest('base64url')}"` };
      });
      entry = fresh;
      if (!site) this.entries.set(siteId, (site = new Map()));
      site.set(variant, entry);
      // A failed build is not kept.
      fresh.body.catch(() => {
        if (this.entries.get(siteId)?.get(variant) === fresh) this.entries.get(siteId)!.delete(variant);
      });
    }
    const body = await entry.body;
    // The gzipped bytes are another representation: their own strong ETag (RFC 9110 8.8.3), either one answers 304.
    const gz = acceptsGzip(request.headers['accept-encoding']);
    const gzEtag = `${body.etag.slice(0, -1)}-gz"`;
    reply.header('etag', gz ? gzEtag : body.etag).header('cache-control', 'private, no-cache').header('vary', 'accept-encoding');
    const sent = request.headers['if-none-match'];
    if (sent === body.etag || sent === gzEtag) return reply.code(304).send();
    reply.type('application/json; charset=utf-8');
    if (!gz) return reply.send(body.payload);
    body.gzipped ??= gzipAsync(body.payload);
    return reply.header('content-encoding', 'gzip').send(await body.gzipped);
  }
}
