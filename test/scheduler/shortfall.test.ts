import { describe, expect, it } from 'vitest';
import { planSite } from '../../src/scheduler/planner.js';
import { loadCycleSnapshot, type SnapshotSources } from '../../src/scheduler/snapshot.js';
import { resolveSites } from '../../src/scheduler/sites.js';
import type { ChargerCompliance, PowerPeriod, PushedProfileRecord } from '../../src/domain/plans.js';
import type { EffectiveSlot } from '../../src/domain/prices.js';
import type { Site } from '../../src/domain/sites.js';
import type { TransactionRecord } from '../../src/domain/stations.js';
import type { Vehicle } from '../../src/domain/vehicles.js';

/**
 * Why a car will not make it, from the problem the planner builds: planSite on a snapshot read from in-memory stores
 * (the ports), one case per reason. 16:00Z on a Monday in Copenhagen; every car must leave at 19:00 local (18:00Z), two hours away.
 */
const NOW = Date.parse('2026-11-23T16:00:00Z');
const DEPART = '2026-11-23T19:00';
const BY_AT = '2026-11-23T18:00:00.000Z';

interface Car {
  evseId: number;
  stationId?: string;
  needKwh: number;
  maxAcKw?: number;
  compliance?: ChargerCompliance;
  caps?: PowerPeriod[];
  held?: PowerPeriod[];
}

async function plan({ circuit, ...siteConfig }: Record<string, unknown>, cars: Car[]) {
  const [site] = resolveSites([{
    id: 's', timeZone: 'Europe/Copenhagen', tariff: 't', gridLimitKw: 40,
    evses: [1, 2, 3].map((evseId) => ({ stationId: 'CS1', evseId, maxKw: 11, ...(circuit ? { circuit } : {}) })),
    ...siteConfig,
  }], ['t']) as [Site];
  const vehicles = new Map<string, Vehicle>(cars.map((c) => [`T${c.evseId}`, {
    id: `V${c.evseId}`, name: `V${c.evseId}`, fleet: null, batteryKwh: 80, maxAcKw: c.maxAcKw ?? 11, phases: 3 as const, minCurrentA: 0, idTokens: [`T${c.evseId}`],
  }]));
  const tx = (c: Car): TransactionRecord => ({
    stationId: 'CS1', transactionId: `TX${c.evseId}`, evseId: c.evseId, connectorId: 1, idToken: `T${c.evseId}`, idTokenType: 'ISO14443',
    idTokenStatus: 'Accepted', state: 'Started', chargingState: 'Charging', remoteStartId: null, startedAt: '2026-11-23T15:59:00Z', endedAt: null,
    stoppedReason: null, lastSeqNo: 0, meterStartWh: 0, energyWh: 0, offline: false, vehicleId: null, boost: null,
  });
  const byEvse = (evseId: number) => cars.find((c) => c.evseId === evseId);
  const pushed = (evseId: number): PushedProfileRecord | undefined => {
    const held = byEvse(evseId)?.held;
    return held && {
      stationId: 'CS1', evseId, transactionId: `TX${evseId}`, siteId: 's', planId: 1, profileId: 1000, stackLevel: 1, unit: 'W', periods: held,
      endMs: NOW + 24 * 3_600_000, coversUntilMs: null, state: 'accepted', detail: null, sentAt: '2026-11-23T15:00:00Z',
    };
  };
  const sources: SnapshotSources = {
    stores: {
      transactions: {
        runningOnEvses: async (evses) => evses.flatMap((e) => {
          const c = byEvse(e.evseId);
          return c ? [{ stationId: e.stationId, evseId: e.evseId, transaction: tx(c) }] : [];
        }),
      },
      meterValues: { forTransaction: async () => [], forTransactions: async () => [], latestOf: async () => [], recent: async () => [] },
      chargingNeeds: { latestOnEvses: async () => [] },
      vehicles: { byIdToken: async (t) => vehicles.get(t), get: async () => undefined },
      assignments: { onEvse: async () => undefined },
      targets: {
        many: async (ids) => new Map(ids.map((id) => [id, { vehicleId: id, once: { kind: 'once', departure: DEPART, energyKwh: byEvse(Number(id.slice(1)))!.needKwh }, weekly: null, updatedAt: '2026-11-23T15:00:00Z' }])),
      },
      profiles: {
        pushedOf: async (sessions) => sessions.flatMap((x) => pushed(x.evseId) ?? []),
        complianceOf: async () => cars.map((c) => ({ stationId: 'CS1', evseId: c.evseId, compliance: c.compliance ?? 'follows', detail: null, since: '2026-11-23T15:00:00Z' })),
      },
    },
    prices: { effective: async (_t, w, step) => flat(w.start, w.end, step) },
    connected: () => true,
    caps: (transactionId) => byEvse(Number(transactionId.slice(2)))?.caps ?? null,
  };
  return planSite(await loadCycleSnapshot(site, NOW, sources), ['test'], { monotonicMs: () => 0 }).plan.sessions;
}

function flat(start: number, end: number, step: number): EffectiveSlot[] {
  const out: EffectiveSlot[] = [];
  for (let t = start; t < end; t += step) out.push({ start: t, end: t + step, energy: 0.2, gridFee: 0, taxes: {}, vat: 0, total: 0.2, currency: 'EUR', kind: 'final', source: 'test' });
  return out;
}

describe('why a car will not make it', () => {
  it('no shortfall, no reason; the expected energy at departure is delivered + planned before it', async () => {
    const [s] = await plan({}, [{ evseId: 1, needKwh: 10 }]);
    expect(s).toMatchObject({ shortfallKwh: 0, shortfallReason: null, shortfallMessage: null, expectedEnergyAtDepartureKwh: 10 });
  });

  it('car-or-charger-power: even alone at its full power it cannot get there before departure', async () => {
    const [s] = await plan({}, [{ evseId: 1, needKwh: 30 }]);
    expect(s).toMatchObject({ shortfallKwh: 8, shortfallReason: 'car-or-charger-power', expectedEnergyAtDepartureKwh: 22 });
    expect(s!.shortfallMessage).toBe('even alone at its full 11.0 kW the car can take only 22.0 of 30.0 kWh before 19:00');
    expect(s!.notes).toContain(s!.shortfallMessage);
    // Issue 18: the same as an id and values for the pages' languages, beside the note it is.
    expect(s!.shortfallPhrase).toEqual({ id: 'shortfall.carPower', params: { maxKw: 11, kwh: 22, needKwh: 30, byAt: BY_AT } });
    expect(s!.notePhrases).toHaveLength(s!.notes.length);
    expect(s!.notePhrases![s!.notes.indexOf(s!.shortfallMessage!)]).toEqual(s!.shortfallPhrase);
  });

  it('car-or-charger-power: the charger holds a lower limit than the car could take', async () => {
    const [s] = await plan({}, [{ evseId: 1, needKwh: 10, caps: [{ startMs: NOW, limitKw: 4 }] }]);
    expect(s).toMatchObject({ shortfallKwh: 2, shortfallReason: 'car-or-charger-power' });
    expect(s!.shortfallMessage).toContain('at the lower limit its charger holds');
    expect(s!.shortfallPhrase).toMatchObject({ id: 'shortfall.chargerCap', params: { kwh: 8, needKwh: 10, byAt: BY_AT } });
  });

  it('site-limit: the grid connection alone is too small', async () => {
    const [s] = await plan({ gridLimitKw: 5 }, [{ evseId: 1, needKwh: 20 }]);
    expect(s).toMatchObject({ shortfallKwh: 10, shortfallReason: 'site-limit' });
    expect(s!.shortfallMessage).toBe('the site limit (5.0 kW) leaves room for only 10.0 of 20.0 kWh before 19:00');
    expect(s!.shortfallPhrase).toEqual({ id: 'shortfall.limit', params: { limit: 'site', circuit: '', fuseA: 0, limitKw: 5, kwh: 10, needKwh: 20, byAt: BY_AT } });
  });

  it('site-limit: a circuit or a fuse alone is too small', async () => {
    const [a] = await plan({ circuits: [{ id: 'row-a', limitKw: 3.7 }], circuit: 'row-a' }, [{ evseId: 1, needKwh: 10 }]);
    expect(a).toMatchObject({ shortfallReason: 'site-limit', shortfallKwh: 2.6 });
    expect(a!.shortfallMessage).toContain('circuit row-a (3.7 kW) leaves room for only 7.4 of 10.0 kWh');
    const [b] = await plan({ circuits: [{ id: 'row-a', phaseLimitA: 10 }], circuit: 'row-a' }, [{ evseId: 1, needKwh: 20 }]);
    expect(b!.shortfallReason).toBe('site-limit');
    expect(b!.shortfallMessage).toContain('the 10 A fuse of circuit row-a (6.9 kW) leaves room for only 13.8 of 20.0 kWh');
    expect(a!.shortfallPhrase).toEqual({ id: 'shortfall.limit', params: { limit: 'circuit', circuit: 'row-a', fuseA: 0, limitKw: 3.7, kwh: 7.4, needKwh: 10, byAt: BY_AT } });
    expect(b!.shortfallPhrase).toEqual({ id: 'shortfall.limit', params: { limit: 'fuse', circuit: 'row-a', fuseA: 10, limitKw: 6.9, kwh: 13.8, needKwh: 20, byAt: BY_AT } });
  });

  it('site-limit: the circuit is shared with the other cars', async () => {
    const sessions = await plan({ circuits: [{ id: 'row-a', limitKw: 11 }], circuit: 'row-a' }, [{ evseId: 1, needKwh: 15 }, { evseId: 2, needKwh: 15 }]);
    const short = sessions.filter((s) => s.shortfallKwh > 0);
    expect(short.length).toBeGreaterThan(0);
    expect(sessions.reduce((a, s) => a + s.shortfallKwh, 0)).toBeCloseTo(8, 3);
    for (const s of short) {
      expect(s.shortfallReason).toBe('site-limit');
      expect(s.shortfallMessage).toMatch(/^circuit row-a \(11\.0 kW\) is shared with 1 other car: \d+\.\d of 15\.0 kWh before 19:00$/);
      const got = Number(/: ([\d.]+) of/.exec(s.shortfallMessage!)![1]);
      expect(s.shortfallPhrase).toEqual({ id: 'shortfall.shared', params: { limit: 'circuit', circuit: 'row-a', fuseA: 0, limitKw: 11, count: 1, kwh: got, needKwh: 15, byAt: BY_AT } });
    }
  });

  it('charger-ignores-profiles: a charger we cannot steer takes the room on the circuit', async () => {
    const sessions = await plan({ circuits: [{ id: 'row-a', limitKw: 11 }], circuit: 'row-a' }, [
      { evseId: 1, needKwh: 20, compliance: 'ignores-profiles' },
      { evseId: 2, needKwh: 10 },
    ]);
    const steered = sessions.find((s) => s.evseId === 2)!;
    expect(steered.shortfallReason).toBe('charger-ignores-profiles');
    expect(steered.shortfallMessage).toBe('CS1 EVSE 1 cannot be steered and takes the room under circuit row-a: 2.0 of 10.0 kWh before 19:00');
    expect(steered.shortfallPhrase).toEqual({
      id: 'shortfall.unsteeredRoom',
      params: { chargers: 'CS1 EVSE 1', count: 1, limit: 'circuit', circuit: 'row-a', fuseA: 0, kwh: 2, needKwh: 10, byAt: BY_AT },
    });
    const ignoring = sessions.find((s) => s.evseId === 1)!;
    expect(ignoring.notePhrases).toContainEqual({ id: 'plan.unsteered', params: { charger: 'ignores' } });
    expect(sessions.find((s) => s.evseId === 1)).toMatchObject({ shortfallKwh: 0, shortfallReason: null });
  });

  it('charger-unreachable: an unreachable charger holds an older, lower profile', async () => {
    const [s] = await plan({}, [{ evseId: 1, needKwh: 10, compliance: 'unreachable', held: [{ startMs: NOW - 3_600_000, limitKw: 2 }] }]);
    expect(s).toMatchObject({ shortfallKwh: 6, shortfallReason: 'charger-unreachable' });
    expect(s!.shortfallMessage).toBe('the charger cannot be reached and holds an older profile: 4.0 of 10.0 kWh before 19:00');
    expect(s!.shortfallPhrase).toEqual({ id: 'shortfall.unreachable', params: { kwh: 4, needKwh: 10, byAt: BY_AT } });
  });
});
