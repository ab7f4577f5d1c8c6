import { Type, type Static } from '@sinclair/typebox';
import { ID_TOKENS_MAX, VehicleInput } from '../../domain/vehicles.js';
import { Nullable } from './schema-kit.js';

/**
 * Bodies and answers of the vehicle edits (issue 16, vehicles-admin.ts). Field bounds come from VehicleInput, the
 * one schema of a vehicle, so the edit form, the PUT and the scheduler's check agree.
 */

const P = VehicleInput.properties;

/** A person's edit of a car: any of its technical fields, never its id, fleet or tokens (those have their own routes). */
export const VehiclePatch = Type.Object(
  {
    name: Type.Optional(P.name),
    batteryKwh: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 1000 }), Type.Null()])),
    maxAcKw: Type.Optional(P.maxAcKw),
    phases: Type.Optional(P.phases),
    minCurrentA: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 32 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1, description: 'the fields to change (at least one); fleet and idTokens are not editable here' },
);
export type VehiclePatch = Static<typeof VehiclePatch>;

export const IdTokenBody = Type.Object(
  { idToken: Type.String({ minLength: 1, maxLength: 255, pattern: '\\S', description: `an RFID uid or contract id; a vehicle holds at most ${ID_TOKENS_MAX}` }) },
  { additionalProperties: false },
);
export type IdTokenBody = Static<typeof IdTokenBody>;

export const IdTokenParams = Type.Object({
  vehicleId: Type.String({ minLength: 1 }),
  idToken: Type.String({ minLength: 1, maxLength: 255 }),
});
export type IdTokenParams = Static<typeof IdTokenParams>;

export const AssignmentBody = Type.Object(
  {
    stationId: Type.String({ minLength: 1, maxLength: 100 }),
    evseId: Type.Integer({ minimum: 1, maximum: 1000 }),
  },
  { additionalProperties: false },
);
export type AssignmentBody = Static<typeof AssignmentBody>;

export const AssignmentView = Type.Object({
  vehicleId: Type.String(),
  stationId: Type.String(),
  evseId: Type.Integer(),
  siteId: Nullable(Type.String({ description: 'the site the EVSE is on now; null when it was taken off every site' })),
});
export type AssignmentView = Static<typeof AssignmentView>;

export const ChargerChoice = Type.Object({
  siteId: Type.String(),
  siteName: Type.String(),
  fleet: Nullable(Type.String()),
  stationId: Type.String(),
  evseId: Type.Integer(),
});

export const AssignmentsView = Type.Object({
  assignments: Type.Array(AssignmentView, { description: 'the readable vehicles’ assignments (at most one per EVSE)' }),
  chargers: Type.Array(ChargerChoice, { description: 'the EVSEs of the sites where the caller may put vehicles' }),
});
