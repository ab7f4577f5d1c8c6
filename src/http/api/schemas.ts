import { Type, type Static } from '@sinclair/typebox';
import { CircuitConfig, SitePolicy } from '../../domain/sites.js';
import { OneOffTarget, VehicleInput, WeeklyTarget } from '../../domain/vehicles.js';
import { BULK_ROWS_MAX } from './bulk-limits.js';
import { STATION_ID_MAX_LENGTH } from '../../domain/station-id.js';
import { Iso, Nullable, Words } from './schema-kit.js';

export { errors, ok } from './schema-kit.js';

/**
 * The resource API's request and response schemas: the single source of the TypeScript types (`Static<>`), of
 * fastify's validation and serialisation, and of the OpenAPI document (convention 4). Domain schemas (vehicles,
 * targets, circuits, policy) are reused as they are, so the API accepts exactly what the scheduler accepts.
 */

export const SiteParams = Type.Object({ siteId: Type.String({ minLength: 1, description: 'site id from config' }) });
export type SiteParams = Static<typeof SiteParams>;
export const VehicleParams = Type.Object({ vehicleId: Type.String({ minLength: 1 }) });
export type VehicleParams = Static<typeof VehicleParams>;
export const Month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM, in the site’s time zone' });

// ---- sites ----

export const SiteSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  fleet: Nullable(Type.String({ description: 'the fleet or household the site belongs to' })),
  timeZone: Type.String({ description: 'IANA zone: departures and months are read here' }),
  tariff: Type.String(),
  gridLimitKw: Type.Number(),
  slotMinutes: Type.Integer(),
  evseCount: Type.Integer(),
});
export type SiteSummary = Static<typeof SiteSummary>;

export const PlacedEvseView = Type.Object({
  stationId: Type.String(),
  evseId: Type.Integer(),
  circuit: Nullable(Type.String()),
  phases: Type.Integer(),
  phase: Nullable(Type.Integer()),
  maxKw: Type.Number(),
});

export const SiteDetail = Type.Object({
  id: Type.String(),
  name: Type.String(),
  fleet: Nullable(Type.String()),
  timeZone: Type.String(),
  tariff: Type.String(),
  gridLimitKw: Type.Number({ description: 'the grid connection’s import limit for charging' }),
  capacityLimitTarget: Nullable(Type.String()),
  slotMinutes: Type.Integer(),
  lineVoltageV: Type.Number(),
  circuits: Type.Array(CircuitConfig),
  evses: Type.Array(PlacedEvseView),
  policy: Type.Required(SitePolicy),
});

// ---- stations ----

export const EvseStatus = Words(['available', 'occupied', 'charging', 'suspended', 'faulted', 'unavailable', 'offline'] as const);
export type EvseStatus = Static<typeof EvseStatus>;
export const Compliance = Words(
  ['unknown', 'follows', 'limited', 'rejects-profiles', 'ignores-profiles', 'unreachable'] as const,
  'how the charger follows our profiles; ignores-profiles is the "ignores profiles" warning',
);

export const EvseView = Type.Object({
  evseId: Type.Integer(),
  circuit: Nullable(Type.String()),
  maxKw: Type.Number(),
  status: EvseStatus,
  compliance: Compliance,
  complianceDetail: Nullable(Type.String()),
  transactionId: Nullable(Type.String()),
  vehicleId: Nullable(Type.String()),
  powerKw: Nullable(Type.Number({ description: 'latest measured power of the session' })),
  energyKwh: Nullable(Type.Number({ description: 'energy delivered in the session so far' })),
});
export type EvseView = Static<typeof EvseView>;
/** Security profile 3 (A00.FR.4xx): the client certificate the station was last admitted with. */
export const StationCertificateView = Type.Object({
  serial: Type.String({ description: 'hexadecimal serial number' }),
  subject: Type.String(),
  notAfter: Iso(),
  expiresSoon: Type.Boolean({ description: 'expires within 30 days (or has expired): renew it (A02/A03)' }),
});
export const StationView = Type.Object({
  stationId: Type.String(),
  online: Type.Boolean(),
  lastSeenAt: Nullable(Iso()),
  securityProfile: Nullable(Type.Integer({ minimum: 0, maximum: 3, description: 'OCPP security profile (A00): 1 Basic auth, 2 Basic auth over TLS, 3 TLS client certificate; 0 lab; null if not registered' })),
  certificate: Nullable(StationCertificateView),
  evses: Type.Array(EvseView),
});
export type StationView = Static<typeof StationView>;

// ---- station certificates (station-certificates.ts) ----

export const StationParams = Type.Object({ stationId: Type.String({ minLength: 1, maxLength: STATION_ID_MAX_LENGTH, description: 'the station’s OCPP identity' }) });
export type StationParams = Static<typeof StationParams>;
export const CertificateRenewalView = Type.Object({
  stationId: Type.String(),
  outcome: Words(['sent', 'stored'] as const, 'sent: the station was asked now; stored: it is asked at its next boot or heartbeat'),
  triggerStatus: Nullable(Words(['Accepted', 'Rejected', 'NotImplemented'] as const, 'the station’s TriggerMessage answer when sent')),
  requestedAt: Nullable(Iso('when the stored request was made')),
  detail: Type.String({ description: 'for people: what happened' }),
});
/** A POST that takes nothing: no body, or an empty object. */
export const NoBody = Type.Object({}, { additionalProperties: false, description: 'nothing, or an empty object' });
export const CertificatePolicyBody = Type.Object({
  acceptExpiredOnce: Type.Boolean({ description: 'true: admit this station once with an expired certificate to renew it (A00.FR.429); false: refuse expired certificates (A00.FR.407)' }),
}, { additionalProperties: false });
export type CertificatePolicyBody = Static<typeof CertificatePolicyBody>;
export const CertificatePolicyView = Type.Object({
  stationId: Type.String(),
  acceptExpiredOnce: Type.Boolean(),
  since: Nullable(Iso('when it was allowed')),
});

// ---- plans and prices ----

export const PriceParts = Type.Object({
  total: Type.Number({ description: 'currency per kWh, everything included' }),
  energy: Type.Number(),
  gridFees: Type.Number(),
  taxes: Type.Number({ description: 'sum of the per-kWh taxes and levies' }),
  vat: Type.Number(),
});
export type PriceParts = Static<typeof PriceParts>;

export const PriceSlot = Type.Composite([
  Type.Object({ start: Iso(), end: Iso() }),
  PriceParts,
  Type.Object({ currency: Type.String(), kind: Words(['final', 'estimate'] as const) }),
]);
export type PriceSlot = Static<typeof PriceSlot>;
export const PricesQuery = Type.Object({
  from: Type.Optional(Iso('default: the start of the current slot')),
  to: Type.Optional(Iso('default: from + the site’s planning horizon; at most 7 days after from')),
});
export type PricesQuery = Static<typeof PricesQuery>;

export const Pushed = Type.Object({
  profileId: Type.Integer(),
  state: Words(['sending', 'accepted', 'rejected', 'failed'] as const),
  at: Iso(),
});

/** A sentence as a stable message id and its values (domain/phrases.ts), for clients that say it in their own language. */
export const PhraseView = Type.Object({
  id: Type.String({ description: 'stable message id, e.g. `target.siteDefault`; a new wording gets a new id' }),
  params: Type.Object({}, {
    additionalProperties: Type.Union([Type.String(), Type.Number()]),
    description: 'the values: `...Kwh`/`...Kw` numbers in kWh/kW, `...At` UTC instants, `...Price` per kWh in the plan’s currency, `count` for plurals, other strings as they are',
  }),
}, { description: 'the same words as a message id and values, for translation (the English text beside it stays)' });

export const PlanSessionView = Type.Object({
  stationId: Type.String(),
  evseId: Type.Integer(),
  transactionId: Type.String(),
  vehicleId: Nullable(Type.String()),
  vehicleName: Nullable(Type.String()),
  targetSource: Words(['vehicle-once', 'vehicle-weekly', 'charging-needs', 'site-default'] as const),
  compliance: Compliance,
  departureAt: Iso(),
  requestedKwh: Type.Number({ description: 'energy still wanted when the plan was made' }),
  deliveredKwh: Type.Number({ description: 'energy delivered in the session when the plan was made' }),
  plannedKwh: Type.Number(),
  shortfallKwh: Type.Number(),
  shortfallReason: Nullable(Words(['car-or-charger-power', 'charger-unreachable', 'charger-ignores-profiles', 'site-limit'] as const, 'why the car will not get what it asked for (null without shortfall)')),
  shortfallMessage: Nullable(Type.String({ description: 'the same for people, one line' })),
  shortfallPhrase: Nullable(PhraseView),
  expectedEnergyAtDepartureKwh: Type.Number({ description: 'delivered + planned: the session’s energy at departure' }),
  socAtDeparturePercent: Nullable(Type.Number()),
  cost: Type.Number({ description: 'expected cost of the planned energy' }),
  readyAt: Nullable(Iso('when the requested energy will be in; null if never')),
  powerKw: Type.Array(Type.Number(), { description: 'planned power per slot, aligned with slotStarts' }),
  notes: Type.Array(Type.String()),
  notePhrases: Type.Array(Nullable(PhraseView), { description: 'notePhrases[i] is notes[i] as a message id and values; null for a note of a plan stored before there were ids' }),
  pushed: Nullable(Pushed),
  boost: Nullable(Type.Object({
    remainingKwh: Type.Number({ description: 'what the boost still wanted when the plan was made' }),
    plannedKwh: Type.Number({ description: 'the part of it this plan delivers at full power from now' }),
    untilAt: Nullable(Iso('end of the last slot that delivers boost energy')),
  }, { description: 'a person’s "charge now" in this plan' })),
});
export type PlanSessionView = Static<typeof PlanSessionView>;

/** The site tariff's demand charge as this plan was made with it (issue 21); null without one. */
export const PlanDemandView = Type.Object({
  perKw: Type.Number({ description: 'currency per kW of the billing period’s highest 15-minute average site power' }),
  peakSoFarKw: Type.Number({ description: 'the highest 15-minute average site power so far in the billing period (metered)' }),
  peakSoFarCost: Type.Number({ description: 'perKw x peakSoFarKw: the demand charge already incurred' }),
  plannedPeakKw: Type.Number({ description: 'the highest site power this plan draws' }),
  billedPeakKw: Type.Number({ description: 'max(peakSoFarKw, plannedPeakKw)' }),
  billedCost: Type.Number({ description: 'perKw x billedPeakKw: the period’s demand charge if nothing else raises the peak' }),
});

export const PlanView = Type.Object({
  planId: Type.Integer(),
  siteId: Type.String(),
  createdAt: Iso(),
  triggers: Type.Array(Type.String()),
  status: Words(['optimal', 'shortfall', 'empty'] as const),
  currency: Type.String(),
  totalCost: Type.Number(),
  slotStarts: Type.Array(Iso()),
  endAt: Iso(),
  siteLimitKw: Type.Array(Type.Number()),
  summedKw: Type.Array(Type.Number(), { description: 'the sessions’ planned power summed per slot' }),
  prices: Type.Array(Nullable(PriceParts), { description: 'per slot; null where no price was known' }),
  sessions: Type.Array(PlanSessionView),
  demand: Nullable(PlanDemandView),
});
export type PlanView = Static<typeof PlanView>;

// ---- vehicles, targets, the fleet table ----

export const VehicleView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  fleet: Nullable(Type.String()),
  batteryKwh: Nullable(Type.Number()),
  maxAcKw: Type.Number(),
  phases: Type.Integer(),
  minCurrentA: Nullable(Type.Number()),
  idTokens: Type.Array(Type.String()),
});

/** PUT body: VehicleInput with the id taken from the path (an id in the body must match it). */
export const VehicleBody = Type.Composite(
  [Type.Omit(VehicleInput, ['id']), Type.Partial(Type.Pick(VehicleInput, ['id']))],
  { additionalProperties: false },
);
export type VehicleBody = Static<typeof VehicleBody>;
/** PUT query: a token another vehicle holds moves only on request, and only from a vehicle the caller may edit. */
export const VehicleWriteQuery = Type.Object({
  moveIdTokens: Type.Optional(Type.Boolean({
    default: false,
    description: 'take each listed id token from the vehicle that holds it, if the caller may edit that vehicle; otherwise (and by default) a token in use is 409 ID_TOKEN_IN_USE',
  })),
});
export type VehicleWriteQuery = Static<typeof VehicleWriteQuery>;

export const TargetKind = Words(['once', 'weekly', 'charging-needs', 'site-default', 'none'] as const, 'where the departure and amount come from');
export const FleetRow = Type.Object({
  vehicleId: Type.String(),
  name: Type.String(),
  fleet: Nullable(Type.String()),
  stationId: Nullable(Type.String()),
  evseId: Nullable(Type.Integer()),
  status: Words(['away', 'plugged-in', 'charging', 'ready', 'offline'] as const),
  departureAt: Nullable(Iso()),
  target: Type.Object({
    kind: TargetKind,
    energyKwh: Type.Optional(Type.Number()),
    socPercent: Type.Optional(Type.Number()),
  }),
  expectedEnergyAtDepartureKwh: Nullable(Type.Number()),
  socAtDeparturePercent: Nullable(Type.Number()),
  shortfallKwh: Nullable(Type.Number()),
  warning: Nullable(Type.String({ description: 'why the car will not make it (or is not steered); null when fine' })),
  shortfallPhrase: Nullable(PhraseView),
});
export type FleetRow = Static<typeof FleetRow>;

export const NextDeparture = Type.Object({
  at: Iso(),
  local: Type.String({ description: 'YYYY-MM-DDTHH:MM in timeZone: the form’s default' }),
  timeZone: Type.String(),
  source: Words(['once', 'weekly', 'site-default'] as const),
});
export const BoostView = Type.Object({
  vehicleId: Type.String(),
  siteId: Type.String(),
  stationId: Type.String(),
  evseId: Type.Integer(),
  transactionId: Type.String(),
  energyKwh: Type.Number({ description: 'what was asked: this much more energy from setAt' }),
  deliveredKwh: Type.Number({ description: 'delivered since it was set' }),
  remainingKwh: Type.Number(),
  setAt: Iso(),
});
export type BoostView = Static<typeof BoostView>;

export const TargetView = Type.Object({
  vehicleId: Type.String(),
  once: Nullable(OneOffTarget),
  weekly: Nullable(WeeklyTarget),
  updatedAt: Nullable(Iso()),
  nextDeparture: Nullable(NextDeparture),
  boost: Nullable(BoostView),
});
export type TargetView = Static<typeof TargetView>;

export const BoostBody = Type.Object(
  { energyKwh: Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'charge at full power until this much energy is in' }) },
  { additionalProperties: false },
);
export type BoostBody = Static<typeof BoostBody>;

const VehicleIdField = Type.Object({ vehicleId: Type.String({ minLength: 1 }) });
export const BulkTargetRow = Type.Union([Type.Composite([VehicleIdField, OneOffTarget]), Type.Composite([VehicleIdField, WeeklyTarget])]);
export const BulkJsonBody = Type.Array(BulkTargetRow, { minItems: 1, maxItems: BULK_ROWS_MAX });
export const BulkCsvBody = Type.String({
  description: 'header vehicle_id,kind,departure,days,time,energy_kwh,soc_percent; days separated by ";"; RFC 4180 quoting',
});
export const BulkResult = Type.Object({ applied: Type.Integer(), vehicles: Type.Array(Type.String()) });

// ---- sessions and decisions ----

export const SessionsQuery = Type.Object({
  site: Type.Optional(Type.String()),
  vehicle: Type.Optional(Type.String()),
  month: Type.Optional(Month),
});
export type SessionsQuery = Static<typeof SessionsQuery>;
export const SessionsCsvQuery = Type.Object({
  fleet: Type.String({ pattern: '^[A-Za-z0-9._-]+$', description: 'a fleet or household: the sessions at its sites' }),
  month: Month,
});
export type SessionsCsvQuery = Static<typeof SessionsCsvQuery>;

export const SessionView = Type.Object({
  siteId: Type.String(),
  stationId: Type.String(),
  evseId: Type.Integer(),
  transactionId: Type.String(),
  vehicleId: Nullable(Type.String()),
  fleet: Nullable(Type.String({ description: 'the vehicle’s fleet or household, else the site’s' })),
  startedAt: Iso(),
  endedAt: Nullable(Iso('null while the session runs (energy and cost up to the latest reading)')),
  energyKwh: Type.Number(),
  cost: Type.Number({ description: 'measured energy per slot times the slot’s effective price; unpriced energy is left out' }),
  currency: Type.String(),
  unpricedKwh: Type.Number({ description: 'energy in slots without a known price (not in cost)' }),
  estimatedKwh: Type.Number({ description: 'energy priced with an estimate' }),
  fullPowerKw: Type.Number({ description: 'the power the uncontrolled comparison charges at' }),
  uncontrolledCost: Nullable(Type.Number({ description: 'the same energy at full power from arrival; null when some is unpriced' })),
  savings: Nullable(Type.Number({ description: 'uncontrolledCost - cost' })),
});
export type SessionView = Static<typeof SessionView>;

export const CostTotals = Type.Object({
  period: Words(['today', 'month'] as const, 'today or this month, on the site’s wall clock'),
  from: Iso('the period’s start (local midnight)'),
  to: Iso('the period’s end'),
  sessions: Type.Integer({ description: 'sessions that started in the period' }),
  running: Type.Integer({ description: 'of them still charging (costed up to their latest reading)' }),
  energyKwh: Type.Number(),
  cost: Type.Number({ description: 'measured energy per slot times the slot’s effective price; unpriced energy is left out' }),
  unpricedKwh: Type.Number(),
  uncontrolledCost: Type.Number({ description: 'the compared sessions’ energy at full power from arrival' }),
  savings: Type.Number({ description: 'uncontrolledCost minus the compared sessions’ cost' }),
  savingsPercent: Nullable(Type.Number({ description: 'savings as a share of uncontrolledCost; null when nothing is compared' })),
  notCompared: Type.Integer({ description: 'sessions left out of the comparison because some of their energy is unpriced' }),
});
export type CostTotals = Static<typeof CostTotals>;

export const SiteSavings = Type.Object({
  siteId: Type.String(),
  currency: Nullable(Type.String({ description: 'null when the site has neither a session nor a plan yet' })),
  timeZone: Type.String(),
  periods: Type.Array(CostTotals),
});
export type SiteSavings = Static<typeof SiteSavings>;

export const DecisionsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'only entries with a smaller id (paging back)' })),
});
export type DecisionsQuery = Static<typeof DecisionsQuery>;
export const DecisionView = Type.Object({
  id: Type.Integer(),
  siteId: Type.String(),
  at: Iso(),
  kind: Type.String(),
  stationId: Nullable(Type.String()),
  evseId: Nullable(Type.Integer()),
  transactionId: Nullable(Type.String()),
  planId: Nullable(Type.Integer()),
  message: Type.String(),
  phrase: Nullable(PhraseView),
  details: Type.Unknown(),
});

export const LiveQuery = Type.Object({ site: Type.Optional(Type.String({ description: 'one site; default every site the caller may read' })) });
export type LiveQuery = Static<typeof LiveQuery>;
