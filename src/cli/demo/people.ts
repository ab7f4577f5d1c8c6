/**
 * The demo's people: an admin, the depot's fleet manager and the homeowner, with passwords printed at start. The
 * demo listens on localhost only (config/demo.json) and its database is recreated on every run, so known passwords
 * open nothing else.
 */
import type { ApiTokenGrant } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../storage/index.js';
import { UserRepository } from '../../storage/user-repository.js';
import { createUser } from '../../http/auth/user-accounts.js';
import { grantOf } from '../../http/auth/roles.js';
import type { ScryptParams } from '../../http/auth/passwords.js';

export interface DemoUser {
  username: string;
  name: string;
  password: string;
  role: string;
  /** The page the login lands on. */
  page: '/fleet' | '/home';
}

export function demoUsers(depotFleet: string, household: string): (DemoUser & { grants: ApiTokenGrant[] })[] {
  return [
    { username: 'admin', name: 'Demo admin', password: 'demo-admin-password', role: 'admin', page: '/fleet', grants: [grantOf('admin', '*')] },
    { username: 'fiona', name: 'Fiona', password: 'demo-fleet-password', role: `fleet manager of ${depotFleet}`, page: '/fleet', grants: [grantOf('fleet-manager', depotFleet)] },
    { username: 'hans', name: 'Hans', password: 'demo-home-password', role: `homeowner of ${household}`, page: '/home', grants: [grantOf('homeowner', household)] },
  ];
}

export async function createDemoUsers(db: Db, clock: Clock, users: ReturnType<typeof demoUsers>, scrypt?: ScryptParams): Promise<DemoUser[]> {
  const repo = new UserRepository(db);
  for (const u of users) {
    await createUser(repo, clock, { username: u.username, name: u.name, password: u.password, grants: u.grants }, ...(scrypt ? [scrypt] : []));
  }
  return users.map(({ grants: _g, ...u }) => u);
}
