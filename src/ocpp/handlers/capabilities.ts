import type { DeviceVariable, SmartChargingCapabilities } from '../../domain/stations.js';
import type { GetVariableDataType } from '../schemas/generated/GetVariablesRequest.js';
import type { GetVariableResultType } from '../schemas/generated/GetVariablesResponse.js';
import { OcppCallError } from '../rpc/call-error.js';
import { nonEmpty } from '../non-empty.js';
import { deviceVariable } from './device-variable.js';
import type { HandlerContext } from './types.js';
import { emitEvent } from '../emit.js';

const COMPONENT = 'SmartChargingCtrlr';

/** The variables the profile builder needs (Part 2 appendices, SmartChargingCtrlr). */
export const SMART_CHARGING_VARIABLES: { name: string; instance?: string }[] = [
  { name: 'Enabled' },
  { name: 'RateUnit' },
  { name: 'PeriodsPerSchedule' },
  { name: 'ProfileStackLevel' },
  { name: 'Entries', instance: 'ChargingProfiles' },
  { name: 'Phases3to1' },
  { name: 'ACPhaseSwitchingSupported' },
];

const request = (vars: typeof SMART_CHARGING_VARIABLES): [GetVariableDataType, ...GetVariableDataType[]] =>
  nonEmpty(vars.map((v) => ({
    component: { name: COMPONENT },
    variable: v.instance ? { name: v.name, instance: v.instance } : { name: v.name },
  })));

/**
 * Reads the station's smart-charging capabilities with GetVariables and stores them as device-model variables.
 * One request for all seven; a station whose DeviceDataCtrlr.ItemsPerMessage is smaller may refuse that with a
 * CALLERROR, so then each variable is asked for on its own.
 */
export async function readSmartChargingCapabilities(ctx: HandlerContext): Promise<SmartChargingCapabilities> {
  let results: GetVariableResultType[];
  try {
    results = (await ctx.call('GetVariables', { getVariableData: request(SMART_CHARGING_VARIABLES) })).getVariableResult;
  } catch (err) {
    if (!(err instanceof OcppCallError) || err.kind !== 'CallError') throw err;
    results = [];
    for (const v of SMART_CHARGING_VARIABLES) {
      const one = await ctx.call('GetVariables', { getVariableData: request([v]) });
      results.push(...one.getVariableResult);
    }
  }
  const at = new Date(ctx.services.clock.now()).toISOString();
  const variables: DeviceVariable[] = results
    .filter((r) => r.attributeStatus === 'Accepted')
    .map((r) => deviceVariable(r, { attributeType: r.attributeType, value: r.attributeValue ?? null }));
  await ctx.services.deviceModel.upsert(ctx.stationId, variables, 'GetVariables', at);
  const capabilities = capabilitiesFrom(variables);
  emitEvent(ctx.services, 'station.capabilities', { stationId: ctx.stationId, capabilities });
  return capabilities;
}

/** Interprets SmartChargingCtrlr variables; an unknown or unreadable variable stays null. */
export function capabilitiesFrom(variables: DeviceVariable[]): SmartChargingCapabilities {
  const value = (name: string) =>
    variables.find((v) => v.component === COMPONENT && v.variable === name && (v.attributeType ?? 'Actual') === 'Actual')?.value ?? null;
  const bool = (name: string) => {
    const v = value(name);
    return v === null ? null : v.trim().toLowerCase() === 'true';
  };
  const int = (name: string) => {
    const v = value(name);
    const n = v === null ? NaN : Number.parseInt(v, 10);
    return Number.isFinite(n) ? n : null;
  };
  const units = (value('RateUnit') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u): u is 'A' | 'W' => u === 'A' || u === 'W');
  return {
    enabled: bool('Enabled'),
    rateUnits: units,
    periodsPerSchedule: int('PeriodsPerSchedule'),
    profileStackLevel: int('ProfileStackLevel'),
    entries: int('Entries'),
    phases3to1: bool('Phases3to1'),
    acPhaseSwitchingSupported: bool('ACPhaseSwitchingSupported'),
  };
}
