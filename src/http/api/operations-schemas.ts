/**
 * Request and response schemas of the remote operations and the device model (operations.ts, device-model.ts): the
 * single source of their types and of their part of the OpenAPI document.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TRIGGERABLE } from '../../domain/station-operations.js';
import { ErrorRef, Iso, Nullable, Words } from './schema-kit.js';
import { PhraseView } from './schemas.js';

/** OCPP's integer ids (EVSE, connector) are small positive numbers; the bound keeps the request's size known. */
const EvseId = (description: string) => Type.Integer({ minimum: 1, maximum: 1000, description });
const Body = <T extends Parameters<typeof Type.Object>[0]>(props: T, description: string) =>
  Type.Object(props, { additionalProperties: false, description });

export const ResetBody = Body({
  type: Words(['Immediate', 'OnIdle'] as const, 'Immediate: now, ending running transactions; OnIdle: once nothing charges (B11/B12)'),
  evseId: Type.Optional(EvseId('reset only this EVSE (B12); omitted: the whole station')),
}, 'Reset (B11/B12)');
export type ResetBody = Static<typeof ResetBody>;

export const AvailabilityBody = Body({
  operationalStatus: Words(['Operative', 'Inoperative'] as const, 'Inoperative takes it out of service (its connectors show Unavailable)'),
  evseId: Type.Optional(EvseId('this EVSE only; omitted: the whole station (G04)')),
  connectorId: Type.Optional(EvseId('this connector of `evseId` only')),
}, 'ChangeAvailability (G03/G04): Scheduled when a transaction runs there');
export type AvailabilityBody = Static<typeof AvailabilityBody>;

export const UnlockBody = Body({
  evseId: EvseId('the EVSE'),
  connectorId: EvseId('its connector (1 on most chargers)'),
}, 'UnlockConnector (F05)');
export type UnlockBody = Static<typeof UnlockBody>;

export const StartBody = Body({
  idToken: Type.String({ minLength: 1, maxLength: 36, description: 'the id token the transaction is for (IdTokenType.idToken, at most 36 characters)' }),
  idTokenType: Type.Optional(Words(['Central', 'eMAID', 'ISO14443', 'ISO15693', 'KeyCode', 'Local', 'MacAddress', 'NoAuthorization'] as const, 'default Central')),
  evseId: Type.Optional(EvseId('the EVSE to start on (needed for the TxProfile); omitted: the station chooses')),
}, 'RequestStartTransaction (F01): with our TxProfile when the EVSE is on a site');
export type StartBody = Static<typeof StartBody>;

export const StopBody = Body({
  transactionId: Type.String({ minLength: 1, maxLength: 36, description: 'the running transaction (at most 36 characters)' }),
}, 'RequestStopTransaction (F03)');
export type StopBody = Static<typeof StopBody>;

export const TriggerBody = Body({
  message: Words(TRIGGERABLE, 'the message the station is asked to send (F06)'),
  evseId: Type.Optional(EvseId('for this EVSE only; omitted: for all')),
}, 'TriggerMessage (F06)');
export type TriggerBody = Static<typeof TriggerBody>;

export const OperationView = Type.Object({
  stationId: Type.String(),
  action: Type.String({ description: 'the OCPP action sent' }),
  status: Type.String({ description: 'the station’s answer, verbatim (Accepted, Scheduled, Unlocked...)' }),
  reasonCode: Nullable(Type.String({ description: 'StatusInfo.reasonCode when the station sent one' })),
  additionalInfo: Nullable(Type.String()),
  detail: Type.String({ description: 'for people: what the station does now' }),
  detailPhrase: Type.Optional(PhraseView),
  remoteStartId: Type.Optional(Type.Integer()),
  transactionId: Type.Optional(Nullable(Type.String())),
  startLimitKw: Type.Optional(Nullable(Type.Number({ description: 'the TxProfile limit sent with a remote start' }))),
});

export const ReportBody = Body({
  reportBase: Words(['FullInventory', 'ConfigurationInventory', 'SummaryInventory'] as const, 'what the station reports (B07)'),
}, 'GetBaseReport (B07)');
export type ReportBody = Static<typeof ReportBody>;
export const ReportView = Type.Composite([OperationView, Type.Object({ requestId: Type.Integer({ description: 'the NotifyReport messages carry it' }) })]);

export const DeviceModelQuery = Type.Object({
  component: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'only this component' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000, default: 500, description: 'rows per page (500)' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
});
export type DeviceModelQuery = Static<typeof DeviceModelQuery>;

export const DeviceVariableView = Type.Object({
  component: Type.String(),
  componentInstance: Nullable(Type.String()),
  evseId: Nullable(Type.Integer()),
  connectorId: Nullable(Type.Integer()),
  variable: Type.String(),
  variableInstance: Nullable(Type.String()),
  attributeType: Type.String({ description: 'Actual, Target, MinSet, MaxSet' }),
  value: Nullable(Type.String()),
  mutability: Nullable(Type.String({ description: 'ReadOnly, ReadWrite, WriteOnly (from the station’s report); null when not reported' })),
  dataType: Nullable(Type.String()),
  unit: Nullable(Type.String()),
  label: Nullable(Type.String({ description: 'what the variable means, for known variables' })),
  writable: Type.Boolean({ description: 'ReadWrite or WriteOnly: can be edited with SetVariables' }),
});
export const DeviceModelView = Type.Object({
  stationId: Type.String(),
  total: Type.Integer({ description: 'rows stored for the station (with the component filter)' }),
  offset: Type.Integer(),
  variables: Type.Array(DeviceVariableView),
});

const Name = (d: string) => Type.String({ minLength: 1, maxLength: 50, description: d });
export const VariableWriteBody = Body({
  component: Name('component name (ComponentType.name)'),
  componentInstance: Type.Optional(Name('component instance')),
  evseId: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  connectorId: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  variable: Name('variable name'),
  variableInstance: Type.Optional(Name('variable instance')),
  attributeType: Type.Optional(Words(['Actual', 'Target', 'MinSet', 'MaxSet'] as const, 'default Actual')),
  value: Type.String({ maxLength: 1000, description: 'the new value as text (SetVariableDataType.attributeValue, at most 1000 characters)' }),
}, 'one variable to set');
export const SetVariablesBody = Body({
  variables: Type.Array(VariableWriteBody, { minItems: 1, maxItems: 50, description: 'at most 50 per request' }),
}, 'SetVariables (B05)');
export type SetVariablesBody = Static<typeof SetVariablesBody>;
export const VariableResultView = Type.Object({
  component: Type.String(),
  componentInstance: Type.Optional(Type.String()),
  evseId: Type.Optional(Type.Integer()),
  connectorId: Type.Optional(Type.Integer()),
  variable: Type.String(),
  variableInstance: Type.Optional(Type.String()),
  attributeType: Type.Optional(Type.String()),
  value: Type.String(),
  status: Type.String({ description: 'Accepted, Rejected, RebootRequired, UnknownComponent, UnknownVariable, NotSupportedAttributeType' }),
  reasonCode: Nullable(Type.String()),
  detail: Type.String(),
  detailPhrase: Type.Optional(PhraseView),
});
export const SetVariablesView = Type.Object({ stationId: Type.String(), results: Type.Array(VariableResultView), at: Iso() });

/** Errors of a call to the station: 409 refused or offline, 502 a CALLERROR or invalid answer, 504 no answer. */
export const stationCallErrors = {
  409: ErrorRef('STATION_REFUSED (the station’s status and reasonCode in the message), STATION_OFFLINE, OCPP_NOT_ALLOWED'),
  502: ErrorRef('OCPP_CALL_ERROR or OCPP_INVALID_RESPONSE: the station answered with an error, or with a payload that fails the OCPP schema'),
  504: ErrorRef('OCPP_TIMEOUT: no answer within ocpp.callTimeoutSeconds'),
};

// ---- the station page's detail (stations.ts) ----

export const StationDetailView = Type.Object({
  stationId: Type.String(),
  online: Type.Boolean(),
  node: Nullable(Type.String({ description: 'in a cluster, the node that holds the station’s connection; null on a single process or while offline' })),
  vendorName: Nullable(Type.String()),
  model: Nullable(Type.String()),
  serialNumber: Nullable(Type.String()),
  firmwareVersion: Nullable(Type.String()),
  securityProfile: Type.Integer(),
  lastBootAt: Nullable(Iso()),
  lastBootStatus: Nullable(Type.String()),
  lastSeenAt: Nullable(Iso()),
  lastConnectedAt: Nullable(Iso()),
  lastDisconnectedAt: Nullable(Iso()),
  sites: Type.Array(Type.String(), { description: 'the sites the station’s EVSEs are placed on' }),
  evses: Type.Array(Type.Object({
    evseId: Type.Integer(),
    transactionId: Nullable(Type.String()),
    connectors: Type.Array(Type.Object({ connectorId: Type.Integer(), status: Type.String(), statusAt: Iso() })),
  })),
  capabilities: Type.Array(Type.Object({ variable: Type.String(), value: Nullable(Type.String()) }), { description: 'SmartChargingCtrlr variables as last read' }),
  messages: Type.Array(Type.Object({
    action: Type.String(),
    receivedAt: Iso(),
    payload: Type.Unknown({ description: 'as the station sent it; null when it was over the size cap' }),
    cutBytes: Nullable(Type.Integer({ description: 'the size of a message kept only in part' })),
  }), { description: 'the newest 100 messages from the station, newest first' }),
});
