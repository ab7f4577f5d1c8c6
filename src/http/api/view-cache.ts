import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChangeRevision } from '../../domain/vehicles.js';
import type { LiveEventSource, LiveEvents } from './deps.js';

/**
 * The serialized answers of the depot-sized views (the fleet table, the site plan), kept per site until something
 * they are built from changes (issue 18: 1,000 vans, each request rebuilt and re-serialized ~300-650 kB for the
 * same plan). An entry is dropped when
 *  - the scheduler or a station reports a change (the events below: a new plan, what was pushed, a charger's
 *    compliance, a station coming or going),
 *  - the latest plan's id differs, or a vehicle, target or assignment was written in this process (`revision`, the
 *    stores' ChangeRevision; a store without one is never cached),
 *  - its own time has come (`validUntil`: the view names the next instant at which something in it turns, such as
 *    a car's ready time or the next slot).
 * Requests that arrive while an entry is built share that build. Writes by other processes (a cluster's other
 * nodes) reach a view through the plan they cause; that is the bound of this cache, see docs/api.md.
 */
const INVALIDATING = ['plan.created', 'plan.pushed', 'charger.status', 'station.connected', 'station.disconnected'] as const satisfies readonly (keyof LiveEvents)[];

export interface BuiltView {
  /** The value as the route answers it (serialized with the route's response schema). */
  value: unknown;
  /** The instant (ms) from which the view may read differently without any event; Infinity when never. */
  validUntil: number;
}

interface Entry {
  key: string;
  validUntil: number;
  body: Promise<{ payload: Buffer; etag: string }>;
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

export class ViewCache {
  private generation = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly off: (() => void)[];

  constructor(events: LiveEventSource, private readonly now: () => number) {
    this.off = INVALIDATING.map((e) => events.on(e, () => this.invalidate()));
  }

  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  close(): void {
    for (const off of this.off) off();
    this.entries.clear();
  }

  /**
   * Answers `request` with the cached body for `name` (one per site), building it when `key` (what the view is
   * built from) or the time says so. A matching If-None-Match gets 304.
   */
  async send(request: FastifyRequest, reply: FastifyReply, name: string, key: string, build: () => Promise<BuiltView>): Promise<FastifyReply> {
    const full = `${this.generation}|${key}`;
    let entry = this.entries.get(name);
    if (!entry || entry.key !== full || this.now() >= entry.validUntil) {
      const fresh: Entry = { key: full, validUntil: Number.POSITIVE_INFINITY, body: Promise.resolve({ payload: Buffer.alloc(0), etag: '' }) };
      fresh.body = build().then(({ value, validUntil }) => {
        fresh.validUntil = validUntil;
        const payload = Buffer.from(reply.serialize(value) as string);
        return { payload, etag: `"${createHash('sha1').update(payload).digest('base64url')}"` };
      });
      entry = fresh;
      this.entries.set(name, entry);
      // A failed build is not kept; an event during the build has already cleared it (the next request rebuilds).
      fresh.body.catch(() => {
        if (this.entries.get(name) === fresh) this.entries.delete(name);
      });
    }
    const { payload, etag } = await entry.body;
    reply.header('etag', etag).header('cache-control', 'private, no-cache');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(payload);
  }
}
