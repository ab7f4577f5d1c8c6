/**
 * Utilisation (issue 17): how busy each EVSE, station and site was over a period, from the sessions and the EVSE
 * state log (src/domain/utilisation.ts). Pure: the history is read once by the caller; nothing here awaits.
 *
 * Per EVSE, the period is cut where anything changes, and each piece is classified:
 * - plugged in (occupied): a transaction runs, or a connector reports Occupied (G01; a session may start only at
 *   authorisation, TxStartPoint);
 * - charging: a transaction runs and its chargingState is Charging (E02); plugged in but not charging is idle;
 * - out of service: every connector of the EVSE reported is Unavailable or Faulted (G03/G04 Inoperative, or a fault);
 * - available: the station is connected (its WebSocket) and the EVSE is not out of service. Before the log knows a
 *   station's link the time is unknown, and availability is a share of the known time only;
 * - taken: plugged in, out of service or its station disconnected. All EVSEs of the site taken at once is
 *   "all taken"; an Authorize (C01) at one of the site's stations during that time is a driver who found none
 *   (E07.FR.01: ending one's own session needs no Authorize).
 * A session counts in the period it started in; its energy is spread over its time plugged in (a session across the
 * period's edge counts the part inside). Measured up to `nowMs`: the future part of a period is not counted.
 */
import type { EvseStateRow, UtilisationHistory, UtilisationSession } from '../domain/utilisation.js';
import { addByHour, hourGrid, type HourGrid, type UtilisationPeriod } from './utilisation-calendar.js';
import { saturation, type Saturation } from './utilisation-words.js';

export interface TimeShares {
  /** Hours plugged in, charging, plugged in but not charging, available, out of service, disconnected, with a known link. */
  pluggedH: number;
  chargingH: number;
  idleH: number;
  availableH: number;
  outOfServiceH: number;
  offlineH: number;
  knownH: number;
  /** pluggedH over the period's hours (x the EVSEs counted). */
  occupancy: number;
  /** chargingH over pluggedH; null when never plugged in. */
  chargingShare: number | null;
  /** availableH over knownH; null when the link was never known. */
  availability: number | null;
  sessions: number;
  energyKwh: number;
}

export interface EvseUtilisation extends TimeShares { stationId: string; evseId: number }
export interface StationUtilisation extends TimeShares { stationId: string; evses: number }

export interface SiteUtilisation extends TimeShares {
  siteId: string;
  period: UtilisationPeriod;
  /** Hours of the period measured (up to now). */
  periodH: number;
  evses: number;
  allTakenH: number;
  allTakenShare: number;
  /** Authorize requests while every EVSE of the site was taken. */
  foundNone: number;
  /** Hour of week (0 = Monday 00:00) -> measured hours, plugged-in EVSE-hours, all-taken hours. */
  heat: { hours: number[]; pluggedH: number[]; allTakenH: number[] };
  saturation: Saturation;
  stations: StationUtilisation[];
  evseRows: EvseUtilisation[];
}

export interface UtilisationInput {
  site: { id: string; evses: readonly { stationId: string; evseId: number }[] };
  period: UtilisationPeriod;
  nowMs: number;
  history: UtilisationHistory;
}

const H = 3_600_000;
const OUT = new Set(['Unavailable', 'Faulted']);

interface Acc { plugged: number; charging: number; available: number; out: number; offline: number; known: number; sessions: number; energyWh: number }
const emptyAcc = (): Acc => ({ plugged: 0, charging: 0, available: 0, out: 0, offline: 0, known: 0, sessions: 0, energyWh: 0 });

/** A change on one EVSE's timeline. */
type Change =
  | { t: number; kind: 'tx'; delta: 1 | -1 }
  | { t: number; kind: 'connector'; connectorId: number; value: string }
  | { t: number; kind: 'charging'; value: string }
  | { t: number; kind: 'link'; value: string };

export function computeUtilisation(input: UtilisationInput): SiteUtilisation {
  const { site, period } = input;
  const start = period.startMs;
  const end = Math.max(start, Math.min(period.endMs, input.nowMs));
  const grid = hourGrid(period.zone, start, end);
  const heatHours = new Float64Array(168);
  addByHour(grid, heatHours, start, end);
  const heatPlugged = new Float64Array(168);
  const byEvse = groupHistory(input.history, start, end);
  const taken: { t: number; d: number }[] = [];
  const sessionsOf = groupSessions(input.history.sessions);
  const evseRows = site.evses.map((e) => {
    const acc = sweepEvse(byEvse(e.stationId, e.evseId), start, end, grid, heatPlugged, taken);
    for (const s of sessionsOf.get(`${e.stationId}#${e.evseId}`) ?? []) addSession(acc, s, start, end, input.nowMs);
    return { stationId: e.stationId, evseId: e.evseId, ...shares(acc, end - start) };
  });
  const all = allTaken(taken, site.evses.length, grid);
  const foundNone = input.history.log.filter((r) => r.kind === 'authorize').map((r) => Date.parse(r.at))
    .filter((t) => t >= start && t < end && within(all.spans, t)).length;
  const stations = [...new Set(site.evses.map((e) => e.stationId))].map((stationId) => {
    const rows = evseRows.filter((r) => r.stationId === stationId);
    return { stationId, evses: rows.length, ...sumShares(rows, end - start) };
  });
  const periodMs = end - start;
  const toH = (a: Float64Array) => [...a].map((x) => round(x / H));
  const heat = { hours: toH(heatHours), pluggedH: toH(heatPlugged), allTakenH: toH(all.heat) };
  const allTakenH = round(all.ms / H);
  return {
    siteId: site.id, period, periodH: round(periodMs / H), evses: site.evses.length, ...sumShares(evseRows, periodMs),
    allTakenH, allTakenShare: periodMs > 0 ? ratio(all.ms / periodMs) : 0, foundNone, heat,
    saturation: saturation(site.evses.length, heat, foundNone),
    stations, evseRows,
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const ratio = (x: number) => Math.round(x * 1_000_000) / 1_000_000;

function shares(a: Acc, periodMs: number, evses = 1): TimeShares {
  return {
    pluggedH: round(a.plugged / H), chargingH: round(a.charging / H), idleH: round((a.plugged - a.charging) / H),
    availableH: round(a.available / H), outOfServiceH: round(a.out / H), offlineH: round(a.offline / H), knownH: round(a.known / H),
    occupancy: periodMs > 0 ? ratio(a.plugged / (periodMs * evses)) : 0,
    chargingShare: a.plugged > 0 ? ratio(a.charging / a.plugged) : null,
    availability: a.known > 0 ? ratio(a.available / a.known) : null,
    sessions: a.sessions, energyKwh: Math.round(a.energyWh) / 1000,
  };
}

function sumShares(rows: readonly TimeShares[], periodMs: number): TimeShares {
  const a = emptyAcc();
  for (const r of rows) {
    a.plugged += r.pluggedH * H; a.charging += r.chargingH * H; a.available += r.availableH * H; a.out += r.outOfServiceH * H;
    a.offline += r.offlineH * H; a.known += r.knownH * H; a.sessions += r.sessions; a.energyWh += r.energyKwh * 1000;
  }
  return shares(a, periodMs, Math.max(1, rows.length));
}

/** The history split per EVSE (and per station for the link), each piece sorted by time. */
function groupHistory(h: UtilisationHistory, start: number, end: number): (stationId: string, evseId: number) => Change[] {
  const evse = new Map<string, Change[]>();
  const link = new Map<string, Change[]>();
  const push = (m: Map<string, Change[]>, k: string, c: Change) => { const l = m.get(k); if (l) l.push(c); else m.set(k, [c]); };
  for (const r of h.log) {
    const t = Math.max(start, Date.parse(r.at));
    if (t >= end || r.kind === 'authorize') continue;
    if (r.kind === 'link') push(link, r.stationId, { t, kind: 'link', value: r.value });
    else push(evse, `${r.stationId}#${r.evseId}`, rowChange(r, t));
  }
  for (const s of h.sessions) {
    const a = Math.max(start, Date.parse(s.startedAt));
    const b = Math.min(end, s.endedAt === null ? end : Date.parse(s.endedAt));
    if (b <= a) continue;
    push(evse, `${s.stationId}#${s.evseId}`, { t: a, kind: 'tx', delta: 1 });
    if (b < end) push(evse, `${s.stationId}#${s.evseId}`, { t: b, kind: 'tx', delta: -1 });
  }
  return (stationId, evseId) => [...(link.get(stationId) ?? []), ...(evse.get(`${stationId}#${evseId}`) ?? [])].sort((x, y) => x.t - y.t);
}

function rowChange(r: EvseStateRow, t: number): Change {
  return r.kind === 'connector' ? { t, kind: 'connector', connectorId: r.connectorId, value: r.value } : { t, kind: 'charging', value: r.value };
}

/** One EVSE's time in each state; its plugged-in time into the heat map and its taken spans into `taken`. */
function sweepEvse(changes: readonly Change[], start: number, end: number, grid: HourGrid, heat: Float64Array, taken: { t: number; d: number }[]): Acc {
  const acc = emptyAcc();
  const connectors = new Map<number, string>();
  // Counts over `connectors`, kept as they change (a year is ~100,000 pieces; no array per piece).
  let occupiedCount = 0;
  let outCount = 0;
  let tx = 0;
  let charging = '';
  let link: string | undefined;
  let takenSince: number | null = null;
  let t = start;
  let k = 0;
  while (t < end) {
    while (k < changes.length && changes[k]!.t <= t) {
      const c = changes[k++]!;
      if (c.kind === 'tx') tx += c.delta;
      else if (c.kind === 'connector') {
        const before = connectors.get(c.connectorId);
        if (before === 'Occupied') occupiedCount--;
        if (before !== undefined && OUT.has(before)) outCount--;
        connectors.set(c.connectorId, c.value);
        if (c.value === 'Occupied') occupiedCount++;
        if (OUT.has(c.value)) outCount++;
      }
      else if (c.kind === 'charging') charging = c.value;
      else link = c.value;
    }
    const next = k < changes.length ? Math.min(end, changes[k]!.t) : end;
    const dt = next - t;
    const plugged = tx > 0 || occupiedCount > 0;
    const out = connectors.size > 0 && outCount === connectors.size;
    if (plugged) { acc.plugged += dt; addByHour(grid, heat, t, next); }
    if (tx > 0 && charging === 'Charging') acc.charging += dt;
    if (out) acc.out += dt;
    if (link !== undefined) acc.known += dt;
    if (link === 'disconnected') acc.offline += dt;
    if (link === 'connected' && !out) acc.available += dt;
    const isTaken = plugged || out || link === 'disconnected';
    if (isTaken && takenSince === null) takenSince = t;
    if (!isTaken && takenSince !== null) { taken.push({ t: takenSince, d: 1 }, { t, d: -1 }); takenSince = null; }
    t = next;
  }
  if (takenSince !== null) taken.push({ t: takenSince, d: 1 }, { t: end, d: -1 });
  return acc;
}

function groupSessions(sessions: readonly UtilisationSession[]): Map<string, UtilisationSession[]> {
  const out = new Map<string, UtilisationSession[]>();
  for (const s of sessions) {
    const k = `${s.stationId}#${s.evseId}`;
    const l = out.get(k);
    if (l) l.push(s);
    else out.set(k, [s]);
  }
  return out;
}

/** A session counts where it started; its energy by the share of its time (up to now while it runs) inside the period. */
function addSession(acc: Acc, s: UtilisationSession, start: number, end: number, nowMs: number): void {
  const a = Date.parse(s.startedAt);
  const b = s.endedAt === null ? Math.max(a, nowMs) : Date.parse(s.endedAt);
  if (a >= start && a < end) acc.sessions++;
  if (s.energyWh === null || s.energyWh <= 0) return;
  const inside = Math.max(0, Math.min(b, end) - Math.max(a, start));
  acc.energyWh += b > a ? (s.energyWh * inside) / (b - a) : a >= start && a < end ? s.energyWh : 0;
}

/** The spans when all `n` EVSEs were taken, their total and their hours of week. */
function allTaken(taken: { t: number; d: number }[], n: number, grid: HourGrid): { ms: number; spans: [number, number][]; heat: Float64Array } {
  const heat = new Float64Array(168);
  const spans: [number, number][] = [];
  if (n === 0) return { ms: 0, spans, heat };
  // Ends before starts at one instant: an EVSE freed as another is taken leaves a gap of zero, not a false "all taken".
  taken.sort((x, y) => x.t - y.t || x.d - y.d);
  let count = 0;
  let since = 0;
  let ms = 0;
  for (const e of taken) {
    const before = count;
    count += e.d;
    if (before < n && count === n) since = e.t;
    if (before === n && count < n && e.t > since) { spans.push([since, e.t]); ms += e.t - since; addByHour(grid, heat, since, e.t); }
  }
  return { ms, spans, heat };
}

/** Is `t` inside one of the sorted, disjoint spans [a, b)? */
function within(spans: readonly [number, number][], t: number): boolean {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = spans[mid]!;
    if (t < a) hi = mid - 1;
    else if (t >= b) lo = mid + 1;
    else return true;
  }
  return false;
}
