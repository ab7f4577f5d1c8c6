/**
 * Which node holds which station's socket (issue 19). When this node accepts a station it answers the station's
 * calls (station-calls.ts), records itself in the shared table, and tells the other nodes; a node that still holds an
 * older connection of that station closes it with 4000, as one node does with a second connection (the newest wins,
 * ordered by when each node accepted it, then by node name, so two connections at once end with exactly one). No
 * node ever refuses a station because another node says it holds it: a crashed node's rows block nothing, they only
 * mislead /health until its lease expires or it starts again.
 *
 * Every node also keeps a directory of the stations the other nodes hold (from their announcements, and from the
 * table when it starts), so `isConnected` answers for the whole cluster without a query: the scheduler of a site's
 * owner plans a charger whose socket is on another node. Entries of a node whose lease has expired are dropped.
 */
import type { LocalStations, PresenceStore } from '../domain/cluster.js';
import type { StationDirectory } from '../domain/ports.js';
import { stationFromToken, type ClusterTransport, type Subjects, type Unsubscribe } from './transport.js';
import type { ClusterCalls } from './station-calls.js';

export interface ClusterPresenceOptions {
  transport: ClusterTransport;
  subjects: Subjects;
  node: string;
  local: LocalStations;
  calls: ClusterCalls;
  store: PresenceStore;
  onError?: (err: unknown, where: string) => void;
  onReplaced?: (stationId: string, byNode: string) => void;
}

/** Whether connection (at, node) is newer than (otherAt, otherNode): later acceptance, then the larger node name. */
export function newer(at: string, node: string, otherAt: string, otherNode: string): boolean {
  const a = Date.parse(at);
  const b = Date.parse(otherAt);
  return a !== b ? a > b : node > otherNode;
}

/** A node's view of the others when it starts: bounded like every list (more stations than this are learnt as they connect). */
const MAX_LOADED_ROWS = 200_000;

interface Holder {
  node: string;
  at: string;
}

export class ClusterPresence implements StationDirectory {
  /** The connection this node holds per station: when it accepted it. */
  private readonly mine = new Map<string, string>();
  /** The stations other nodes hold, as announced (newest connection per station). */
  private readonly others = new Map<string, Holder>();
  private readonly writes = new Set<Promise<void>>();
  private offs: Unsubscribe[] = [];
  /** Stations closed here because another node accepted a newer connection, since start. */
  replaced = 0;

  constructor(private readonly o: ClusterPresenceOptions) {}

  /** Listens to the other nodes, then learns from the table what they held before this node started. */
  async start(liveNodes: ReadonlySet<string>): Promise<void> {
    if (this.offs.length > 0) return;
    this.offs.push(
      this.o.transport.subscribe(this.o.subjects.takeovers(), (body, subject) => this.onTakeover(body, subject)),
      this.o.transport.subscribe(this.o.subjects.departures(), (body, subject) => this.onLeft(body, subject)),
    );
    for (const row of await this.o.store.all(MAX_LOADED_ROWS)) {
      if (row.node !== this.o.node && liveNodes.has(row.node)) this.learn(row.stationId, { node: row.node, at: row.connectedAt });
    }
  }

  /** Forgets what nodes that are no longer alive held (their lease expired: they died or were cut off). */
  forgetNodesExcept(liveNodes: ReadonlySet<string>): number {
    let forgotten = 0;
    for (const [id, h] of this.others) {
      if (!liveNodes.has(h.node)) {
        this.others.delete(id);
        forgotten++;
      }
    }
    return forgotten;
  }

  /** Whether any node holds the station's socket (this one, or another as announced). */
  isConnected(stationId: string): boolean {
    return this.mine.has(stationId) || this.others.has(stationId);
  }

  /** Stations held in the whole cluster. */
  connectedCount(): number {
    let n = this.mine.size;
    for (const id of this.others.keys()) if (!this.mine.has(id)) n++;
    return n;
  }

  /** The node that holds the station's socket, or null. */
  holderOf(stationId: string): string | null {
    return this.mine.has(stationId) ? this.o.node : (this.others.get(stationId)?.node ?? null);
  }

  /** The OCPP server accepted `stationId` at `at` (its station.connected event). */
  connected(stationId: string, at: string): void {
    this.mine.set(stationId, at);
    this.others.delete(stationId);
    this.o.calls.hold(stationId);
    this.o.transport.publish(this.o.subjects.takeover(stationId), { node: this.o.node, at });
    this.track(this.o.store.connected(stationId, this.o.node, at).then(() => undefined), `presence ${stationId}`);
  }

  /** The connection this node held is gone (its station.disconnected event). */
  disconnected(stationId: string): void {
    const at = this.mine.get(stationId);
    if (at === undefined) return;
    this.mine.delete(stationId);
    this.o.calls.release(stationId);
    this.o.transport.publish(this.o.subjects.left(stationId), { node: this.o.node, at });
    this.track(this.o.store.disconnected(stationId, this.o.node, at), `presence ${stationId}`);
  }

  heldCount(): number {
    return this.mine.size;
  }

  /** Resolves once every presence write so far has finished (tests; a graceful stop before the database closes). */
  async settled(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  /** Graceful stop: no more takeovers; the rows of this node are removed (its stations reconnect elsewhere). */
  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.o.calls.releaseAll();
    for (const [id, at] of this.mine) this.o.transport.publish(this.o.subjects.left(id), { node: this.o.node, at });
    this.mine.clear();
    this.others.clear();
    await this.settled();
    try {
      await this.o.store.clearNode(this.o.node);
    } catch (err) {
      this.o.onError?.(err, 'presence clear');
    }
  }

  private onTakeover(body: unknown, subject: string): void {
    const m = announcement(body, subject);
    if (!m || m.node === this.o.node) return;
    const { stationId } = m;
    this.learn(stationId, m);
    const since = this.o.local.connectedSince(stationId);
    if (since === null || !newer(m.at, m.node, since, this.o.node)) return;
    this.replaced++;
    this.o.onReplaced?.(stationId, m.node);
    this.o.local.disconnect(stationId, 4000, `replaced by a newer connection on node ${m.node}`);
  }

  private onLeft(body: unknown, subject: string): void {
    const m = announcement(body, subject);
    if (!m || m.node === this.o.node) return;
    const known = this.others.get(m.stationId);
    if (known && known.node === m.node && Date.parse(known.at) === Date.parse(m.at)) this.others.delete(m.stationId);
  }

  /** Keeps the newest announced connection per station (an older announcement arriving late changes nothing). */
  private learn(stationId: string, h: Holder): void {
    const known = this.others.get(stationId);
    if (!known || newer(h.at, h.node, known.at, known.node)) this.others.set(stationId, { node: h.node, at: h.at });
  }

  private track(p: Promise<void>, where: string): void {
    const w = p.catch((err: unknown) => this.o.onError?.(err, where));
    this.writes.add(w);
    void w.finally(() => this.writes.delete(w));
  }
}

/** A takeover or departure message: { node, at } on a subject that names the station. */
function announcement(body: unknown, subject: string): { stationId: string; node: string; at: string } | null {
  const b = body as { node?: unknown; at?: unknown } | null;
  if (!b || typeof b.node !== 'string' || b.node.length === 0 || b.node.length > 64) return null;
  if (typeof b.at !== 'string' || Number.isNaN(Date.parse(b.at))) return null;
  const token = subject.split('.').at(-2);
  if (!token) return null;
  return { stationId: stationFromToken(token), node: b.node, at: b.at };
}
