import { DateTime } from 'luxon';
import type { AuditActor, AuditLog } from '../domain/audit.js';
import {
  PriceAdminError, type PreviewWindow, type PriceConfigStore, type PriceZoneInfo, type TariffAdminPort, type TariffEntry, type TariffPreview,
} from '../domain/price-admin.js';
import type { Clock } from '../platform/clock.js';
import type { PriceService } from './price-service.js';
import type { TariffBook } from './tariff-book.js';
import { SiteTariff } from './tariff-config.js';
import { checkTariffEntry } from './price-entry-check.js';

const HOUR_MS = 3_600_000;

/**
 * Tariffs people edit in the browser (issue 16). A tariff is checked whole (schema, bands, validity, a known zone
 * priced in its currency), written in one statement, put in the book the scheduler reads, and the sites that pay it
 * re-plan; each change goes to the audit log. Changes run one at a time. A preview prices the next hours of a stored
 * tariff or a draft with the product's own effective-price code (energy + grid fee + taxes, then VAT).
 */
export class TariffAdmin implements TariffAdminPort {
  readonly tariffSchema = SiteTariff;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      store: PriceConfigStore;
      book: TariffBook;
      zones: readonly PriceZoneInfo[];
      service: Pick<PriceService, 'effective'>;
      audit: AuditLog;
      clock: Clock;
      /** The sites that pay a tariff now. */
      sitesOf: (tariff: string) => string[];
      /** Re-plans these sites (their prices changed). */
      replan: (siteIds: readonly string[]) => void;
      /** A tariff was stored or deleted here (issue 19: other nodes reload it, see reload()). */
      changed?: (name: string) => void;
    },
  ) {}

  zones(): PriceZoneInfo[] {
    return this.deps.zones.map((z) => ({ id: z.id, currency: z.currency, timeZone: z.timeZone }));
  }

  names(): readonly string[] {
    return this.deps.book.names();
  }

  async list(): Promise<TariffEntry[]> {
    const stored = new Map((await this.deps.store.list()).map((e) => [e.key, e]));
    return this.deps.book.names().map((name) => {
      const s = stored.get(name);
      return { name, tariff: this.deps.book.get(name), origin: s?.origin ?? 'config', sites: this.deps.sitesOf(name), updatedAt: s ? new Date(s.updatedAt).toISOString() : null };
    });
  }

  put(name: string, body: unknown, actor: AuditActor): Promise<{ created: boolean; entry: TariffEntry }> {
    return this.serial(async () => {
      const tariff = checkTariffEntry(body, this.deps.zones);
      const before = await this.deps.store.get(name);
      const now = this.deps.clock.now();
      await this.deps.store.put({ key: name, body: tariff, origin: before?.origin ?? 'api', configSha256: before?.configSha256 ?? null, editedAt: now }, now);
      this.deps.book.set(name, tariff);
      this.deps.changed?.(name);
      const sites = this.deps.sitesOf(name);
      this.deps.replan(sites);
      await this.deps.audit.record({
        at: now, actor, action: before ? 'tariff.changed' : 'tariff.created', target: { kind: 'tariff', id: name },
        detail: { energy: tariff.energy.kind, currency: tariff.currency, sites: sites.slice(0, 20) },
      });
      return { created: !before, entry: { name, tariff, origin: before?.origin ?? 'api', sites, updatedAt: new Date(now).toISOString() } };
    });
  }

  remove(name: string, actor: AuditActor): Promise<void> {
    return this.serial(async () => {
      if (!this.deps.book.get(name) && !(await this.deps.store.get(name))) throw unknown(name);
      const sites = this.deps.sitesOf(name);
      if (sites.length > 0) {
        throw new PriceAdminError('TARIFF_IN_USE', 'name', `tariff "${name}" is paid by ${sites.length === 1 ? 'site' : 'sites'} ${sites.slice(0, 5).join(', ')}${sites.length > 5 ? ', …' : ''}: choose another tariff for ${sites.length === 1 ? 'it' : 'them'} first`);
      }
      await this.deps.store.remove(name);
      this.deps.book.delete(name);
      this.deps.changed?.(name);
      await this.deps.audit.record({ at: this.deps.clock.now(), actor, action: 'tariff.deleted', target: { kind: 'tariff', id: name } });
    });
  }

  /**
   * Another node stored or deleted this tariff (issue 19, a person's change across nodes): the book takes what the
   * database holds now (the truth; a stored body that no longer passes the checks leaves the book as it was). Returns
   * the sites that pay it, for the caller to re-plan on this node.
   */
  reload(name: string): Promise<string[]> {
    return this.serial(async () => {
      const entry = await this.deps.store.get(name);
      if (!entry) this.deps.book.delete(name);
      else this.deps.book.set(name, checkTariffEntry(entry.body, this.deps.zones));
      return this.deps.sitesOf(name);
    });
  }

  /**
   * Effective prices for `window.hours` from `window.from` (default now, floored to the slot) on the slot grid, with
   * each slot's local start in the tariff's zone: a 23- or 25-hour day is just fewer or more local hours.
   */
  async preview(which: string | { draft: unknown }, window: PreviewWindow): Promise<TariffPreview> {
    const tariff = typeof which === 'string' ? this.deps.book.get(which) : checkTariffEntry(which.draft, this.deps.zones);
    if (!tariff) throw unknown(which as string);
    const step = window.slotMinutes * 60_000;
    const start = Math.floor((window.from ?? this.deps.clock.now()) / step) * step;
    const end = start + window.hours * HOUR_MS;
    let problem: string | null = null;
    let slots: Awaited<ReturnType<PriceService['effective']>> = [];
    try {
      slots = await this.deps.service.effective(tariff, { start, end }, step);
    } catch (err) {
      problem = (err as Error).message;
    }
    const expected = (end - start) / step;
    if (!problem && slots.length < expected) {
      const zone = tariff.energy.kind === 'market' ? ` in zone ${tariff.energy.zone}` : '';
      problem = `no prices${zone} for ${expected - slots.length} of ${expected} slots: those are not planned on (a price source brings them)`;
    }
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      currency: tariff.currency,
      timeZone: tariff.timeZone,
      slotMinutes: window.slotMinutes,
      problem,
      slots: slots.map((s) => ({
        start: iso(s.start), end: iso(s.end),
        local: DateTime.fromMillis(s.start, { zone: tariff.timeZone }).toFormat("yyyy-MM-dd HH:mm ZZZZ"),
        kind: s.kind, energy: s.energy, gridFee: s.gridFee, taxes: Object.values(s.taxes).reduce((a, b) => a + b, 0), vat: s.vat, total: s.total,
      })),
    };
  }

  async noteChoice(siteId: string, before: string, after: string, actor: AuditActor): Promise<void> {
    await this.deps.audit.record({ at: this.deps.clock.now(), actor, action: 'site.tariff-chosen', target: { kind: 'site', id: siteId }, detail: { before, after } });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

const unknown = (name: string) => new PriceAdminError('TARIFF_UNKNOWN', 'name', `no tariff "${name}"`);
