import { createHash } from 'node:crypto';
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { IANAZone } from 'luxon';
import { PriceAdminError, type PriceAdminCode, type PriceConfigStore, type PriceZoneInfo } from '../domain/price-admin.js';
import type { Logger } from '../platform/logger.js';
import { checkTariff } from './effective-price.js';
import { EnergyPrice, PriceSourceConfig, SiteTariff } from './tariff-config.js';

/**
 * Checks of tariffs and price sources written through the admin API (issue 16), reporting the first problem with the
 * field it is about (`gridFees[0].bands[1].to`, `energy.zone`). Unions are checked by their `kind` first: checking
 * the whole union would report every branch's complaints. Also the config import both share.
 */

/** Bounds on an entry written through the API (the config schemas leave lists open). */
export const TARIFF_LIST_MAX = 200;

const pathToField = (path: string) => path.replace(/^\//, '').split('/').filter(Boolean)
  .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(body)';

function firstProblem(schema: TSchema, value: unknown, prefix: string): { field: string; message: string } | undefined {
  const e = Value.Errors(schema, value).First();
  if (!e) return undefined;
  const field = prefix + pathToField(e.path);
  if (e.type === ValueErrorType.ObjectAdditionalProperties) {
    // TypeBox names the unknown property in its path; when it does not, the message names the object.
    return { field, message: `${field} is not a field here` };
  }
  if (e.type === ValueErrorType.ObjectRequiredProperty) return { field, message: `${field} is required` };
  const described = (e.schema as { description?: string }).description;
  return { field, message: `${field}: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}${described ? ` (${described})` : ''}` };
}

function fail(code: PriceAdminCode, field: string, message: string): never {
  throw new PriceAdminError(code, field, message);
}

const members = (union: TSchema) => (union as unknown as { anyOf: TObject[] }).anyOf;
const kindOf = (m: TObject) => (m.properties['kind'] as unknown as { const: string }).const;

/** A tariff checked whole: schema (energy by its kind), list bounds, a real zone, checkTariff's rules, a known zone. */
export function checkTariffEntry(raw: unknown, zones: readonly PriceZoneInfo[]): SiteTariff {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('TARIFF_INVALID', '(body)', 'the tariff must be a JSON object');
  const energy = (raw as { energy?: unknown }).energy;
  const kind = energy && typeof energy === 'object' ? (energy as { kind?: unknown }).kind : undefined;
  const member = members(EnergyPrice).find((m) => kindOf(m) === kind);
  if (energy !== undefined && !member) {
    fail('TARIFF_INVALID', 'energy.kind', `energy.kind must be "market" (a price zone's series) or "schedule" (fixed or time-of-use prices), got ${JSON.stringify(kind)}`);
  }
  const schema = Type.Object({ ...SiteTariff.properties, energy: member ?? EnergyPrice }, { additionalProperties: false });
  const value = Value.Default(schema, structuredClone(raw)) as SiteTariff;
  const problem = firstProblem(schema, value, '');
  if (problem) fail('TARIFF_INVALID', problem.field, problem.message);
  const lists: [string, unknown[]][] = [
    ['gridFees', value.gridFees], ['taxes', value.taxes], ['vat', value.vat],
    ...value.gridFees.map((g, i): [string, unknown[]] => [`gridFees[${i}].bands`, g.bands]),
    ...(value.energy.kind === 'schedule'
      ? [['energy.schedules', value.energy.schedules] as [string, unknown[]], ...value.energy.schedules.map((s, i): [string, unknown[]] => [`energy.schedules[${i}].bands`, s.bands])]
      : []),
  ];
  for (const [field, list] of lists) if (list.length > TARIFF_LIST_MAX) fail('TARIFF_INVALID', field, `${field}: at most ${TARIFF_LIST_MAX} entries`);
  if (!IANAZone.isValidZone(value.timeZone)) fail('TARIFF_INVALID', 'timeZone', `timeZone: "${value.timeZone}" is not an IANA time zone (e.g. Europe/Copenhagen)`);
  try {
    checkTariff(value);
  } catch (err) {
    const message = (err as Error).message;
    // checkTariff's messages start with the field: "gridFees[0].bands[1]: ..." or "vat[0] and vat[1]: ...".
    fail('TARIFF_INVALID', message.split(/:| and /)[0]!.trim(), message.split('; ')[0]!);
  }
  if (value.energy.kind === 'market') {
    const zone = zones.find((z) => z.id === (value.energy as { zone: string }).zone);
    if (!zone) fail('TARIFF_INVALID', 'energy.zone', `energy.zone: no price zone "${value.energy.zone}" (known: ${zones.map((z) => z.id).join(', ') || 'none'})`);
    if (zone.currency !== value.currency) {
      fail('TARIFF_INVALID', 'currency', `currency: zone ${zone.id} is priced in ${zone.currency}, the tariff says ${value.currency}`);
    }
  }
  return value;
}

/** The credential fields of each source kind: stored, used, never given back by the API. */
export const SECRET_FIELDS: Readonly<Record<string, readonly string[]>> = { entsoe: ['token'], tibber: ['token'], openadr3: ['clientSecret'] };

/** A source's body in the API: the config entry without its id (the path has it), credentials optional once set. */
export const SourceBody = Type.Union(members(PriceSourceConfig).map((m) => {
  const { id: _id, ...props } = m.properties;
  const secrets = SECRET_FIELDS[kindOf(m)] ?? [];
  const out: Record<string, TSchema> = {};
  for (const [k, v] of Object.entries(props)) out[k] = secrets.includes(k) ? Type.Optional(v) : v;
  return Type.Object(out, { additionalProperties: false, description: `kind ${kindOf(m)}${secrets.length ? `; ${secrets.join(', ')} may be left out to keep the stored one` : ''}` });
}));

/** A source checked whole (id included, credentials merged in): schema by kind, a known zone. */
export function checkSourceEntry(raw: Record<string, unknown>, zones: readonly PriceZoneInfo[]): PriceSourceConfig {
  const member = members(PriceSourceConfig).find((m) => kindOf(m) === raw['kind']);
  if (!member) {
    fail('SOURCE_INVALID', 'kind', `kind must be one of ${members(PriceSourceConfig).map(kindOf).join(', ')}, got ${JSON.stringify(raw['kind'])}`);
  }
  const value = Value.Default(member, structuredClone(raw));
  const problem = firstProblem(member, value, '');
  if (problem) fail('SOURCE_INVALID', problem.field, problem.message);
  const source = value as PriceSourceConfig;
  if (!zones.some((z) => z.id === source.zone)) fail('SOURCE_INVALID', 'zone', `zone: no price zone "${source.zone}" (known: ${zones.map((z) => z.id).join(', ') || 'none'})`);
  return source;
}

/**
 * Config entries into the store at start-up, idempotently (the rule the sites import follows): an entry whose
 * SHA-256 is the one last imported changes nothing, so edits made through the API stay; a new or changed entry is
 * written, replacing such edits, with a warning that says so.
 */
export async function importConfigured(
  store: PriceConfigStore,
  entries: readonly [string, unknown][],
  deps: { now: () => number; logger?: Logger | undefined; what: string },
): Promise<void> {
  for (const [key, body] of entries) {
    const sha = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const stored = await store.get(key);
    if (stored?.configSha256 === sha) continue;
    if (stored && stored.editedAt !== null) {
      deps.logger?.warn({ [deps.what]: key }, `the configured ${deps.what} "${key}" changed: it replaces the edits made in the browser`);
    }
    await store.put({ key, body, origin: 'config', configSha256: sha, editedAt: null }, deps.now());
  }
}
