import type { PriceConfigStore, PriceZoneInfo } from '../domain/price-admin.js';
import type { Logger } from '../platform/logger.js';
import type { DemandChargeConfig, SiteTariff } from './tariff-config.js';
import { checkTariffEntry, importConfigured } from './price-entry-check.js';

/**
 * The tariffs sites may name, as the product runs now (issue 16): config `prices.tariffs` imported into the database,
 * plus those made in the browser. `record` is one object changed in place, so the price service's TariffPrices (given
 * it at start) and the scheduler read each edit at once.
 */
export class TariffBook {
  readonly record: Record<string, SiteTariff> = {};

  names(): string[] {
    return Object.keys(this.record).sort();
  }

  get(name: string): SiteTariff | undefined {
    return Object.hasOwn(this.record, name) ? this.record[name] : undefined;
  }

  set(name: string, tariff: SiteTariff): void {
    this.record[name] = tariff;
  }

  delete(name: string): void {
    delete this.record[name];
  }

  /** The market zone a tariff buys from, or null for a static contract (the scheduler's tariffZone). */
  zoneOf(name: string): string | null {
    const energy = this.get(name)?.energy;
    return energy?.kind === 'market' ? energy.zone : null;
  }

  demandOf(name: string): DemandChargeConfig | null {
    return this.get(name)?.demandCharge ?? null;
  }
}

/**
 * Imports the configured tariffs (idempotently: importConfigured's rule), then loads every stored one. A stored
 * tariff that no longer passes the checks (its zone left the config) is logged and left out, as sites are.
 */
export async function loadTariffs(
  store: PriceConfigStore,
  configured: Readonly<Record<string, SiteTariff>>,
  deps: { zones: readonly PriceZoneInfo[]; now: () => number; logger?: Logger },
): Promise<TariffBook> {
  await importConfigured(store, Object.entries(configured), { now: deps.now, logger: deps.logger, what: 'tariff' });
  const book = new TariffBook();
  for (const entry of await store.list()) {
    try {
      book.set(entry.key, checkTariffEntry(entry.body, deps.zones));
    } catch (err) {
      deps.logger?.error({ tariff: entry.key, err }, `stored tariff "${entry.key}" is not valid and is left out: ${(err as Error).message}`);
    }
  }
  return book;
}
