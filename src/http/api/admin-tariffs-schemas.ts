import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Iso, Nullable, Words } from './schema-kit.js';

/**
 * TypeBox schemas of the tariff and price-source admin routes (issue 16): admin-tariffs.ts, admin-price-sources.ts.
 * A tariff's and a source's own shape come from the prices layer through the port (it owns those schemas), so these
 * take it as an argument.
 */

export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
export const TariffParams = Type.Object({ name: Type.String({ pattern: NAME_PATTERN, description: 'the tariff’s name, as sites name it' }) });
export type TariffParams = Static<typeof TariffParams>;
export const SourceParams = Type.Object({ sourceId: Type.String({ pattern: '^[a-z0-9][a-z0-9:_-]{0,63}$', description: 'the source’s id' }) });
export type SourceParams = Static<typeof SourceParams>;

export const PriceZone = Type.Object({ id: Type.String(), currency: Type.String(), timeZone: Type.String() });

export const Origin = Words(['config', 'api'] as const, 'config: imported from the config file (an edit here stays until that entry changes there); api: made here');

export const TariffEntry = (tariff: TSchema) => Type.Object({
  name: Type.String(),
  tariff,
  origin: Origin,
  sites: Type.Array(Type.String(), { description: 'the sites that pay it' }),
  updatedAt: Nullable(Iso()),
});

export const TariffList = (tariff: TSchema) => Type.Object({ tariffs: Type.Array(TariffEntry(tariff)), zones: Type.Array(PriceZone) });

const MAX_HOURS = 96;
export const PreviewQuery = Type.Object({
  hours: Type.Integer({ minimum: 1, maximum: MAX_HOURS, default: 48, description: 'how far ahead (default 48)' }),
  slotMinutes: Type.Union([Type.Literal(15), Type.Literal(30), Type.Literal(60)], { default: 60, description: 'the slot length (a site’s slotMinutes)' }),
  from: Type.Optional(Iso('the first slot (default: now), floored to the slot')),
});
export type PreviewQuery = Static<typeof PreviewQuery>;

export const DraftPreviewBody = (tariff: TSchema) => Type.Object({
  tariff,
  hours: Type.Optional(PreviewQuery.properties.hours),
  slotMinutes: Type.Optional(PreviewQuery.properties.slotMinutes),
  from: Type.Optional(PreviewQuery.properties.from),
}, { additionalProperties: false });

export const TariffPreview = Type.Object({
  currency: Type.String(),
  timeZone: Type.String(),
  slotMinutes: Type.Integer(),
  problem: Nullable(Type.String({ description: 'why slots are missing (no market prices yet, a hole in a schedule)' })),
  slots: Type.Array(Type.Object({
    start: Iso(), end: Iso(),
    local: Type.String({ description: 'the start in the tariff’s zone, e.g. "2026-03-29 03:00 GMT+2"' }),
    kind: Type.String({ description: 'final, preliminary or estimate' }),
    energy: Type.Number(), gridFee: Type.Number(), taxes: Type.Number(), vat: Type.Number(),
    total: Type.Number({ description: 'per kWh in the tariff’s currency' }),
  })),
});

export const ChooseTariffBody = Type.Object(
  { tariff: Type.String({ pattern: NAME_PATTERN, description: 'the name of an existing tariff' }) },
  { additionalProperties: false },
);
export type ChooseTariffBody = Static<typeof ChooseTariffBody>;

export const FetchResult = Type.Object({
  ok: Type.Boolean(),
  at: Iso(),
  prices: Type.Optional(Type.Integer({ description: 'how many intervals came back' })),
  first: Type.Optional(Nullable(Iso('the first interval’s start'))),
  last: Type.Optional(Nullable(Iso('the last interval’s end'))),
  currency: Type.Optional(Nullable(Type.String())),
  zones: Type.Optional(Type.Array(Type.String())),
  code: Type.Optional(Type.String({ description: 'when not ok: PRICES_HTTP_STATUS, PRICES_AUTH_FAILED, PRICES_PARSE_FAILED, …' })),
  message: Type.Optional(Type.String({ description: 'when not ok: the source’s error in words' })),
  retryable: Type.Optional(Type.Boolean()),
});

export const SourceEntry = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  zone: Type.String(),
  settings: Type.Record(Type.String(), Type.Unknown(), { description: 'everything but the credentials' }),
  secrets: Type.Record(Type.String(), Type.Boolean(), { description: 'each credential field: whether one is set (never its value)' }),
  origin: Origin,
  updatedAt: Nullable(Iso()),
  lastFetch: Nullable(FetchResult),
});

export const SourceList = Type.Object({
  sources: Type.Array(SourceEntry),
  zones: Type.Array(PriceZone),
  kinds: Type.Array(Type.Object({ kind: Type.String(), secrets: Type.Array(Type.String()) })),
});
