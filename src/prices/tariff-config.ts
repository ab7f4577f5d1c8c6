import { Type, type Static } from '@sinclair/typebox';

/**
 * The tariff and price-source configuration (issue 4) as TypeBox schemas: config/ validation embeds these, and
 * the types below are `Static<>` of them (convention 4: one schema, one type).
 *
 * Money is in the tariff's currency major unit per kWh. Dates are local calendar dates in the tariff's time zone
 * and validity is [validFrom, validTo): a grid fee that changes on 1 January changes at local midnight.
 */

export const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'local date, YYYY-MM-DD' });
export const LocalTime = Type.String({
  pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$',
  description: 'local wall-clock time HH:MM; 24:00 ends a band at midnight',
});
export const Weekday = Type.Union(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)),
  { description: 'ISO weekday' },
);
export type Weekday = Static<typeof Weekday>;

const validity = {
  validFrom: Type.Optional(LocalDate),
  validTo: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'exclusive' })),
};

/** One band: on these weekdays, from `from` to `to` local time (to > from), this price per kWh. */
export const TimeBand = Type.Object(
  {
    days: Type.Array(Weekday, { minItems: 1, uniqueItems: true }),
    from: LocalTime,
    to: LocalTime,
    pricePerKwh: Type.Number(),
    label: Type.Optional(Type.String({ description: 'e.g. "peak", shown in tables' })),
  },
  { additionalProperties: false },
);
export type TimeBand = Static<typeof TimeBand>;

/**
 * A set of bands valid for a date range, with the price for times no band covers. Denmark's three daily bands,
 * Germany's §14a module 3 time-variable grid fees and a home's static day/night contract all fit this.
 */
export const BandSchedule = Type.Object(
  {
    ...validity,
    bands: Type.Array(TimeBand, { default: [] }),
    otherwisePerKwh: Type.Number({ description: 'price when no band applies' }),
  },
  { additionalProperties: false },
);
export type BandSchedule = Static<typeof BandSchedule>;

export const Tax = Type.Object(
  { name: Type.String({ minLength: 1 }), pricePerKwh: Type.Number(), ...validity },
  { additionalProperties: false },
);
export type Tax = Static<typeof Tax>;

export const VatRate = Type.Object(
  { rate: Type.Number({ minimum: 0, maximum: 1, description: '0.25 for 25 %' }), ...validity },
  { additionalProperties: false },
);
export type VatRate = Static<typeof VatRate>;

/** Where the energy part comes from: a market zone's series, or a static (fixed / time-of-use) contract. */
export const EnergyPrice = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('market'),
      zone: Type.String({ minLength: 1 }),
      markupPerKwh: Type.Optional(Type.Number({ description: "the supplier's margin on top of the spot price" })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('schedule'), schedules: Type.Array(BandSchedule, { minItems: 1 }) },
    { additionalProperties: false },
  ),
]);
export type EnergyPrice = Static<typeof EnergyPrice>;

/**
 * A demand charge (issue 21): the tariff's currency per kW of the billing period's highest 15-minute average site
 * power, as grid operators bill fleets. The scheduler plans energy and this charge together (solver/demand.ts).
 */
export const DemandChargeConfig = Type.Object(
  {
    perKwPerPeriod: Type.Number({ minimum: 0, description: 'currency per kW of the period\'s highest 15-minute average power' }),
    period: Type.Literal('month', { description: 'billing period: the calendar month in the tariff\'s time zone' }),
  },
  { additionalProperties: false },
);
export type DemandChargeConfig = Static<typeof DemandChargeConfig>;

/** A site's tariff: what one grid connection pays per kWh, part by part. */
export const SiteTariff = Type.Object(
  {
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    timeZone: Type.String({ minLength: 1, description: 'IANA zone the bands and dates are written in' }),
    energy: EnergyPrice,
    gridFees: Type.Array(BandSchedule, { default: [] }),
    taxes: Type.Array(Tax, { default: [] }),
    vat: Type.Array(VatRate, { default: [] }),
    demandCharge: Type.Optional(DemandChargeConfig),
  },
  { additionalProperties: false },
);
export type SiteTariff = Static<typeof SiteTariff>;

/** When a pulled source runs: day-ahead results appear around 12:45 CET, so the default is 13:00 Brussels. */
export const PullSchedule = Type.Object(
  {
    at: Type.Array(LocalTime, { minItems: 1, default: ['13:00'] }),
    timeZone: Type.String({ default: 'Europe/Brussels' }),
    retryInitialMs: Type.Integer({ minimum: 1000, default: 60_000 }),
    retryMaxMs: Type.Integer({ minimum: 1000, default: 30 * 60_000 }),
    daysBack: Type.Integer({ minimum: 0, default: 1 }),
    daysAhead: Type.Integer({ minimum: 1, default: 2 }),
  },
  { additionalProperties: false },
);
export type PullSchedule = Static<typeof PullSchedule>;

const sourceBase = {
  id: Type.String({ minLength: 1, pattern: '^[a-z0-9][a-z0-9:_-]*$' }),
  zone: Type.String({ minLength: 1, description: 'our price zone the series is stored under' }),
  schedule: Type.Optional(PullSchedule),
};

export const PriceSourceConfig = Type.Union([
  Type.Object(
    {
      ...sourceBase,
      kind: Type.Literal('entsoe'),
      area: Type.String({ description: 'EIC bidding-zone code, e.g. 10YDK-1--------W' }),
      token: Type.String({ minLength: 1, description: 'ENTSO-E security token' }),
      classificationSequence: Type.Optional(
        Type.Integer({ minimum: 1, description: 'DE-LU/AT publish SDAC and EXAA under two sequences: pick one' }),
      ),
      baseUrl: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { ...sourceBase, kind: Type.Literal('awattar'), country: Type.Union([Type.Literal('de'), Type.Literal('at')]) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...sourceBase,
      kind: Type.Literal('energi-data-service'),
      area: Type.Union([Type.Literal('DK1'), Type.Literal('DK2')]),
      currency: Type.Union([Type.Literal('DKK'), Type.Literal('EUR')]),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...sourceBase,
      kind: Type.Literal('nordpool'),
      area: Type.String({ description: 'delivery area, e.g. SE3' }),
      currency: Type.String({ pattern: '^[A-Z]{3}$' }),
      resolutionMinutes: Type.Union([Type.Literal(15), Type.Literal(30), Type.Literal(60)], { default: 15 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...sourceBase,
      kind: Type.Literal('octopus'),
      product: Type.String({ description: 'e.g. AGILE-24-10-01' }),
      tariffCode: Type.String({ description: 'e.g. E-1R-AGILE-24-10-01-C' }),
      includeVat: Type.Boolean({ default: false, description: 'false: use value_exc_vat and let the tariff add VAT' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...sourceBase,
      kind: Type.Literal('openadr3'),
      vtnUrl: Type.String({ description: 'base URL of the VTN, e.g. https://vtn.example/openadr3/3.0.1' }),
      tokenUrl: Type.String({ description: 'OAuth2 token endpoint (client credentials)' }),
      clientId: Type.String(),
      clientSecret: Type.String(),
      programId: Type.Optional(Type.String()),
      currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...sourceBase,
      kind: Type.Literal('tibber'),
      token: Type.String({ minLength: 1 }),
      homeId: Type.Optional(Type.String()),
      currency: Type.String({ pattern: '^[A-Z]{3}$' }),
      resolutionMinutes: Type.Union([Type.Literal(15), Type.Literal(60)], { default: 15 }),
    },
    { additionalProperties: false },
  ),
]);
export type PriceSourceConfig = Static<typeof PriceSourceConfig>;

/** A price zone we accept data for: the push intake rejects unknown zones, currencies and absurd values. */
export const PriceZoneConfig = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    timeZone: Type.String({ default: 'Europe/Brussels', description: 'used for the same-weekday-last-week rule' }),
    minPerKwh: Type.Number({ default: -1, description: 'reject pushed values below (currency/kWh)' }),
    maxPerKwh: Type.Number({ default: 5, description: 'reject pushed values above (currency/kWh)' }),
    maxAgeMinutes: Type.Integer({ minimum: 1, default: 36 * 60, description: 'older data raises prices.stale' }),
    fallback: Type.Optional(BandSchedule),
  },
  { additionalProperties: false },
);
export type PriceZoneConfig = Static<typeof PriceZoneConfig>;

/** The whole `prices` section of the config. */
export const PricesConfig = Type.Object(
  {
    zones: Type.Array(PriceZoneConfig, { default: [] }),
    sources: Type.Array(PriceSourceConfig, { default: [] }),
    tariffs: Type.Record(Type.String(), SiteTariff, { default: {} }),
  },
  { additionalProperties: false },
);
export type PricesConfig = Static<typeof PricesConfig>;
