/**
 * K09: GetChargingProfiles answered by one or more ReportChargingProfiles. The reports arrive as CALLs of
 * their own, tied to our request only by requestId (K09.FR.01), the last one with tbc false (K09.FR.02).
 */
import type { OcppEvents } from '../../domain/ocpp-events.js';
import { ChargerError, type InstalledProfile } from '../../domain/plans.js';
import type { Clock, TimerHandle } from '../../platform/clock.js';
import type { CsmsAction, RequestOf, ResponseOf } from '../schemas/generated/index.js';
import { chargerErrorFrom } from './errors.js';

export type Report = OcppEvents['charging.profiles.reported'];
export type StationCall = <A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>) => Promise<ResponseOf<A>>;
export type OnReported = (event: 'charging.profiles.reported', fn: (report: Report) => void) => () => void;

type Purpose = NonNullable<RequestOf<'GetChargingProfiles'>['chargingProfile']['chargingProfilePurpose']>;

export interface CollectDeps {
  call: StationCall;
  on: OnReported;
  clock: Clock;
  /** How long to wait for the next report after the last message from this request. */
  reportTimeoutMs: number;
}

/**
 * One GetChargingProfiles for one purpose (K09.FR.03: the criteria must name a purpose, a stack level, a
 * source or ids; the purpose field takes one value, so each purpose is its own request).
 */
export async function profilesFor(deps: CollectDeps, stationId: string, requestId: number, purpose: Purpose): Promise<InstalledProfile[]> {
  const collected: InstalledProfile[] = [];
  let complete = false;
  let timer: TimerHandle | undefined;
  let settle!: { resolve: () => void; reject: (err: ChargerError) => void };
  const finished = new Promise<void>((resolve, reject) => void (settle = { resolve, reject }));
  finished.catch(() => undefined); // rejected only while awaited; never left unhandled
  // Each part restarts the wait: a station with many profiles may take a while in total.
  const arm = () => {
    timer?.cancel();
    timer = deps.clock.setTimer(deps.reportTimeoutMs, () => settle.reject(timeout(stationId, requestId, collected.length)));
  };
  // Listen before asking: a report may be handled before our call's promise continues.
  const off = deps.on('charging.profiles.reported', (r) => {
    if (r.stationId !== stationId || r.requestId !== requestId || complete) return;
    collected.push(...r.profiles.map((p) => ({
      evseId: r.evseId, profileId: p.id, stackLevel: p.stackLevel, purpose: p.purpose, transactionId: p.transactionId,
    })));
    complete = !r.tbc;
    if (complete) settle.resolve();
    else if (timer) arm();
  });
  try {
    const payload = { requestId, chargingProfile: { chargingProfilePurpose: purpose } };
    const res = await deps.call(stationId, 'GetChargingProfiles', payload).catch((err: unknown) => {
      throw chargerErrorFrom(err, payload);
    });
    if (res.status === 'NoProfiles') return [];
    if (!complete) arm();
    await finished;
    return collected;
  } finally {
    timer?.cancel();
    off();
  }
}

function timeout(stationId: string, requestId: number, received: number): ChargerError {
  return new ChargerError(
    'OCPP_TIMEOUT',
    `ReportChargingProfiles for requestId ${requestId} from ${stationId}: no final report (tbc false) in time, ${received} profiles received`,
    true,
  );
}
