/**
 * Every alert a detector opens carries its message as a phrase (issue 18, languages; src/domain/phrases.ts): a stable
 * id and the values the English message is made of, so that the pages say it in their language. The detectors alone
 * (no server): the English message stays word for word what it was; the phrase holds the same values.
 */
import { describe, expect, it } from 'vitest';
import type { AlertCondition } from '../../src/domain/alerts.js';
import type { Site } from '../../src/domain/sites.js';
import { SiteConditions } from '../../src/operations/alerts/site-conditions.js';
import { StationConditions } from '../../src/operations/alerts/station-conditions.js';

const T0 = Date.parse('2026-11-23T08:00:00Z');
const HOUR = 3_600_000;

function stationConditions(now: () => number) {
  return new StationConditions({
    siteOf: () => 'site-a', isConnected: () => true, placedStations: () => [], startedAt: T0, offlineMs: 5 * 60_000,
    securityQuietMs: HOUR, failureHoldMs: 24 * HOUR, changed: () => undefined,
  }, now);
}

const site = { id: 'site-a', tariff: 'Z1', gridLimitKw: 22, evses: [{ stationId: 'CS-1', evseId: 1 }, { stationId: 'CS-2', evseId: 1 }] } as unknown as Site;
const siteConditions = () => new SiteConditions({ sites: () => [site], tariffZone: () => 'Z1', siteLimitToleranceKw: 0.5, changed: () => undefined });
const one = (list: AlertCondition[], kind: AlertCondition['kind']) => {
  const found = list.filter((c) => c.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('alert phrases (issue 18)', () => {
  it('security events: the count, the latest type and time, and the station’s techInfo when it sent one', () => {
    const c = stationConditions(() => T0);
    c.securityEvent('CS-1', 'SettingSystemTime', null, T0);
    let a = one(c.conditions(T0), 'security-event');
    expect(a.message).toBe('CS-1 reported a security event, the latest SettingSystemTime at 2026-11-23T08:00:00.000Z');
    expect(a.details!.phrase).toEqual({ id: 'alert.securityEvents', params: { station: 'CS-1', count: 1, eventType: 'SettingSystemTime', latestAt: '2026-11-23T08:00:00.000Z' } });
    c.securityEvent('CS-1', 'TamperDetectionActivated', 'lid opened', T0 + 60_000);
    a = one(c.conditions(T0 + 60_000), 'security-event');
    expect(a.message).toBe('CS-1 reported 2 security events, the latest TamperDetectionActivated at 2026-11-23T08:01:00.000Z (lid opened)');
    expect(a.details!.phrase).toEqual({
      id: 'alert.securityEventsInfo', params: { station: 'CS-1', count: 2, eventType: 'TamperDetectionActivated', latestAt: '2026-11-23T08:01:00.000Z', info: 'lid opened' },
    });
  });

  it('a failed firmware update and log upload: the OCPP status and when', () => {
    const c = stationConditions(() => T0);
    c.failed('firmware-failed', 'CS-1', 'InvalidSignature');
    c.failed('log-upload-failed', 'CS-2', 'UploadFailure', 'HTTP 500');
    const list = c.conditions(T0);
    const fw = one(list, 'firmware-failed');
    expect(fw.message).toBe('CS-1: firmware update failed with InvalidSignature at 2026-11-23T08:00:00.000Z');
    expect(fw.details).toEqual({ status: 'InvalidSignature', phrase: { id: 'alert.firmwareFailed', params: { station: 'CS-1', status: 'InvalidSignature', failedAt: '2026-11-23T08:00:00.000Z' } } });
    const logs = one(list, 'log-upload-failed');
    expect(logs.message).toBe('CS-2: log upload failed with UploadFailure at 2026-11-23T08:00:00.000Z (HTTP 500)');
    expect(logs.details!.phrase).toEqual({ id: 'alert.logUploadFailed', params: { station: 'CS-2', status: 'UploadFailure', failedAt: '2026-11-23T08:00:00.000Z' } });
  });

  it('stale prices: never received, or their age in whole hours as the English says it', () => {
    const c = siteConditions();
    c.pricesStale('Z1', undefined, T0);
    let a = one(c.conditions(T0), 'prices-stale');
    expect(a.message).toBe('prices for zone Z1 are stale (never received, noticed 2026-11-23T08:00:00.000Z): the site plans on the last good prices');
    expect(a.details).toEqual({ zone: 'Z1', phrase: { id: 'alert.pricesNeverReceived', params: { priceZone: 'Z1', noticedAt: '2026-11-23T08:00:00.000Z' } } });
    c.pricesUpdated('Z1');
    c.pricesStale('Z1', 25.6 * HOUR, T0);
    a = one(c.conditions(T0), 'prices-stale');
    expect(a.message).toMatch(/\(26 h old, noticed /);
    expect(a.details!.phrase).toEqual({ id: 'alert.pricesStale', params: { priceZone: 'Z1', ageHours: 26, noticedAt: '2026-11-23T08:00:00.000Z' } });
  });

  it('a site over its limit: the metered kW, rounded as the English rounds it, and the limit', () => {
    const c = siteConditions();
    c.meteredPower('CS-1', 1, 11, T0);
    c.meteredPower('CS-2', 1, 12.6, T0);
    const a = one(c.conditions(T0), 'site-limit-exceeded');
    expect(a.message).toBe('site site-a draws 24 kW by its meters, above its 22 kW limit');
    expect(a.details).toEqual({ limitKw: 22, phrase: { id: 'alert.siteLimitExceeded', params: { site: 'site-a', drawKw: 24, limitKw: 22 } } });
  });

  it('every kind a detector opens has a phrase', () => {
    const sc = stationConditions(() => T0);
    sc.disconnected('CS-1', T0 - HOUR);
    sc.connectorStatus('CS-2', 1, 1, 'Faulted', T0);
    sc.compliance('CS-2', 1, 'ignores-profiles', 'draws 11 kW');
    sc.securityEvent('CS-2', 'X', null, T0);
    sc.failed('firmware-failed', 'CS-2', 'DownloadFailed');
    sc.failed('log-upload-failed', 'CS-2', 'PermissionDenied');
    const si = siteConditions();
    si.pricesStale('Z1', HOUR, T0);
    si.meteredPower('CS-1', 1, 30, T0);
    const list = [
      // A station placed on a site that never connected since the start.
      ...new StationConditions({ siteOf: () => 'site-a', isConnected: () => false, placedStations: () => ['CS-9'], startedAt: T0 - HOUR, offlineMs: 60_000, securityQuietMs: HOUR, failureHoldMs: HOUR, changed: () => undefined }, () => T0).conditions(T0),
      ...sc.conditions(T0), ...si.conditions(T0),
    ];
    const kinds = new Set(list.map((c) => c.kind));
    expect(kinds.size).toBe(8); // all but departure-shortfall (from a plan: alerts-conditions.test.ts)
    for (const c of list) expect((c.details?.phrase as { id?: string } | undefined)?.id, c.kind).toMatch(/^alert\.\w+$/);
  });
});
