/**
 * The few device-model variables a smart-charging CSMS reads and writes (Part 2 appendices: SmartChargingCtrlr,
 * SampledDataCtrlr), answered the way B06 GetVariables and B05 SetVariables prescribe.
 */
import type { GetVariablesRequest } from '../ocpp/schemas/generated/GetVariablesRequest.js';
import type { GetVariableResultType, GetVariablesResponse } from '../ocpp/schemas/generated/GetVariablesResponse.js';
import type { SetVariablesRequest } from '../ocpp/schemas/generated/SetVariablesRequest.js';
import type { SetVariableResultType, SetVariablesResponse } from '../ocpp/schemas/generated/SetVariablesResponse.js';

export interface Variable {
  get(): string;
  /** Absent for ReadOnly variables. Returns false when the value is not acceptable. */
  set?(value: string): boolean;
}

/** Keys are `Component.Variable` or `Component.Variable[Instance]`. */
export type Variables = Record<string, Variable>;

export const readOnly = (get: () => string): Variable => ({ get });

export function variableKey(component: string, variable: string, instance?: string): string {
  return `${component}.${variable}${instance ? `[${instance}]` : ''}`;
}

function lookup(vars: Variables, component: string, name: string, instance?: string): Variable | 'UnknownComponent' | 'UnknownVariable' {
  const found = vars[variableKey(component, name, instance)];
  if (found) return found;
  return Object.keys(vars).some((k) => k.startsWith(`${component}.`)) ? 'UnknownVariable' : 'UnknownComponent';
}

/** B06: one result per requested variable; only the Actual attribute exists here. */
export function getVariables(vars: Variables, req: GetVariablesRequest): GetVariablesResponse {
  const results = req.getVariableData.map((d): GetVariableResultType => {
    const base = { component: d.component, variable: d.variable };
    if ((d.attributeType ?? 'Actual') !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
    const v = lookup(vars, d.component.name, d.variable.name, d.variable.instance);
    if (typeof v === 'string') return { ...base, attributeStatus: v };
    return { ...base, attributeStatus: 'Accepted', attributeValue: v.get() };
  });
  return { getVariableResult: results as GetVariablesResponse['getVariableResult'] };
}

/** B05: ReadOnly variables and unacceptable values are Rejected. */
export function setVariables(vars: Variables, req: SetVariablesRequest): SetVariablesResponse {
  const results = req.setVariableData.map((d): SetVariableResultType => {
    const base = { component: d.component, variable: d.variable };
    if ((d.attributeType ?? 'Actual') !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
    const v = lookup(vars, d.component.name, d.variable.name, d.variable.instance);
    if (typeof v === 'string') return { ...base, attributeStatus: v };
    return { ...base, attributeStatus: v.set?.(d.attributeValue) ? 'Accepted' : 'Rejected' };
  });
  return { setVariableResult: results as SetVariablesResponse['setVariableResult'] };
}

/** A ReadWrite integer variable within [min, max]. */
export function integerVariable(get: () => number, set: (n: number) => void, min = 0, max = Number.MAX_SAFE_INTEGER): Variable {
  return {
    get: () => String(get()),
    set(value) {
      if (!/^-?\d+$/.test(value.trim())) return false;
      const n = Number.parseInt(value, 10);
      if (n < min || n > max) return false;
      set(n);
      return true;
    },
  };
}

/** A ReadWrite boolean variable ("true"/"false"). */
export function booleanVariable(get: () => boolean, set: (b: boolean) => void): Variable {
  return {
    get: () => String(get()),
    set(value) {
      const v = value.trim().toLowerCase();
      if (v !== 'true' && v !== 'false') return false;
      set(v === 'true');
      return true;
    },
  };
}
