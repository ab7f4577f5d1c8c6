/**
 * What known device-model variables mean, for the table people read (OCPP 2.0.1 Part 2 appendices, the
 * controller components). A station's own unit wins; these fill in where its report has none.
 */
interface Known {
  label: string;
  unit?: string;
}

const KNOWN: Record<string, Known> = {
  'OCPPCommCtrlr.HeartbeatInterval': { label: 'Seconds between heartbeats when nothing else is sent', unit: 's' },
  'OCPPCommCtrlr.MessageTimeout': { label: 'Seconds the station waits for an answer to a CALL', unit: 's' },
  'OCPPCommCtrlr.WebSocketPingInterval': { label: 'Seconds between WebSocket pings (0: none)', unit: 's' },
  'OCPPCommCtrlr.MessageAttempts': { label: 'How often a TransactionEvent is sent before it is given up' },
  'OCPPCommCtrlr.MessageAttemptInterval': { label: 'Seconds between TransactionEvent attempts', unit: 's' },
  'OCPPCommCtrlr.OfflineThreshold': { label: 'Seconds offline after which the station reports every connector again', unit: 's' },
  'OCPPCommCtrlr.ResetRetries': { label: 'How often the station retries a reset that failed' },
  'SmartChargingCtrlr.Enabled': { label: 'Smart charging (charging profiles) is on' },
  'SmartChargingCtrlr.Available': { label: 'The station supports smart charging' },
  'SmartChargingCtrlr.RateUnit': { label: 'Units a charging schedule may use (A, W)' },
  'SmartChargingCtrlr.PeriodsPerSchedule': { label: 'Most periods one charging schedule may have' },
  'SmartChargingCtrlr.ProfileStackLevel': { label: 'Highest stack level a profile may have' },
  'SmartChargingCtrlr.Entries': { label: 'Charging profiles installed now' },
  'SmartChargingCtrlr.Phases3to1': { label: 'Can switch from three phases to one during a transaction' },
  'SmartChargingCtrlr.ACPhaseSwitchingSupported': { label: 'Can choose the phase for single-phase charging' },
  'SmartChargingCtrlr.LimitChangeSignificance': { label: 'Fraction of change in the limit that is reported (NotifyChargingLimit)' },
  'SmartChargingCtrlr.ExternalControlSignalsEnabled': { label: 'Limits from outside (EMS, grid) are taken into account' },
  'TxCtrlr.EVConnectionTimeOut': { label: 'Seconds a driver has to plug in after authorizing', unit: 's' },
  'TxCtrlr.StopTxOnInvalidId': { label: 'A transaction stops when the CSMS rejects its id token' },
  'TxCtrlr.StopTxOnEVSideDisconnect': { label: 'A transaction stops when the cable is unplugged at the car' },
  'TxCtrlr.TxStartPoint': { label: 'What starts a transaction (Authorized, EVConnected, PowerPathClosed...)' },
  'TxCtrlr.TxStopPoint': { label: 'What ends a transaction' },
  'TxCtrlr.MaxEnergyOnInvalidId': { label: 'Energy allowed after the id token turned out invalid', unit: 'Wh' },
  'SampledDataCtrlr.TxUpdatedInterval': { label: 'Seconds between meter samples during a transaction', unit: 's' },
  'SampledDataCtrlr.TxUpdatedMeasurands': { label: 'Measurands sampled during a transaction' },
  'SampledDataCtrlr.TxStartedMeasurands': { label: 'Measurands sent when a transaction starts' },
  'SampledDataCtrlr.TxEndedMeasurands': { label: 'Measurands sent when a transaction ends' },
  'AuthCacheCtrlr.Enabled': { label: 'The station keeps an authorization cache (ClearCache empties it)' },
};

/** The label and default unit of `Component.Variable`, or null for a variable we do not know. */
export function knownVariable(component: string, variable: string): Known | null {
  return KNOWN[`${component}.${variable}`] ?? null;
}

/** The known variables, `Component.Variable` (the pages' catalogs say each one's meaning: `dm.<Component>.<Variable>`). */
export const KNOWN_VARIABLES: readonly string[] = Object.keys(KNOWN);
