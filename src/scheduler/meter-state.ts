/**
 * What a running session's meter says beyond its last energy register reading (issue 21). Stations sample the
 * register every few minutes (5 in the outcome bench), and a plan made between two samples counted only the energy
 * of the last one, so it planned up to five minutes of charging again. And a car that is full stops drawing: it
 * counts as done, not as short. Pure: readings in, numbers out.
 */
import { energyRegisterReadings, powerReadingsW } from '../domain/meter.js';
import type { PowerPeriod } from '../domain/plans.js';
import type { MeterSample } from '../domain/stations.js';
import { limitAt } from './power-periods.js';

/** Readings older than this say nothing about now: a meter that went quiet is not extrapolated any further. */
export const METER_WINDOW_MS = 15 * 60_000;
/** Power below this (kW) is no charging. */
const IDLE_KW = 0.1;
/** The register rising by less than this (kWh) over STOP_SPAN_MS is a car that stopped drawing. */
const STOP_RISE_KWH = 0.01;
const STOP_SPAN_MS = 4 * 60_000;

/** The recent meter of one session, as read from the store once per cycle. */
export interface MeterReadout {
  /** The OCPP chargingState of the transaction (Charging, SuspendedEV, SuspendedEVSE, EVConnected, Idle), if known. */
  chargingState: string | null;
  /** Register readings within METER_WINDOW_MS before now, oldest first. */
  registers: { ms: number; wh: number }[];
  /** The latest power reading within the window, kW, with its instant. */
  power: { ms: number; kw: number } | null;
}

/** Reads the readout from the session's samples of the last METER_WINDOW_MS (outlet, whole EVSE; domain/meter.ts). */
export function meterReadout(samples: readonly MeterSample[], chargingState: string | null): MeterReadout {
  const last = powerReadingsW(samples).at(-1);
  const power = last && Number.isFinite(Date.parse(last.at)) ? { ms: Date.parse(last.at), kw: last.w / 1000 } : null;
  return { chargingState, registers: energyRegisterReadings(samples), power };
}

/**
 * Energy the car has taken since the latest register reading, kWh: the latest reported power (Power.Active.Import)
 * times the time since, never above the car's maximum nor the limit its charger holds at each moment, never for a
 * car that is not charging (any other chargingState, or no power), and never for longer than METER_WINDOW_MS after
 * the reading (a meter gone quiet is not a car charging on).
 */
export function energySinceRegisterKwh(m: MeterReadout, now: number, capKw: number, held: readonly PowerPeriod[] | null): number {
  const reg = m.registers.at(-1);
  if (!reg || !m.power || (m.chargingState !== null && m.chargingState !== 'Charging')) return 0;
  // A power reading from before the register's (a minute and more) is not today's draw.
  if (m.power.ms < reg.ms - 60_000 || m.power.kw < IDLE_KW) return 0;
  const to = Math.min(now, reg.ms + METER_WINDOW_MS);
  if (!(to > reg.ms)) return 0;
  const kw = Math.min(m.power.kw, capKw);
  // The held limit changes at its periods' starts: integrate min(power, limit) over [reading, now).
  const cuts = [reg.ms, ...(held ?? []).map((p) => p.startMs).filter((t) => t > reg.ms && t < to), to];
  let kwh = 0;
  for (let k = 0; k + 1 < cuts.length; k++) {
    const limit = held ? limitAt(held, cuts[k]!, Infinity) : Infinity;
    kwh += Math.max(0, Math.min(kw, limit)) * ((cuts[k + 1]! - cuts[k]!) / 3_600_000);
  }
  return kwh;
}

/**
 * A car that stopped drawing while its charger offered it power: full (or held by its own limit). The meter shows
 * it: the register not rising over several minutes while the charger held at least the car's minimum, and no power
 * drawn. chargingState SuspendedEV alone is not enough: a car that has not yet followed a raised limit reports it
 * for a moment (bench:outcome's simulated cars did at slot boundaries, and counted done they were left short).
 */
export function stoppedDrawing(m: MeterReadout, offeredKw: (ms: number) => number, minKw: number): boolean {
  const offers = (ms: number) => offeredKw(ms) >= Math.max(minKw, 1) - 1e-6;
  const regs = m.registers;
  const last = regs.at(-1);
  if (!last || (m.power && m.power.kw >= IDLE_KW)) return false;
  const first = [...regs].reverse().find((r) => last.ms - r.ms >= STOP_SPAN_MS);
  if (!first || (last.wh - first.wh) / 1000 >= STOP_RISE_KWH) return false;
  return regs.filter((r) => r.ms >= first.ms).every((r) => offers(r.ms));
}
