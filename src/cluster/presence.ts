/**
 * Which node holds which station's socket (issue 19). When this node accepts a station it answers the station's
 * calls (station-calls.ts), records itself in the shared table, and tells the other nodes; a node that still holds an
 * older connection of that station closes it with 4000, as one node does with a second connection (the newest wins,
 * ordered by when each node accepted it, then by node name, so two connections at once end with exactly one). No
 * node ever refuses a station because another node says it holds it: a crashed node's rows block nothing, they only
 * mislead /health until its lease expires or it starts again.
 */
import type { LocalStations, PresenceStore } from '../domain/cluster.js';
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

export class ClusterPresence {
  /** The connection this node holds per station: when it accepted it. */
  private readonly mine = new Map<string, string>();
  private readonly writes = new Set<Promise<void>>();
  private off: Unsubscribe | null = null;
  /** Stations closed here because another node accepted a newer connection, since start. */
  replaced = 0;

  constructor(private readonly o: ClusterPresenceOptions) {}

  start(): void {
    this.off ??= this.o.transport.subscribe(this.o.subjects.takeovers(), (body, subject) => this.onTakeover(body, subject));
  }

  /** The OCPP server accepted `stationId` at `at` (its station.connected event). */
  connected(stationId: string, at: string): void {
    this.mine.set(stationId, at);
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
    this.off?.();
    this.off = null;
    this.o.calls.releaseAll();
    this.mine.clear();
    await this.settled();
    try {
      await this.o.store.clearNode(this.o.node);
    } catch (err) {
      this.o.onError?.(err, 'presence clear');
    }
  }

  private onTakeover(body: unknown, subject: string): void {
    const b = body as { node?: unknown; at?: unknown } | null;
    if (!b || typeof b.node !== 'string' || typeof b.at !== 'string' || Number.isNaN(Date.parse(b.at))) return;
    if (b.node === this.o.node) return;
    const token = subject.split('.').at(-2);
    if (!token) return;
    const stationId = stationFromToken(token);
    const since = this.o.local.connectedSince(stationId);
    if (since === null || !newer(b.at, b.node, since, this.o.node)) return;
    this.replaced++;
    this.o.onReplaced?.(stationId, b.node);
    this.o.local.disconnect(stationId, 4000, `replaced by a newer connection on node ${b.node}`);
  }

  private track(p: Promise<void>, where: string): void {
    const w = p.catch((err: unknown) => this.o.onError?.(err, where));
    this.writes.add(w);
    void w.finally(() => this.writes.delete(w));
  }
}
