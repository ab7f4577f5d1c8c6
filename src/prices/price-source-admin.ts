import { Value } from '@sinclair/typebox/value';
import { DateTime } from 'luxon';
import type { AuditActor, AuditLog } from '../domain/audit.js';
import {
  PriceAdminError, type FetchResult, type PriceConfigStore, type PriceSourceAdminPort, type PriceSourceEntry, type PriceZoneInfo,
  type StoredPriceConfig,
} from '../domain/price-admin.js';
import type { PriceSeriesStore } from '../domain/prices.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { PriceEventSink } from './price-service.js';
import { PullScheduler } from './pull-scheduler.js';
import { createPriceSource } from './setup.js';
import type { FetchLike } from './sources/http.js';
import { PullSchedule, type PriceSourceConfig } from './tariff-config.js';
import { checkSourceEntry, importConfigured, SECRET_FIELDS, SourceBody } from './price-entry-check.js';

/**
 * Price sources people add in the browser (issue 16), and the ones config `prices.sources` lists (imported into the
 * database at start-up, importConfigured's rule). Each stored source runs on its own PullScheduler; a change restarts
 * it. Credentials are stored and used but never given back: the API says only whether each is set, and a body that
 * leaves one out keeps the stored one. "Fetch now" asks the source for its usual window, stores what came back (the
 * sites re-plan on prices.updated) and says what it was, or the source's error in words.
 */
export class PriceSourceAdmin implements PriceSourceAdminPort {
  readonly sourceSchema = SourceBody;
  readonly secretFields = SECRET_FIELDS;
  private readonly runners = new Map<string, PullScheduler>();
  private readonly lastFetch = new Map<string, FetchResult>();
  private started = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      store: PriceConfigStore;
      zones: readonly PriceZoneInfo[];
      /** Where series go (zoneCurrencyGuard over the price store: one zone, one currency). */
      prices: PriceSeriesStore;
      fetch: FetchLike;
      clock: Clock;
      random: () => number;
      events: PriceEventSink;
      audit: AuditLog;
      logger?: Logger;
      /** A source was stored or deleted here (issue 19: other nodes reload it, see reload()). */
      changed?: (id: string) => void;
    },
  ) {}

  /** Imports the configured sources, then builds a schedule for each stored one (a stored one that fails the checks is logged and skipped). */
  async load(configured: readonly PriceSourceConfig[]): Promise<void> {
    await importConfigured(this.deps.store, configured.map((s) => [s.id, s]), { now: () => this.deps.clock.now(), logger: this.deps.logger, what: 'price source' });
    for (const entry of await this.deps.store.list()) {
      try {
        this.run(checkSourceEntry(entry.body as Record<string, unknown>, this.deps.zones));
      } catch (err) {
        this.deps.logger?.error({ source: entry.key, err }, `stored price source "${entry.key}" is not valid and does not run: ${(err as Error).message}`);
      }
    }
  }

  start(): void {
    this.started = true;
    for (const r of this.runners.values()) r.start();
  }

  stop(): void {
    this.started = false;
    for (const r of this.runners.values()) r.stop();
  }

  /** Resolves when no scheduled pull is running (tests). */
  async done(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.done()));
  }

  zones(): PriceZoneInfo[] {
    return this.deps.zones.map((z) => ({ id: z.id, currency: z.currency, timeZone: z.timeZone }));
  }

  async list(): Promise<PriceSourceEntry[]> {
    return (await this.deps.store.list()).map((e) => this.entryOf(e));
  }

  put(id: string, body: unknown, actor: AuditActor): Promise<{ created: boolean; entry: PriceSourceEntry }> {
    return this.serial(async () => {
      if (!/^[a-z0-9][a-z0-9:_-]*$/.test(id) || id.length > 64) {
        throw new PriceAdminError('SOURCE_INVALID', 'id', 'id: lower-case letters, digits and : _ - (at most 64), starting with a letter or digit');
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new PriceAdminError('SOURCE_INVALID', '(body)', 'the source must be a JSON object');
      if ('id' in body) throw new PriceAdminError('SOURCE_INVALID', 'id', 'id is in the path, not the body');
      const before = await this.deps.store.get(id);
      const input = body as Record<string, unknown>;
      const old = (before?.body ?? {}) as Record<string, unknown>;
      const merged: Record<string, unknown> = { id, ...input };
      // A credential left out keeps the stored one, if the kind is the same.
      const kept: string[] = [];
      for (const f of SECRET_FIELDS[String(input['kind'])] ?? []) {
        if (merged[f] === undefined && old['kind'] === input['kind'] && old[f] !== undefined) {
          merged[f] = old[f];
          kept.push(f);
        }
      }
      const source = checkSourceEntry(merged, this.deps.zones);
      const now = this.deps.clock.now();
      const stored = { key: id, body: source, origin: before?.origin ?? 'api' as const, configSha256: before?.configSha256 ?? null, editedAt: now };
      await this.deps.store.put(stored, now);
      this.lastFetch.delete(id);
      this.run(source);
      this.deps.changed?.(id);
      const secrets = (SECRET_FIELDS[source.kind] ?? []).filter((f) => !kept.includes(f) && input[f] !== undefined);
      await this.deps.audit.record({
        at: now, actor, action: before ? 'price-source.changed' : 'price-source.created', target: { kind: 'price-source', id },
        detail: { kind: source.kind, zone: source.zone, ...(secrets.length ? { credentialsSet: secrets } : {}) },
      });
      return { created: !before, entry: this.entryOf({ ...stored, updatedAt: now }) };
    });
  }

  remove(id: string, actor: AuditActor): Promise<void> {
    return this.serial(async () => {
      if (!(await this.deps.store.remove(id))) throw unknown(id);
      this.drop(id);
      this.deps.changed?.(id);
      await this.deps.audit.record({ at: this.deps.clock.now(), actor, action: 'price-source.deleted', target: { kind: 'price-source', id } });
    });
  }

  /**
   * Another node stored or deleted this source (issue 19): its schedule here follows what the database holds now, so
   * the node that runs the cluster's price pulls pulls what was saved on any node (a stored body that no longer passes
   * the checks stops its schedule, as at start).
   */
  reload(id: string): Promise<void> {
    return this.serial(async () => {
      const entry = await this.deps.store.get(id);
      this.drop(id);
      if (entry) this.run(checkSourceEntry(entry.body as Record<string, unknown>, this.deps.zones));
    });
  }

  async fetchNow(id: string): Promise<FetchResult> {
    const entry = await this.deps.store.get(id);
    if (!entry) throw unknown(id);
    const at = new Date(this.deps.clock.now()).toISOString();
    let result: FetchResult;
    try {
      const config = checkSourceEntry(entry.body as Record<string, unknown>, this.deps.zones);
      const schedule = config.schedule ?? (Value.Default(PullSchedule, {}) as PullSchedule);
      const today = DateTime.fromMillis(this.deps.clock.now(), { zone: schedule.timeZone }).startOf('day');
      const window = { start: today.minus({ days: schedule.daysBack }).toMillis(), end: today.plus({ days: schedule.daysAhead }).toMillis() };
      const series = await createPriceSource(config, { fetch: this.deps.fetch, clock: this.deps.clock }).series(window);
      await this.deps.prices.save(series);
      const intervals = series.flatMap((s) => s.intervals);
      for (const s of series) {
        const first = s.intervals[0];
        const last = s.intervals.at(-1);
        if (first && last) this.deps.events.emit('prices.updated', { zone: s.zone, source: id, start: first.start, end: last.end, intervals: s.intervals.length });
      }
      const starts = intervals.map((i) => i.start);
      result = {
        ok: true, at, prices: intervals.length,
        first: starts.length ? new Date(Math.min(...starts)).toISOString() : null,
        last: intervals.length ? new Date(Math.max(...intervals.map((i) => i.end))).toISOString() : null,
        currency: series[0]?.currency ?? null,
        zones: [...new Set(series.map((s) => s.zone))],
      };
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown; retryable?: unknown };
      result = {
        ok: false, at,
        code: typeof e.code === 'string' ? e.code : 'PRICES_FETCH_FAILED',
        message: typeof e.message === 'string' ? e.message : String(err),
        retryable: e.retryable === true,
      };
    }
    this.lastFetch.set(id, result);
    return result;
  }

  private drop(id: string): void {
    this.runners.get(id)?.stop();
    this.runners.delete(id);
    this.lastFetch.delete(id);
  }

  /** (Re)builds the source's schedule; it runs at once when the admin has started. */
  private run(config: PriceSourceConfig): void {
    this.runners.get(config.id)?.stop();
    const runner = new PullScheduler({
      source: createPriceSource(config, { fetch: this.deps.fetch, clock: this.deps.clock }),
      schedule: config.schedule ?? (Value.Default(PullSchedule, {}) as PullSchedule),
      store: this.deps.prices,
      clock: this.deps.clock,
      random: this.deps.random,
      events: this.deps.events,
      ...(this.deps.logger ? { logger: this.deps.logger } : {}),
    });
    this.runners.set(config.id, runner);
    if (this.started) runner.start();
  }

  private entryOf(e: StoredPriceConfig): PriceSourceEntry {
    const body = e.body as Record<string, unknown>;
    const secretNames = SECRET_FIELDS[String(body['kind'])] ?? [];
    const settings = Object.fromEntries(Object.entries(body).filter(([k]) => !['id', 'kind', 'zone', ...secretNames].includes(k)));
    return {
      id: e.key, kind: String(body['kind']), zone: String(body['zone']), settings,
      secrets: Object.fromEntries(secretNames.map((f) => [f, typeof body[f] === 'string' && body[f] !== ''])),
      origin: e.origin, updatedAt: new Date(e.updatedAt).toISOString(), lastFetch: this.lastFetch.get(e.key) ?? null,
    };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

const unknown = (id: string) => new PriceAdminError('SOURCE_UNKNOWN', 'id', `no price source "${id}"`);
