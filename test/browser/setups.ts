/**
 * Set-ups several browser tests start from: the product with an admin (Ada) and Chromium; and the operations fixture's
 * product with a fleet manager (Fiona, over fleet-a) and a registered simulated station that has booted and reported
 * its smart-charging capabilities. Each test stops what it was given.
 */
import type { Browser } from 'playwright-core';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { SimulatedStation } from '../../src/simulator/station.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { CONFIG } from '../http/api-operations-fixture.js';
import { PASSWORD, launch, startProduct, type Product } from './fixture.js';

/** Cheap scrypt for test users (the stored hash carries its parameters). */
const CHEAP = { N: 1024, r: 8, p: 1 };

/** Adds Ada (ada, PASSWORD), an admin over everything, to the product `server` runs. */
export async function addAda(server: TestServer): Promise<void> {
  await createUser(new UserRepository(server.running.db), server.clock, {
    username: 'ada', name: 'Ada', password: PASSWORD, grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }],
  }, CHEAP);
}

/** The bundled test product, Chromium, and Ada, an admin over everything. */
export async function productWithAdmin(): Promise<{ product: Product; browser: Browser }> {
  const [product, browser] = await Promise.all([startProduct(), launch()]);
  await addAda(product.server);
  return { product, browser };
}

/** The operations fixture's product, Chromium, Fiona (fleet manager over fleet-a) and station `id`, booted. */
export async function productWithStation(id: string, evses: number): Promise<{ server: TestServer; browser: Browser; station: SimulatedStation }> {
  const [server, browser] = await Promise.all([
    startTestServer({ ...CONFIG, http: { host: '127.0.0.1', port: 0, cookieSecure: false } } as never),
    launch(),
  ]);
  await createUser(new UserRepository(server.running.db), server.clock, {
    username: 'fiona', name: 'Fiona', password: PASSWORD, grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'fleet-a' }],
  }, CHEAP);
  await server.addStation(id, 'sim-password-123');
  const station = new SimulatedStation({ id, password: 'sim-password-123', url: `${server.wsUrl}/ocpp`, clock: server.clock, evses, txUpdatedIntervalS: 0 });
  const caps = server.running.events.once('station.capabilities', (e) => e.stationId === id);
  station.start();
  await station.idle();
  await caps;
  return { server, browser, station };
}
