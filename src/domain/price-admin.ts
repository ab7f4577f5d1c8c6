import type { TSchema } from '@sinclair/typebox';
import type { AuditActor } from './audit.js';

/**
 * Tariffs and price sources managed from the browser (issue 16). The entries keep the shapes of config `prices.tariffs`
 * and `prices.sources` (src/prices/tariff-config.ts); the HTTP layer sees them through these ports only, and gets the
 * entry schemas from the implementation (the prices layer owns them) for its OpenAPI document.
 */

export type PriceConfigOrigin = 'config' | 'api';

/** One stored entry (a tariff by name, a price source by id), the body as JSON. */
export interface StoredPriceConfig {
  key: string;
  body: unknown;
  origin: PriceConfigOrigin;
  /** The config entry last imported under this key, or null for one made through the API. */
  configSha256: string | null;
  /** Epoch ms. */
  editedAt: number | null;
  updatedAt: number;
}

/** Storage of one kind of entry (tariffs or price sources); each write is one statement, so atomic. */
export interface PriceConfigStore {
  list(): Promise<StoredPriceConfig[]>;
  get(key: string): Promise<StoredPriceConfig | undefined>;
  put(entry: Omit<StoredPriceConfig, 'updatedAt'>, at: number): Promise<void>;
  /** False when there was none. */
  remove(key: string): Promise<boolean>;
}

/** Why a change was refused: a stable code, the field, a message naming both. */
export type PriceAdminCode =
  | 'TARIFF_INVALID' | 'TARIFF_UNKNOWN' | 'TARIFF_IN_USE'
  | 'SOURCE_INVALID' | 'SOURCE_UNKNOWN' | 'SOURCE_EXISTS';

export class PriceAdminError extends Error {
  override readonly name = 'PriceAdminError';
  readonly retryable = false;
  constructor(readonly code: PriceAdminCode, readonly field: string, message: string) {
    super(message);
  }
}

/** A price zone the config declares (tariffs and sources name one). */
export interface PriceZoneInfo {
  id: string;
  currency: string;
  timeZone: string;
}

export interface TariffEntry {
  name: string;
  /** The tariff as stored (config's shape, defaults filled in). */
  tariff: unknown;
  origin: PriceConfigOrigin;
  /** The sites that pay it. */
  sites: string[];
  updatedAt: string | null;
}

/** One slot of a preview: the effective price and its parts, the local wall-clock start in the tariff's zone. */
export interface PreviewSlot {
  start: string;
  end: string;
  local: string;
  kind: string;
  energy: number;
  gridFee: number;
  taxes: number;
  vat: number;
  total: number;
}

export interface TariffPreview {
  currency: string;
  timeZone: string;
  slotMinutes: number;
  slots: PreviewSlot[];
  /** Why some or all slots are missing (no market prices yet, a hole in a schedule), in words; null when none. */
  problem: string | null;
}

export interface PreviewWindow {
  /** Epoch ms; defaults to now, floored to the slot. */
  from?: number;
  hours: number;
  slotMinutes: number;
}

export interface TariffAdminPort {
  /** The JSON schema of a tariff (the body of PUT and of a draft preview). */
  readonly tariffSchema: TSchema;
  zones(): PriceZoneInfo[];
  list(): Promise<TariffEntry[]>;
  /** Creates or replaces the tariff whole; re-plans the sites that pay it. */
  put(name: string, body: unknown, actor: AuditActor): Promise<{ created: boolean; entry: TariffEntry }>;
  /** Refused (TARIFF_IN_USE) while a site pays it. */
  remove(name: string, actor: AuditActor): Promise<void>;
  names(): readonly string[];
  preview(tariff: string | { draft: unknown }, window: PreviewWindow): Promise<TariffPreview>;
  /** Audits a site's change of tariff (the site admin makes the change and re-plans). */
  noteChoice(siteId: string, before: string, after: string, actor: AuditActor): Promise<void>;
}

export interface PriceSourceEntry {
  id: string;
  kind: string;
  zone: string;
  /** Everything but the credentials. */
  settings: Record<string, unknown>;
  /** Which credential fields are set (their values are never given back). */
  secrets: Record<string, boolean>;
  origin: PriceConfigOrigin;
  updatedAt: string | null;
  lastFetch: FetchResult | null;
}

/** What "fetch now" brought back, or the source's error in words. */
export type FetchResult =
  | { ok: true; at: string; prices: number; first: string | null; last: string | null; currency: string | null; zones: string[] }
  | { ok: false; at: string; code: string; message: string; retryable: boolean };

export interface PriceSourceAdminPort {
  /** The JSON schema of a source's body (its kinds; credentials optional once set). */
  readonly sourceSchema: TSchema;
  /** The credential fields of each kind. */
  readonly secretFields: Readonly<Record<string, readonly string[]>>;
  zones(): PriceZoneInfo[];
  list(): Promise<PriceSourceEntry[]>;
  /** Creates or replaces the source; a credential left out keeps the stored one. Restarts its schedule. */
  put(id: string, body: unknown, actor: AuditActor): Promise<{ created: boolean; entry: PriceSourceEntry }>;
  remove(id: string, actor: AuditActor): Promise<void>;
  /** Fetches now, stores what came back, and says what it was (or the error). */
  fetchNow(id: string): Promise<FetchResult>;
}
