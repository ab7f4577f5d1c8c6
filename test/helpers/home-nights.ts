/**
 * Two nights of a homeowner's car (issue 18's history), on any test server with a site whose one EVSE is HOME-H #1:
 * night 1 (Monday, from 16:00Z) takes 10 kWh in the hour from 18:00Z, the cheap one; night 2 (Tuesday, from 16:00Z)
 * takes 6 kWh in the hour from 17:00Z, at the evening price. Both sessions end. The prices run 40 hours from T0:
 * 0.30 EUR/kWh energy, with cheap hours at 18:00Z Monday (0.02), 01:00Z/02:00Z Tuesday (0.05/0.10), 20:00Z Tuesday
 * (0.03) and 01:00Z/02:00Z Wednesday (0.05/0.10).
 */
import { at, publishPrices, settle } from './depot.js';
import type { PlanningStation } from './planning-station.js';
import type { TestServer } from './test-server.js';

export const HOME_T0 = '2026-11-23T16:00:00Z';
const CHEAP: Record<number, number> = { 2: 0.02, 9: 0.05, 10: 0.1, 28: 0.03, 33: 0.05, 34: 0.1 };
export const homePrices = () => Array.from({ length: 40 }, (_, h) => CHEAP[h] ?? 0.3);

/** Lets the loop run up to `iso` in quarter hours, then sets the clock to exactly that instant. */
export async function runUntil(server: TestServer, iso: string): Promise<void> {
  while (server.clock.now() + 15 * 60_000 < at(iso)) {
    server.clock.advance(15 * 60_000);
    await settle(server);
  }
  server.clock.set(iso); // exactly: a reading taken now is at that instant (settling moves the clock a few seconds)
}

export async function twoNightsAtHome(server: TestServer, station: PlanningStation, token = 'TOKEN-H'): Promise<void> {
  await publishPrices(server, HOME_T0, homePrices());
  const night = async (tx: string, startIso: string, fromIso: string, toIso: string, wh: number) => {
    server.clock.set(startIso);
    await station.startTransaction(1, tx, token);
    await settle(server);
    await runUntil(server, fromIso);
    await station.meter(1, tx, 0, 0);
    await runUntil(server, toIso);
    await station.meter(1, tx, wh, 11_000);
    await station.endTransaction(1, tx);
    await settle(server);
  };
  await night('TX-N1', '2026-11-23T16:00:00Z', '2026-11-23T18:00:00Z', '2026-11-23T19:00:00Z', 10_000);
  await night('TX-N2', '2026-11-24T16:00:00Z', '2026-11-24T17:00:00Z', '2026-11-24T18:00:00Z', 6_000);
}
