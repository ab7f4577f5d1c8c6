/**
 * What holds per station (issue 17), fed by the product's events through src/wiring/alerts.ts: offline longer than
 * N minutes, a Faulted connector, a charger that accepts profiles but does not follow them, security events, a failed
 * firmware update or log upload. In memory: after a restart each condition is learned again from the next event
 * (offline from the start, since no station is connected then), and the engine keeps the stored alerts.
 */
import type { AlertCondition, OperationFailures } from '../../domain/alerts.js';
import { phrase } from '../../domain/phrases.js';
import { isoUtc } from '../../platform/clock.js';
import type { ConditionSource } from './alert-engine.js';

export interface StationConditionDeps {
  /** The site a station is placed on (its first), or null. */
  siteOf(stationId: string): string | null;
  /** Connected now (anywhere in a cluster). */
  isConnected(stationId: string): boolean;
  /** Every station placed on a site: one that never connects since the start is offline too. */
  placedStations(): Iterable<string>;
  startedAt: number;
  offlineMs: number;
  /** A station's security events hold this long after the latest (they never "clear" by themselves). */
  securityQuietMs: number;
  /** A failed update or upload holds until a success or `resolved`, at most this long. */
  failureHoldMs: number;
  /** The engine's request(): a detector's state changed. */
  changed(): void;
}

/** Entries kept per map at most: a flood of ids cannot grow memory without bound. */
const MAX_ENTRIES = 100_000;

function put<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
}

export class StationConditions implements ConditionSource, OperationFailures {
  private readonly offlineSince = new Map<string, number>();
  /** Stations that connected since the start (one that never did is offline from the start). */
  private readonly seen = new Map<string, true>();
  private readonly faulted = new Map<string, { stationId: string; evseId: number; connectorId: number; at: number }>();
  private readonly ignoring = new Map<string, { stationId: string; evseId: number; detail: string | null }>();
  private readonly security = new Map<string, { count: number; type: string; techInfo: string | null; first: number; last: number }>();
  private readonly failures = new Map<string, { kind: 'firmware-failed' | 'log-upload-failed'; stationId: string; status: string; detail: string | null; at: number }>();

  constructor(private readonly deps: StationConditionDeps, private readonly now: () => number) {}

  disconnected(stationId: string, at: number): void {
    put(this.offlineSince, stationId, at);
    this.deps.changed();
  }

  connected(stationId: string): void {
    this.offlineSince.delete(stationId);
    put(this.seen, stationId, true);
    this.deps.changed();
  }

  /** G01/G02 StatusNotification: Faulted holds until another status for the same connector. */
  connectorStatus(stationId: string, evseId: number, connectorId: number, status: string, at: number): void {
    const key = `${stationId}/${evseId}/${connectorId}`;
    const was = this.faulted.has(key);
    if (status === 'Faulted') {
      if (!was) put(this.faulted, key, { stationId, evseId, connectorId, at });
    } else {
      this.faulted.delete(key);
    }
    if (was !== (status === 'Faulted')) this.deps.changed();
  }

  /** The scheduler's verdict on an EVSE (src/scheduler/verify.ts): ignores-profiles holds until another verdict. */
  compliance(stationId: string, evseId: number, compliance: string, detail: string | null): void {
    const key = `${stationId}/${evseId}`;
    if (compliance === 'ignores-profiles') put(this.ignoring, key, { stationId, evseId, detail });
    else if (!this.ignoring.delete(key)) return;
    this.deps.changed();
  }

  /** A04 SecurityEventNotification. */
  securityEvent(stationId: string, type: string, techInfo: string | null, at: number): void {
    const held = this.security.get(stationId);
    const recent = held && at - held.last < this.deps.securityQuietMs;
    put(this.security, stationId, { count: recent ? held.count + 1 : 1, type, techInfo, first: recent ? held.first : at, last: at });
    this.deps.changed();
  }

  failed(kind: 'firmware-failed' | 'log-upload-failed', stationId: string, status: string, detail?: string): void {
    const key = `${kind}|${stationId}`;
    const held = this.failures.get(key);
    // The same failure reported again (a repeated notification) is the same failure: it keeps its time.
    put(this.failures, key, { kind, stationId, status, detail: detail ?? null, at: held?.status === status ? held.at : this.now() });
    this.deps.changed();
  }

  resolved(kind: 'firmware-failed' | 'log-upload-failed', stationId: string): void {
    if (this.failures.delete(`${kind}|${stationId}`)) this.deps.changed();
  }

  conditions(now: number): AlertCondition[] {
    const out: AlertCondition[] = [];
    const { deps } = this;
    const candidates = new Set<string>([...deps.placedStations()].filter((s) => !this.seen.has(s)));
    for (const s of this.offlineSince.keys()) candidates.add(s);
    for (const stationId of candidates) {
      if (deps.isConnected(stationId)) continue;
      const since = this.offlineSince.get(stationId) ?? deps.startedAt;
      if (now - since < deps.offlineMs) continue;
      const never = !this.offlineSince.has(stationId);
      out.push({
        kind: 'station-offline', siteId: deps.siteOf(stationId), stationId, subject: stationId, severity: 'critical',
        message: never ? `${stationId} has not connected since the server started at ${isoUtc(since)}` : `${stationId} has been offline since ${isoUtc(since)}`,
        details: { since: isoUtc(since), phrase: phrase(never ? 'alert.stationNeverConnected' : 'alert.stationOffline', { station: stationId, sinceAt: isoUtc(since) }) },
      });
    }
    for (const [key, f] of this.faulted) {
      out.push({
        kind: 'connector-faulted', siteId: deps.siteOf(f.stationId), stationId: f.stationId, subject: key, severity: 'critical',
        message: `${f.stationId} EVSE ${f.evseId} connector ${f.connectorId} is Faulted since ${isoUtc(f.at)}`,
        details: { evseId: f.evseId, connectorId: f.connectorId, phrase: phrase('alert.connectorFaulted', { station: f.stationId, evse: f.evseId, connector: f.connectorId, sinceAt: isoUtc(f.at) }) },
      });
    }
    for (const [key, g] of this.ignoring) {
      out.push({
        kind: 'charger-ignores-profiles', siteId: deps.siteOf(g.stationId), stationId: g.stationId, subject: key, severity: 'warning',
        message: `${g.stationId} EVSE ${g.evseId} accepts charging profiles but does not follow them${g.detail ? `: ${g.detail}` : ''}`,
        details: { evseId: g.evseId, phrase: phrase('alert.chargerIgnores', { station: g.stationId, evse: g.evseId }) },
      });
    }
    for (const [stationId, e] of this.security) {
      if (now - e.last >= deps.securityQuietMs) {
        this.security.delete(stationId);
        continue;
      }
      out.push({
        kind: 'security-event', siteId: deps.siteOf(stationId), stationId, subject: stationId, severity: 'warning',
        message: `${stationId} reported ${e.count === 1 ? 'a security event' : `${e.count} security events`}, the latest ${e.type} at ${isoUtc(e.last)}${e.techInfo ? ` (${e.techInfo})` : ''}`,
        details: {
          count: e.count, type: e.type, since: isoUtc(e.first),
          // Issue 18: the message as an id and values; the station's own techInfo is its words, said as they are.
          phrase: e.techInfo
            ? phrase('alert.securityEventsInfo', { station: stationId, count: e.count, eventType: e.type, latestAt: isoUtc(e.last), info: e.techInfo })
            : phrase('alert.securityEvents', { station: stationId, count: e.count, eventType: e.type, latestAt: isoUtc(e.last) }),
        },
      });
    }
    for (const [key, f] of this.failures) {
      if (now - f.at >= deps.failureHoldMs) {
        this.failures.delete(key);
        continue;
      }
      const firmware = f.kind === 'firmware-failed';
      const what = firmware ? 'firmware update' : 'log upload';
      const values = { station: f.stationId, status: f.status, failedAt: isoUtc(f.at) };
      out.push({
        kind: f.kind, siteId: deps.siteOf(f.stationId), stationId: f.stationId, subject: f.stationId, severity: 'warning',
        message: `${f.stationId}: ${what} failed with ${f.status} at ${isoUtc(f.at)}${f.detail ? ` (${f.detail})` : ''}`,
        // Issue 18: `status` is the OCPP status (the catalogs say the known ones in words); a detail stays in the English.
        details: { status: f.status, phrase: phrase(firmware ? 'alert.firmwareFailed' : 'alert.logUploadFailed', values) },
      });
    }
    return out;
  }
}
