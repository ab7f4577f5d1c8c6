/**
 * The sessions behind the cost views (sessions API, CSV export, the dashboard's saving): VAN-1 charges 10 kWh at the
 * north depot in the cheap hour (17:00Z at 0.05 EUR/kWh instead of 0.30: 0.50 instead of 3.00 at full power on
 * arrival) and ends; VAN-S charges 2 kWh at the south depot and ends only when `southEnds`.
 */
import { at, publishPrices, settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { T0, type ApiFixture } from './api-fixture.js';

export async function chargeTwoDepots(f: ApiFixture, opts: { southEnds: boolean }): Promise<void> {
  /** Lets the loop run up to `iso`, then meters exactly at that instant (settling moves the clock a few seconds). */
  const meterAt = async (iso: string, meter: () => Promise<void>) => {
    while (f.clock.now() + 15 * 60_000 < at(iso)) {
      f.clock.advance(15 * 60_000);
      await settle(f.server);
    }
    f.clock.set(iso);
    await meter();
    await settle(f.server);
  };
  await publishPrices(f.server, T0, [0.3, 0.05, ...Array.from({ length: 30 }, () => 0.3)]);
  const north = await PlanningStation.connect(f.server, { id: 'CS1', evses: 2 });
  const south = await PlanningStation.connect(f.server, { id: 'CS2', evses: 1 });
  await north.boot();
  await south.boot();
  await f.server.running.scheduler.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 10 });
  await north.startTransaction(1, 'TX-1', 'TOKEN-1', 1_000_000);
  await south.startTransaction(1, 'TX-S', 'TOKEN-S', 0);
  await settle(f.server);
  await meterAt('2026-11-23T17:00:00Z', async () => {
    await north.meter(1, 'TX-1', 0, 0);
    await south.meter(1, 'TX-S', 2_000, 3_000);
  });
  await meterAt('2026-11-23T18:00:00Z', () => north.meter(1, 'TX-1', 10_000, 11_000));
  await north.endTransaction(1, 'TX-1');
  if (opts.southEnds) await south.endTransaction(1, 'TX-S');
}
