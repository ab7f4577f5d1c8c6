/**
 * The server's phrases (issue 18, languages; src/domain/phrases.ts) against the pages' catalogs: every message id
 * the scheduler writes has a `server.<id>` message in all five languages, each names only values the server sends
 * (so nothing is left as "{x}"), formats with values as the server writes them, and is really translated (not the
 * English copied). A new id in the scheduler without its messages fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../../src/http/pages/locale.js';
import { catalog, translator } from '../../../src/http/pages/messages.js';

const BY = '2026-11-23T18:00:00.000Z';
const got = { kwh: '8 kWh', needKwh: '10 kWh', byAt: '19:00' };
const limit = { limit: 'circuit', circuit: 'row-a', fuseA: 0 };

/** Each id with values as a page passes them (phrases.js has formatted kWh, kW, instants and money by then). */
const SAMPLES: Record<string, Record<string, string | number>> = {
  'target.socUnknown': { percent: 80 },
  'target.batteryUnknown': { percent: 80 },
  'target.siteDefault': { kwh: '20 kWh' },
  'target.late': { departureAt: '09:00' },
  'session.full': { kwh: '28,8 kWh' },
  'mode.paused': { untilAt: '22:00' },
  'mode.priceCap': { maxPrice: '0,150 €/kWh' },
  'mode.minimumKwh': { kwh: '10 kWh' },
  'mode.minimumPercent': { percent: 30 },
  'mode.minimumUnknown': { percent: 30 },
  'plan.phaseLimitSlot0': {},
  'plan.pricesUnavailable': {},
  'plan.slotsUnpriced': { count: 3 },
  'plan.unsteered': { charger: 'ignores' },
  'boost.until': { kwh: '5 kWh', untilAt: '17:30' },
  'boost.open': { kwh: '5 kWh' },
  'boost.untilShort': { kwh: '5 kWh', untilAt: '17:30', moreKwh: '1 kWh' },
  'boost.openShort': { kwh: '5 kWh', moreKwh: '1 kWh' },
  'shortfall.carPower': { maxKw: '11 kW', ...got },
  'shortfall.chargerCap': { maxKw: '4 kW', ...got },
  'shortfall.unreachable': got,
  'shortfall.ignores': { charger: 'rejects', ...got },
  'shortfall.limit': { ...limit, limitKw: '3,7 kW', ...got },
  'shortfall.unsteeredRoom': { chargers: 'CS1 EVSE 1', count: 1, ...limit, ...got },
  'shortfall.shared': { ...limit, limitKw: '11 kW', count: 2, ...got },
  'shortfall.sharedSite': got,
  'decision.planCreated': { count: 2, status: 'shortfall', cost: '1,23 €', currency: 'EUR', triggers: 'new prices' },
  'decision.accepted': { station: 'CS1', evse: 1, count: 5, attempt: 'second', step: 'interim' },
  'decision.pushFailed': { station: 'CS1', evse: 1, code: 'OCPP_TIMEOUT' },
  'decision.increasesHeld': { count: 2 },
  'decision.restored': { station: 'CS1', evse: 1 },
  'decision.verified': { station: 'CS1', evse: 1 },
  'decision.limited': { station: 'CS1', evse: 1 },
  'decision.compositeAbove': { station: 'CS1', evse: 1 },
  'decision.defaultInstalled': { station: 'CS1', evse: 1, limitKw: '3,7 kW' },
  'decision.defaultFailed': { station: 'CS1', evse: 1 },
  'decision.notFollowing': { station: 'CS1', evse: 1 },
  'decision.deviated': { station: 'CS1', evse: 1, measuredKwh: '2,1 kWh', expectedKwh: '3 kWh' },
  'decision.boostSet': { vehicle: 'Van 1', kwh: '5 kWh' },
  'decision.boostCleared': { vehicle: 'Van 1', deliveredKwh: '2 kWh', kwh: '5 kWh' },
  'decision.boostDone': { vehicle: 'Van 1' },
  'decision.planFailed': { code: 'PRICES_UNAVAILABLE', retryAt: '07:05' },
  'decision.siteCreated': { actor: 'admin' },
  'decision.siteEdited': { actor: 'admin', fields: 'circuits, policy', count: 2 },
  'decision.siteDeleted': { actor: 'admin' },
  'decision.siteImported': {},
  'decision.siteImportedOverwrote': { editedAt: BY },
  'alert.stationOffline': { station: 'CS1', sinceAt: '14:02' },
  'alert.stationNeverConnected': { station: 'CS1', sinceAt: '14:02' },
  'alert.connectorFaulted': { station: 'CS1', evse: 1, connector: 1, sinceAt: '14:02' },
  'alert.chargerIgnores': { station: 'CS1', evse: 1 },
  'alert.departureShortfall': { car: 'VAN-2', shortKwh: '18 kWh', departureAt: '19:00' },
  'alert.pricesStale': { priceZone: 'DK1', ageHours: 26, noticedAt: '14:02' },
  'alert.pricesNeverReceived': { priceZone: 'DK1', noticedAt: '14:02' },
  'alert.siteLimitExceeded': { site: 'north-depot', drawKw: '52 kW', limitKw: '44 kW' },
  'alert.securityEvents': { station: 'CS1', count: 3, eventType: 'InvalidFirmwareSignature', latestAt: '14:02' },
  'alert.securityEventsInfo': { station: 'CS1', count: 1, eventType: 'TamperDetectionActivated', latestAt: '14:02', info: 'lid opened' },
  'alert.firmwareFailed': { station: 'CS1', status: 'InvalidSignature', failedAt: '14:02' },
  'alert.logUploadFailed': { station: 'CS1', status: 'UploadFailure', failedAt: '14:02' },
};

/** The ids the server writes: phrase('<id>', ...) in src/scheduler and the alert detectors, and the boost note's four. */
function serverIds(): string[] {
  const ids = new Set(['boost.until', 'boost.open', 'boost.untilShort', 'boost.openShort']);
  for (const under of ['src/scheduler', 'src/operations/alerts']) {
    const dir = join(import.meta.dirname, '../../..', under);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/\bphrase\(\s*(?:[^']*\?\s*)?'([\w.]+)'(?:\s*:\s*'([\w.]+)')?/g)) {
        ids.add(m[1]!);
        if (m[2]) ids.add(m[2]);
      }
    }
  }
  return [...ids].sort();
}

interface Node { type: number; value?: unknown; options?: Record<string, { value: Node[] }> }
function names(ast: Node[], out = new Set<string>()): Set<string> {
  for (const n of ast) {
    if (n.type >= 1 && n.type <= 6) out.add(String(n.value));
    for (const o of Object.values(n.options ?? {})) names(o.value, out);
  }
  return out;
}

describe('the server’s phrases in the pages’ catalogs (issue 18)', () => {
  it('every id the scheduler writes has a sample here (and so is checked below)', () => {
    const ids = serverIds();
    expect(ids.length).toBeGreaterThan(30);
    // mode.note is the placeholder for a mode sentence without its own id: it falls back to the English text.
    expect(ids.filter((id) => id !== 'mode.note' && !(id in SAMPLES))).toEqual([]);
  });

  for (const language of LANGUAGES) {
    it(`${language}: each id has its message, naming only values the server sends, and it formats`, () => {
      const messages = catalog(language);
      const say = translator({ language, tag: language === 'en' ? 'en-GB' : `${language}-${language === 'da' ? 'DK' : language === 'sv' ? 'SE' : language === 'de' ? 'DE' : 'PT'}` });
      const wrong: string[] = [];
      for (const [id, values] of Object.entries(SAMPLES)) {
        const source = messages[`server.${id}`];
        if (source === undefined) {
          wrong.push(`${id}: missing`);
          continue;
        }
        const unknown = [...names(new IntlMessageFormat(source, language).getAst() as Node[])].filter((n) => !(n in values));
        if (unknown.length) wrong.push(`${id}: ${unknown.join(', ')}`);
        const text = say(`server.${id}`, values);
        if (/[{}]/.test(text) || text.trim() === '') wrong.push(`${id}: "${text}"`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it('Danish and Portuguese say each one in their own words, with plurals and selects resolved', () => {
    const en = translator({ language: 'en', tag: 'en-GB' });
    const da = translator({ language: 'da', tag: 'da-DK' });
    const pt = translator({ language: 'pt', tag: 'pt-PT' });
    for (const [id, values] of Object.entries(SAMPLES)) {
      expect(da(`server.${id}`, values), id).not.toBe(en(`server.${id}`, values));
      expect(pt(`server.${id}`, values), id).not.toBe(en(`server.${id}`, values));
    }
    expect(da('server.target.siteDefault', { kwh: '20 kWh' })).toBe('Planlægger efter stedets standard på 20 kWh.');
    expect(pt('server.shortfall.shared', SAMPLES['shortfall.shared'])).toBe('O circuito row-a (11 kW) é partilhado com 2 outros carros: 8 kWh de 10 kWh antes das 19:00.');
    expect(da('server.shortfall.shared', { ...SAMPLES['shortfall.shared'], count: 1, limit: 'site' })).toBe('Stedets grænse (11 kW) deles med 1 anden bil: 8 kWh af 10 kWh inden 19:00.');
    expect(en('server.decision.accepted', { station: 'CS1', evse: 1, count: 1, attempt: 'first', step: 'final' })).toBe('Charger CS1, connector 1 took its charging plan (1 power step).');
    // Alerts (issue 18): an OCPP status the catalog knows is said in words, one it does not as it is; plurals resolve.
    expect(da('server.alert.firmwareFailed', SAMPLES['alert.firmwareFailed'])).toBe('CS1: firmwareopdateringen mislykkedes (14:02; ugyldig signatur).');
    expect(pt('server.alert.logUploadFailed', { ...SAMPLES['alert.logUploadFailed'], status: 'SomethingNew' })).toBe('CS1: o envio do registo falhou (14:02; SomethingNew).');
    expect(da('server.alert.securityEvents', { ...SAMPLES['alert.securityEvents'], count: 1 })).toMatch(/^CS1 meldte en sikkerhedshændelse, /);
    expect(pt('server.alert.pricesStale', { ...SAMPLES['alert.pricesStale'], ageHours: 1 })).toMatch(/\(com 1 hora, /);
    expect(pt('server.shortfall.limit', { ...SAMPLES['shortfall.limit'], limit: 'fuse', fuseA: 16 })).toMatch(/^O fusível de 16 A do circuito row-a \(3,7 kW\)/);
  });

  it('trigger words, alert titles and error sentences exist in every language alike', () => {
    const keys = (l: (typeof LANGUAGES)[number]) => Object.keys(catalog(l)).filter((k) => /^server\.(trigger|alert|error)\./.test(k)).sort();
    for (const language of LANGUAGES) expect(keys(language)).toEqual(keys('en'));
    expect(keys('en').filter((k) => k.startsWith('server.trigger.')).length).toBeGreaterThanOrEqual(20);
  });
});
