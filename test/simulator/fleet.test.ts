import { afterEach, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { Fleet, car } from '../../src/simulator/index.js';

let server: TestServer | undefined;
let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  await server?.stop();
  fleet = undefined;
  server = undefined;
});

it('a fleet of 2 stations x 2 EVSEs boots, and scheduled visits start and end transactions at their times', async () => {
  const s = await startTestServer({ ocpp: { acceptUnknownIdTokens: true } });
  server = s;
  const password = (id: string) => `pw-${id}-secret`;
  const f = new Fleet({ url: `${s.wsUrl}/ocpp`, clock: s.clock, stations: 2, evsesPerStation: 2, password, common: { txUpdatedIntervalS: 900 } });
  fleet = f;
  for (const id of f.ids) await s.addStation(id, password(id));
  f.start();
  f.schedule({ stationId: 'SIM-1', evseId: 1, car: car({ idToken: 'A', maxPowerKW: 11 }), arriveAt: '2026-03-29T00:30:00Z', departAt: '2026-03-29T01:30:00Z' });
  f.schedule({ stationId: 'SIM-1', evseId: 2, car: car({ idToken: 'B', maxPowerKW: 7.4, phases: 1 }), arriveAt: '2026-03-29T00:45:00Z', departAt: '2026-03-29T02:00:00Z' });
  f.schedule({ stationId: 'SIM-2', evseId: 2, car: car({ idToken: 'C' }), arriveAt: '2026-03-29T01:00:00Z', departAt: '2026-03-29T01:15:00Z' });
  await f.run(s.clock, '2026-03-29T02:00:00Z', 5 * 60_000);
  const txs = (await Promise.all(['SIM-1', 'SIM-2'].map((id) => s.running.repositories.transactions.active(id)))).flat();
  expect(txs).toEqual([]);
  const get = async (id: string) => {
    const rows = await s.running.db.selectFrom('transactions').select('transaction_id').where('station_id', '=', id).orderBy('started_at').execute();
    return Promise.all(rows.map(async (r) => (await s.running.repositories.transactions.get(id, r.transaction_id))!));
  };
  const summary = [...(await get('SIM-1')), ...(await get('SIM-2'))].map((t) => [t.idToken, t.startedAt, t.endedAt, Math.round(t.energyWh ?? -1)]);
  expect(summary).toEqual([
    ['A', '2026-03-29T00:30:00.000Z', '2026-03-29T01:30:00.000Z', 11000],
    // The 7.4 kW single-phase car is held to the EVSE's 32 A: 7360 W for 75 minutes.
    ['B', '2026-03-29T00:45:00.000Z', '2026-03-29T02:00:00.000Z', 7360 * 1.25],
    ['C', '2026-03-29T01:00:00.000Z', '2026-03-29T01:15:00.000Z', 2750],
  ]);
});
