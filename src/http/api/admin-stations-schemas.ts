import { Type, type Static } from '@sinclair/typebox';
import { Iso, Nullable, Words } from './schema-kit.js';
import { PhraseView } from './schemas.js';

/** The admin station routes' bodies and answers (issue 16; admin-stations.ts). */

export const MAX_PLACEMENTS = 8;
export const MAX_WAITING_PAGE = 500;

export const StationIdParam = Type.Object({ stationId: Type.String({ minLength: 1, maxLength: 48 }) }, { additionalProperties: false });
export type StationIdParam = Static<typeof StationIdParam>;

/** Where one of the station's EVSEs goes: the site, and the spot on it (as PUT /sites/:siteId/evses/... takes it). */
export const Placement = Type.Object({
  siteId: Type.String({ minLength: 1, maxLength: 64 }),
  evseId: Type.Integer({ minimum: 1, maximum: 64 }),
  circuit: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  phases: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(3)], { description: 'default 3' })),
  phase: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], { description: 'a 1-phase EVSE: which phase of the circuit' })),
  maxKw: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'default 11' })),
}, { additionalProperties: false });
export type Placement = Static<typeof Placement>;

const Placements = Type.Array(Placement, { maxItems: MAX_PLACEMENTS, description: 'the EVSEs to place on sites (none: place them later on /admin/sites)' });

export const AddStationBody = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 48, description: 'the station identity: what the charger puts at the end of its OCPP URL, and its Basic-auth username' }),
  securityProfile: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], { description: '1: Basic auth over ws; 2: Basic auth over TLS (wss); 3: TLS client certificate (no password)' }),
  placements: Type.Optional(Placements),
}, { additionalProperties: false });
export type AddStationBody = Static<typeof AddStationBody>;

export const AdoptBody = Type.Object({ placements: Type.Optional(Placements) }, { additionalProperties: false });
export type AdoptBody = Static<typeof AdoptBody>;

export const RotateBody = Type.Object({
  mode: Type.Optional(Words(['station', 'manual'] as const,
    'station (default): send it to the connected station first (A01), store it only when Accepted; manual: store it now and show it, to be typed into the charger by hand (the station is locked out until then)')),
}, { additionalProperties: false });
export type RotateBody = Static<typeof RotateBody>;

/** What the installer types into the charger. */
export const Connection = Type.Object({
  securityProfile: Type.Integer(),
  /** ws:// for profile 1, wss:// for 2 and 3; null when this server has no port for that profile. */
  url: Nullable(Type.String()),
  username: Nullable(Type.String({ description: 'the station id (A00.FR.204); null for profile 3' })),
  note: Type.String(),
  notePhrase: Type.Optional(PhraseView),
});
export type Connection = Static<typeof Connection>;

export const AdminStation = Type.Object({
  id: Type.String(),
  securityProfile: Type.Integer(),
  connected: Type.Boolean(),
  vendorName: Nullable(Type.String()),
  model: Nullable(Type.String()),
  lastBootStatus: Nullable(Type.String()),
  lastSeenAt: Nullable(Iso()),
  createdAt: Iso(),
  autoRegistered: Type.Boolean(),
  placements: Type.Array(Type.Object({ siteId: Type.String(), evseId: Type.Integer(), circuit: Nullable(Type.String()) })),
});
export type AdminStation = Static<typeof AdminStation>;

export const StationList = Type.Object({ stations: Type.Array(AdminStation), endpoints: Type.Object({ ws: Nullable(Type.String()), wss: Nullable(Type.String()) }) });

/** The one answer that carries a password: shown once, never stored or logged in clear. */
export const Credentials = Type.Object({
  station: AdminStation,
  password: Nullable(Type.String({ description: 'shown once; null for profile 3' })),
  connection: Connection,
  /** What the station answered to SetVariables BasicAuthPassword (rotate, adopt); null when nothing was sent. */
  stationAnswer: Nullable(Type.String()),
});
export type Credentials = Static<typeof Credentials>;

export const WaitingStationView = Type.Object({
  stationId: Type.String(),
  remoteAddress: Type.String(),
  tls: Type.Boolean(),
  connected: Type.Boolean(),
  firstSeenAt: Iso(),
  lastSeenAt: Iso(),
  attempts: Type.Integer(),
  vendorName: Nullable(Type.String()),
  model: Nullable(Type.String()),
  serialNumber: Nullable(Type.String()),
  firmwareVersion: Nullable(Type.String()),
  bootedAt: Nullable(Iso()),
});
export const WaitingList = Type.Object({ waiting: Type.Array(WaitingStationView) });
