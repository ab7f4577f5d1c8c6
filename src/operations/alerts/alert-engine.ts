/**
 * The alert engine (issue 17): detectors say which conditions hold now; the engine makes the stored alerts agree.
 * Each condition opens one alert (the store's unique open key makes "once" hold even across a race), updates it while
 * it holds and its words change, and closes it when it no longer holds. It runs on events (coalesced over a short
 * settle window, so that a burst of 200 disconnects is one evaluation) and on a periodic tick of the injected clock
 * (conditions that ripen with time: offline longer than N minutes, quiet periods, stale meters).
 *
 * No alert storm: when `groupThreshold` or more subjects of one kind hold at one site at once, the site gets one
 * grouped alert that lists them; the site's individual alerts of that kind close into it, and further subjects join it
 * until none holds. Delivery hears only openings and closings, never updates.
 */
import {
  GROUP_SUBJECT, MAX_GROUP_MEMBERS, type AlertCondition, type AlertKind, type AlertNotifier, type AlertRecord, type AlertSeverity, type AlertStore,
} from '../../domain/alerts.js';
import { isoUtc, type Clock, type TimerHandle } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { KIND_WORDS } from '../../domain/alert-words.js';

/** Something that knows which conditions hold now (src/operations/alerts/*-conditions.ts). */
export interface ConditionSource {
  conditions(now: number): AlertCondition[];
}

export interface AlertEngineOptions {
  /** This many subjects of one kind at one site at once become one grouped alert (default 5). */
  groupThreshold: number;
  /** Events within this window are evaluated together (default 5 s). */
  settleMs: number;
  /** The periodic evaluation (default 60 s), aligned to the clock. */
  tickMs: number;
}

export interface AlertEngineDeps {
  store: AlertStore;
  notifier: AlertNotifier;
  clock: Clock;
  logger: Logger;
  sources: readonly ConditionSource[];
  /** The fleet a site belongs to (webhooks per fleet), null for none or an unknown site. */
  fleetOf(siteId: string | null): string | null;
  options: AlertEngineOptions;
}

const RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };
const keyOf = (kind: string, siteId: string | null, subject: string) => `${kind}|${siteId ?? ''}|${subject}`;
const bucketOf = (kind: string, siteId: string | null) => `${kind}|${siteId ?? ''}`;

export class AlertEngine {
  private readonly open = new Map<string, AlertRecord>();
  private running: Promise<void> | null = null;
  private again = false;
  private settle: TimerHandle | undefined;
  private tick: TimerHandle | undefined;
  private started = false;
  /** Bumped by stop(): a start() still reading the open alerts then does not start. */
  private generation = 0;

  constructor(private readonly deps: AlertEngineDeps) {}

  /**
   * Reads the open alerts (after a restart, or on the node that takes the `alerts` job over in a cluster, they
   * continue, whoever opened them) and starts the tick. Started again after a stop, it reads them anew.
   */
  async start(): Promise<void> {
    const generation = this.generation;
    const open = await this.deps.store.openAlerts();
    if (generation !== this.generation) return;
    this.open.clear();
    for (const a of open) this.open.set(keyOf(a.kind, a.siteId, a.subject), a);
    this.started = true;
    this.schedule();
  }

  stop(): void {
    this.generation++;
    this.started = false;
    this.tick?.cancel();
    this.settle?.cancel();
    this.tick = this.settle = undefined;
  }

  /** A detector's state changed: evaluate after the settle window (coalesced). */
  request(): void {
    if (!this.started || this.settle) return;
    this.settle = this.deps.clock.setTimer(this.deps.options.settleMs, () => {
      this.settle = undefined;
      void this.evaluate();
    });
  }

  /** Evaluates now; one evaluation at a time (a request during one runs once more after it). */
  evaluate(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<void> => {
      do {
        this.again = false;
        try {
          await this.reconcile();
        } catch (err) {
          this.deps.logger.error({ err }, 'alerts: evaluation failed (retried at the next event or tick)');
        }
      } while (this.again);
    };
    this.running = run().finally(() => (this.running = null));
    return this.running;
  }

  /** Resolves when no evaluation runs (tests await it after advancing the clock). */
  async done(): Promise<void> {
    while (this.running) await this.running;
  }

  /** The open alerts the engine holds (what /health and tests read without a query). */
  openAlerts(): AlertRecord[] {
    return [...this.open.values()];
  }

  private schedule(): void {
    const { clock, options } = this.deps;
    const next = (Math.floor(clock.now() / options.tickMs) + 1) * options.tickMs;
    this.tick = clock.setTimer(next - clock.now(), () => {
      if (!this.started) return;
      void this.evaluate();
      this.schedule();
    });
  }

  private async reconcile(): Promise<void> {
    const now = this.deps.clock.now();
    const buckets = new Map<string, Map<string, AlertCondition>>();
    for (const source of this.deps.sources) {
      for (const c of source.conditions(now)) {
        const b = bucketOf(c.kind, c.siteId);
        if (!buckets.has(b)) buckets.set(b, new Map());
        buckets.get(b)!.set(c.subject, c);
      }
    }
    const openBuckets = new Map<string, AlertRecord[]>();
    for (const a of this.open.values()) {
      const b = bucketOf(a.kind, a.siteId);
      if (!openBuckets.has(b)) openBuckets.set(b, []);
      openBuckets.get(b)!.push(a);
    }
    const at = isoUtc(now);
    for (const b of new Set([...buckets.keys(), ...openBuckets.keys()])) {
      await this.reconcileBucket([...(buckets.get(b)?.values() ?? [])], openBuckets.get(b) ?? [], at);
    }
  }

  private async reconcileBucket(holding: AlertCondition[], open: AlertRecord[], at: string): Promise<void> {
    const group = open.find((a) => a.grouped);
    const single = open.filter((a) => !a.grouped);
    if (group || holding.length >= this.deps.options.groupThreshold) {
      const [kind, siteId] = group ? [group.kind, group.siteId] : [holding[0]!.kind, holding[0]!.siteId];
      const held = new Set(holding.map((c) => c.subject));
      if (holding.length === 0) await this.close(group!, at, 'cleared: none holds any more');
      else await this.holdGroup(group, kind, siteId, holding, at);
      const into = this.open.get(keyOf(kind, siteId, GROUP_SUBJECT));
      for (const a of single) await this.close(a, at, held.has(a.subject) && into ? `joined grouped alert #${into.id}` : 'cleared', !(held.has(a.subject) && into));
      return;
    }
    const held = new Set<string>();
    for (const c of holding) {
      held.add(c.subject);
      const existing = this.open.get(keyOf(c.kind, c.siteId, c.subject));
      if (!existing) await this.openAlert({ ...c, grouped: false, members: [c.subject], memberCount: 1 }, at);
      else if (existing.message !== c.message || existing.severity !== c.severity) await this.update(existing, { severity: c.severity, message: c.message, details: c.details ?? null, members: [c.subject], memberCount: 1 }, at);
    }
    for (const a of single) if (!held.has(a.subject)) await this.close(a, at, 'cleared');
  }

  private async holdGroup(group: AlertRecord | undefined, kind: AlertKind, siteId: string | null, holding: AlertCondition[], at: string): Promise<void> {
    const subjects = holding.map((c) => c.subject).sort();
    const stations = new Set(holding.map((c) => c.stationId ?? c.subject));
    const severity = holding.reduce<AlertSeverity>((s, c) => (RANK[c.severity] > RANK[s] ? c.severity : s), 'info');
    const words = KIND_WORDS[kind];
    const shown = subjects.slice(0, 5).join(', ') + (subjects.length > 5 ? `, … (${subjects.length - 5} more)` : '');
    const message = `${stations.size} ${stations.size === 1 ? words.one : words.many} at site ${siteId ?? '(none)'}: ${shown}`;
    const change = { severity, message, details: { stations: stations.size }, members: subjects.slice(0, MAX_GROUP_MEMBERS), memberCount: subjects.length };
    if (!group) {
      await this.openAlert({ kind, siteId, stationId: null, subject: GROUP_SUBJECT, grouped: true, ...change }, at);
    } else if (group.memberCount !== change.memberCount || group.message !== message || group.severity !== severity) {
      await this.update(group, change, at);
    }
  }

  private async openAlert(a: Parameters<AlertStore['open']>[0], at: string): Promise<void> {
    const created = await this.deps.store.open(a, at);
    if (!created) return; // opened by another evaluation (another node): it is delivered there
    this.open.set(keyOf(a.kind, a.siteId, a.subject), created);
    this.deps.notifier.notify({ event: 'opened', alert: created, fleet: this.deps.fleetOf(created.siteId) });
  }

  private async update(a: AlertRecord, change: Parameters<AlertStore['update']>[1], at: string): Promise<void> {
    await this.deps.store.update(a.id, change, at);
    this.open.set(keyOf(a.kind, a.siteId, a.subject), { ...a, ...change, updatedAt: at });
  }

  private async close(a: AlertRecord, at: string, message: string, notify = true): Promise<void> {
    await this.deps.store.close(a.id, at, message);
    this.open.delete(keyOf(a.kind, a.siteId, a.subject));
    if (notify) this.deps.notifier.notify({ event: 'closed', alert: { ...a, state: 'closed', closedAt: at, updatedAt: at }, fleet: this.deps.fleetOf(a.siteId) });
  }
}
