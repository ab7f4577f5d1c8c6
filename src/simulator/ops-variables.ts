/**
 * The simulated station's maintenance variables beside SmartChargingCtrlr and SampledDataCtrlr (station-variables.ts):
 * OCPPCommCtrlr, TxCtrlr, AuthCacheCtrlr, each with the characteristics a NotifyReport describes (B07), and the
 * B07 base report built from the whole variable map.
 */
import type { DataEnumType, NotifyReportRequest, ReportDataType } from '../ocpp/schemas/generated/NotifyReportRequest.js';
import { booleanVariable, integerVariable, readOnly, variableKey, type Variable, type Variables } from './device-model.js';

/** What a NotifyReport says of a variable beyond its value. */
export interface Characteristics {
  unit?: string;
  dataType?: DataEnumType;
  /** SetVariables answers RebootRequired (B05.FR.?) for it: stored now, effective after a reboot. */
  rebootRequired?: boolean;
}

/** Settings the station acts on; the station reads them where it needs them. */
export class MaintenanceSettings {
  authCacheEnabled = true;
  evConnectionTimeOutS = 120;
  stopTxOnInvalidId = true;
  webSocketPingIntervalS = 30;
  constructor(public heartbeatIntervalS: number, public readonly messageTimeoutS: number, private readonly onHeartbeatChanged: () => void) {}

  setHeartbeat(seconds: number): void {
    this.heartbeatIntervalS = seconds;
    this.onHeartbeatChanged();
  }
}

export function maintenanceVariables(m: MaintenanceSettings): { variables: Variables; characteristics: Record<string, Characteristics> } {
  const oc = (name: string, instance?: string) => variableKey('OCPPCommCtrlr', name, instance);
  const tx = (name: string) => variableKey('TxCtrlr', name);
  const variables: Variables = {
    [oc('HeartbeatInterval')]: integerVariable(() => m.heartbeatIntervalS, (n) => m.setHeartbeat(n), 1, 86_400),
    [oc('MessageTimeout', 'Default')]: readOnly(() => String(m.messageTimeoutS)),
    [oc('WebSocketPingInterval')]: integerVariable(() => m.webSocketPingIntervalS, (n) => void (m.webSocketPingIntervalS = n), 0, 3600),
    [tx('EVConnectionTimeOut')]: integerVariable(() => m.evConnectionTimeOutS, (n) => void (m.evConnectionTimeOutS = n), 1, 3600),
    [tx('StopTxOnInvalidId')]: booleanVariable(() => m.stopTxOnInvalidId, (b) => void (m.stopTxOnInvalidId = b)),
    [tx('TxStartPoint')]: readOnly(() => 'Authorized'),
    [variableKey('AuthCacheCtrlr', 'Enabled')]: booleanVariable(() => m.authCacheEnabled, (b) => void (m.authCacheEnabled = b)),
  };
  const characteristics: Record<string, Characteristics> = {
    [oc('HeartbeatInterval')]: { unit: 's', dataType: 'integer' },
    [oc('MessageTimeout', 'Default')]: { unit: 's', dataType: 'integer' },
    [oc('WebSocketPingInterval')]: { unit: 's', dataType: 'integer', rebootRequired: true },
    [tx('EVConnectionTimeOut')]: { unit: 's', dataType: 'integer' },
    [variableKey('SampledDataCtrlr', 'TxUpdatedInterval')]: { unit: 's', dataType: 'integer' },
    [variableKey('SmartChargingCtrlr', 'RateUnit')]: { dataType: 'MemberList' },
  };
  return { variables, characteristics };
}

/** `Component.Variable[Instance]` back into its parts. */
function parseKey(key: string): { component: string; variable: string; instance?: string } {
  const m = /^([^.]+)\.([^[]+)(?:\[(.+)\])?$/.exec(key);
  if (!m) throw new Error(`bad variable key ${key}`);
  return { component: m[1]!, variable: m[2]!, ...(m[3] ? { instance: m[3] } : {}) };
}

function inferType(value: string): DataEnumType {
  if (value === 'true' || value === 'false') return 'boolean';
  return /^-?\d+$/.test(value) ? 'integer' : 'string';
}

/**
 * B07: the report as NotifyReport payloads of at most `perMessage` variables, tbc on all but the last. Full: every
 * variable; Configuration: only those that can be written (B07.FR.?: ConfigurationInventory).
 */
export function baseReport(
  vars: Variables, characteristics: Record<string, Characteristics>, base: 'FullInventory' | 'ConfigurationInventory',
  requestId: number, generatedAt: string, perMessage = 10,
): NotifyReportRequest[] {
  const items = Object.entries(vars)
    .filter(([, v]) => base === 'FullInventory' || v.set !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, v]: [string, Variable]): ReportDataType => {
      const { component, variable, instance } = parseKey(key);
      const value = v.get();
      const c = characteristics[key] ?? {};
      return {
        component: { name: component },
        variable: { name: variable, ...(instance ? { instance } : {}) },
        variableAttribute: [{ type: 'Actual', value, mutability: v.set ? 'ReadWrite' : 'ReadOnly', persistent: true, constant: !v.set }],
        variableCharacteristics: { dataType: c.dataType ?? inferType(value), supportsMonitoring: false, ...(c.unit ? { unit: c.unit } : {}) },
      };
    });
  const out: NotifyReportRequest[] = [];
  for (let i = 0, seqNo = 0; i < items.length; i += perMessage, seqNo++) {
    const chunk = items.slice(i, i + perMessage) as [ReportDataType, ...ReportDataType[]];
    out.push({ requestId, generatedAt, seqNo, reportData: chunk, ...(i + perMessage < items.length ? { tbc: true } : {}) });
  }
  return out;
}
