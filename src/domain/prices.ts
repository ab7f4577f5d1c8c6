import { Type, type Static } from '@sinclair/typebox';

/**
 * Price-series vocabulary and the ports around it (issue 4). No I/O here: adapters in src/prices/ and
 * src/storage/ implement these interfaces and main.ts wires them.
 *
 * Units: instants are epoch milliseconds (UTC) in memory and UTC ISO-8601 in storage and on the wire; prices are
 * currency major units per kWh (EUR/kWh, DKK/kWh, GBP/kWh). Market feeds quote per MWh and Octopus quotes
 * pence: each parser converts at its edge so that nothing downstream has to know.
 */

/** The day-ahead market's interval lengths we accept: 15 minutes since SDAC's switch on 2025-10-01, 30 in GB. */
export type Resolution = 'PT15M' | 'PT30M' | 'PT60M';

export const RESOLUTION_MS: Readonly<Record<Resolution, number>> = {
  PT15M: 15 * 60_000,
  PT30M: 30 * 60_000,
  PT60M: 60 * 60_000,
};

export function resolutionOf(ms: number): Resolution | undefined {
  return (Object.keys(RESOLUTION_MS) as Resolution[]).find((r) => RESOLUTION_MS[r] === ms);
}

/**
 * 'final': published by the source as the price that will be billed. 'estimate': filled in by a documented rule
 * because the real price is not known yet (see docs/prices.md, "Estimates").
 */
export type PriceKind = 'final' | 'estimate';

/** One price interval: [start, end) in epoch ms, price in currency per kWh. */
export interface PriceInterval {
  start: number;
  end: number;
  pricePerKwh: number;
}

/** Where a value came from. */
export interface Provenance {
  /** Source id from config, e.g. 'entsoe-dk1', 'push:acme', 'csv:smard'. */
  source: string;
  fetchedAt: number;
  kind: PriceKind;
}

/** What one fetch or one publication produced for one zone. Intervals are sorted and do not overlap. */
export interface PriceSeries {
  zone: string;
  /** ISO 4217. */
  currency: string;
  intervals: PriceInterval[];
  provenance: Provenance;
}

/** An interval as served: the price plus where it came from, so mixed sources stay explainable. */
export interface QuotedInterval extends PriceInterval, Provenance {
  /** For estimates: which rule produced it ('same-weekday-last-week', 'fallback-tariff'). */
  rule?: EstimateRule;
}

export type EstimateRule = 'same-weekday-last-week' | 'fallback-tariff';

export interface TimeWindow {
  start: number;
  end: number;
}

/** A time-varying limit on a site's grid connection, e.g. from an OpenADR 3 IMPORT_CAPACITY_LIMIT signal. */
export interface CapacityLimitInterval {
  start: number;
  end: number;
  direction: 'import' | 'export';
  /** Kilowatts, the unit OpenADR 3 uses for capacity limits ('KW'). */
  limitKw: number;
}

/** The parts of one slot's effective price, so people can see why a slot is expensive (issue 4). */
export interface EffectivePriceParts {
  energy: number;
  gridFee: number;
  /** Per-kWh taxes and levies by their configured name. */
  taxes: Record<string, number>;
  /** VAT on energy + grid fee + taxes. */
  vat: number;
  total: number;
}

export interface EffectiveSlot extends EffectivePriceParts {
  start: number;
  end: number;
  currency: string;
  kind: PriceKind;
  source: string;
  rule?: EstimateRule;
}

// ---------------------------------------------------------------------------------------------------------------
// Ports (convention 1: one to three methods named for a capability)
// ---------------------------------------------------------------------------------------------------------------

/** A remote or local feed that can produce prices for a window. */
export interface PriceSource {
  readonly id: string;
  series(window: TimeWindow): Promise<PriceSeries[]>;
}

/** A utility's time-varying limits on a site's grid connection (OpenADR 3 IMPORT/EXPORT_CAPACITY_LIMIT). */
export interface CapacityLimitSource {
  capacityLimits(window: TimeWindow): Promise<CapacityLimitInterval[]>;
}

/** Where fetched and published series are kept, with history (implemented in src/storage/). */
export interface PriceSeriesStore {
  /**
   * Stores one or more series atomically (all or nothing); newer values supersede older ones for the same time
   * and the history is kept. `publisher` names who pushed it (an API token's name). Returns publication ids.
   */
  save(series: readonly PriceSeries[], publisher?: string): Promise<number[]>;
  /** The current (newest) intervals of a zone overlapping the window, sorted by start. */
  current(zone: string, window: TimeWindow): Promise<QuotedInterval[]>;
  /** When the zone last received data from any source, or undefined if never. */
  lastFetchedAt(zone: string): Promise<number | undefined>;
}

/** What the scheduler asks: prices over a window on its planning grid, gaps filled with marked estimates. */
export interface PriceProvider {
  quote(zone: string, window: TimeWindow, stepMs: number): Promise<QuotedInterval[]>;
}

/**
 * What a site pays per slot, by the name of its tariff in config (`prices.tariffs`): energy (with estimates
 * marked), grid fee, taxes and VAT, each kept. This is the port the scheduler plans on.
 */
export interface SitePriceProvider {
  effective(tariff: string, window: TimeWindow, stepMs: number): Promise<EffectiveSlot[]>;
}

/** Events the price layer publishes on the TypedEvents bus (convention 8: tests await them). */
export interface PriceEvents {
  /** Prices older than the configured age: the last good series is still served. */
  'prices.stale': { zone: string; lastFetchedAt: number | undefined; ageMs: number | undefined; maxAgeMs: number };
  /** A zone received new data. */
  'prices.updated': { zone: string; source: string; start: number; end: number; intervals: number };
  /** A pull failed; `retryAt` says when the next attempt is due. */
  'prices.fetch-failed': { source: string; code: string; message: string; attempt: number; retryAt: number };
}

// ---------------------------------------------------------------------------------------------------------------
// The energy companies' push intake (issue 4)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Our documented JSON schema for a pushed tariff (docs/prices.md). One zone, one currency, one declared
 * resolution; every interval carries explicit offsets. `unit` says what `price` is per (default kWh).
 */
/** Intervals per publication (issue 20): a leap year of quarter-hours is 35,136. The intake enforces it. */
export const TARIFF_ROWS_MAX = 40_000;
/** Body limit of the tariff routes: 40,000 intervals are about 4 MiB as CSV, about 5.5 MiB as indented JSON. */
export const TARIFF_BODY_LIMIT_BYTES = 6 * 1024 * 1024;
/** Issues listed in one 422 answer (the message counts them all): a bad year must not become a 20 MB answer. */
export const TARIFF_ISSUES_LISTED_MAX = 1_000;

export const TariffPublicationBody = Type.Object(
  {
    zone: Type.String({ minLength: 1 }),
    currency: Type.String({ description: 'ISO 4217, must be the zone’s currency' }),
    resolution: Type.Union([Type.Literal('PT15M'), Type.Literal('PT30M'), Type.Literal('PT60M')]),
    unit: Type.Optional(Type.Union([Type.Literal('kWh'), Type.Literal('MWh')], { default: 'kWh' })),
    intervals: Type.Array(
      Type.Object(
        {
          start: Type.String({ description: 'ISO-8601 with offset, e.g. 2025-10-26T02:00:00+02:00' }),
          end: Type.String({ description: 'ISO-8601 with offset; end - start must equal the resolution' }),
          price: Type.Number({ description: 'currency per unit' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: TARIFF_ROWS_MAX },
    ),
  },
  { additionalProperties: false },
);
export type TariffPublicationBody = Static<typeof TariffPublicationBody>;

/** Why a pushed row was refused. Stable names: publishers match on them. */
export type IntakeRule =
  | 'schema'
  | 'not-numeric'
  | 'out-of-bounds'
  | 'offset-missing'
  | 'invalid-time'
  | 'resolution-mismatch'
  | 'duplicate'
  | 'overlap'
  | 'gap'
  | 'unknown-zone'
  | 'unknown-currency'
  /** More intervals than one publication may hold (issue 20: TARIFF_ROWS_MAX in src/prices/limits.ts). */
  | 'too-many-rows';

export interface IntakeIssue {
  /** JSON: 1-based interval number; CSV: line number; OpenADR: 1-based interval number; null: the whole batch. */
  row: number | null;
  field: string;
  rule: IntakeRule;
  message: string;
}

export type PublicationInput =
  | { format: 'json'; body: unknown }
  | { format: 'csv'; text: string }
  | { format: 'openadr3'; body: unknown; zone?: string; currency?: string };

export interface ValidatedPublication {
  series: Array<Omit<PriceSeries, 'provenance'>>;
  /** From OpenADR 3 IMPORT/EXPORT_CAPACITY_LIMIT payloads, targeted at the publication's zone. */
  capacityLimits: CapacityLimitInterval[];
  /** The zone the capacity limits are for (OpenADR: ?zone=), also when the event carries no price. */
  capacityZone?: string;
}

export type IntakeResult =
  | { ok: true; zones: string[]; publication: ValidatedPublication }
  | { ok: false; zones: string[]; issues: IntakeIssue[] };

export interface PublicationIntake {
  /** Checks every rule and reports every offending row; `zones` lets the caller authorise before applying. */
  validate(input: PublicationInput): IntakeResult;
  /** The same, yielding to the event loop between chunks of rows: what a request handler calls (issue 20). */
  validateYielding(input: PublicationInput): Promise<IntakeResult>;
  /** Applies a validated publication atomically; `publisher` is recorded with it. */
  apply(publication: ValidatedPublication, publisher: string): Promise<{ publicationIds: number[]; intervals: number; capacityLimits: number }>;
}

/** Time-varying grid-connection limits, kept per target (a price zone or a site id). */
export interface CapacityLimitStore {
  saveLimits(target: string, source: string, limits: readonly CapacityLimitInterval[]): Promise<void>;
  limits(target: string, window: TimeWindow): Promise<CapacityLimitInterval[]>;
}

// ---------------------------------------------------------------------------------------------------------------
// API tokens (used by the push intake; issue 6 adds roles and may move this to its own domain file)
// ---------------------------------------------------------------------------------------------------------------

/** One permission: a role over a scope, e.g. tariff-publisher over price-zone DK1 ('*' = every id). */
export interface ApiTokenGrant {
  role: string;
  scopeKind: string;
  scopeId: string;
}

export interface ApiTokenRecord {
  id: string;
  name: string;
  /** Hex SHA-256 of the secret part; the secret itself is never stored. */
  secretSha256: string;
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  /** Recorded to the minute (see authenticate): a write on every request would cost more than the request. */
  lastUsedAt?: number;
  grants: ApiTokenGrant[];
}

export interface ApiTokenStore {
  find(id: string): Promise<ApiTokenRecord | undefined>;
  create(record: ApiTokenRecord): Promise<void>;
  markUsed(id: string, at: number): Promise<void>;
}
