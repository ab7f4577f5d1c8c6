/**
 * The demo's configuration: the bundled config/default.json with config/demo.json over it (two sites, their
 * tariffs, plain http on localhost, its own database), then the port variables and the caller's overrides, checked
 * by the same schema as `npm start`'s.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfig, ROOT, type Config } from '../../config.js';
import type { Site } from '../../domain/sites.js';

export const DEMO_CONFIG_FILE = join(ROOT, 'config', 'demo.json');

/**
 * CHARGEPLAN_CONFIG, CHARGEPLAN_DB and CHARGEPLAN_DATABASE_URL are not read: the demo deletes its database on every
 * start (its clock starts at a fixed date in 2025, which a database of another run has already passed), so it must
 * only ever be its own.
 * CHARGEPLAN_HTTP_PORT, CHARGEPLAN_OCPP_PORT and LOG_LEVEL apply as for `npm start`.
 */
export function demoConfig(env: NodeJS.ProcessEnv, overrides: unknown = {}): Config {
  const { CHARGEPLAN_CONFIG: _config, CHARGEPLAN_DB: _db, CHARGEPLAN_DATABASE_URL: _url, ...rest } = env;
  return loadConfig({ ...rest, CHARGEPLAN_CONFIG: DEMO_CONFIG_FILE }, overrides);
}

/** Removes the demo's SQLite file and its WAL companions, and makes its folder. */
export function freshDatabase(path: string): string {
  if (path === ':memory:') return path;
  const file = resolve(ROOT, path);
  mkdirSync(dirname(file), { recursive: true });
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
  return file;
}

/** A group of identical simulated stations that a site's EVSEs place: `${prefix}1` .. `${prefix}n`, EVSE 1 each. */
export interface StationLayout {
  prefix: string;
  ids: string[];
  maxKw: number;
}

/**
 * The simulator names its stations `${prefix}${n}` from 1, one EVSE each here: the site must place exactly those, or
 * the config and the simulated world would disagree about which charger is where.
 */
export function stationLayout(site: Site, prefix: string): StationLayout {
  const ids = site.evses.map((_, i) => `${prefix}${i + 1}`);
  site.evses.forEach((e, i) => {
    if (e.stationId !== ids[i] || e.evseId !== 1) {
      throw new Error(`${DEMO_CONFIG_FILE}: site ${site.id}'s EVSE ${i + 1} must be ${ids[i]} EVSE 1 (the simulator's stations), found ${e.stationId} EVSE ${e.evseId}`);
    }
  });
  const maxKw = Math.max(...site.evses.map((e) => e.maxKw));
  return { prefix, ids, maxKw };
}
