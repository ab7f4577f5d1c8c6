/**
 * What /health calls degraded (issue 17): the database does not answer a trivial query within a few seconds, a price
 * source's latest pull failed (until one succeeds), or a zone's prices are stale. Price failures are learned from the
 * price layer's events, so /health adds no load on the feeds; the database is asked at each request, bounded by a
 * timeout on the injected clock so a hung pool cannot hang the health check.
 */
import { sql } from 'kysely';
import type { HealthChecks } from '../http/routes/health.js';
import type { Clock } from '../platform/clock.js';
import type { TypedEvents } from '../platform/events.js';
import type { Db } from '../storage/index.js';
import type { AppEvents } from './scheduler-events.js';

const DB_TIMEOUT_MS = 3000;
const MAX_TRACKED = 1000;

export function healthChecks(deps: { db: Db; clock: Clock; events: Pick<TypedEvents<AppEvents>, 'on'>; dbTimeoutMs?: number }): HealthChecks & { stop(): void } {
  const failing = new Map<string, { code: string; message: string; at: number }>();
  const stale = new Map<string, number | undefined>();
  const offs = [
    deps.events.on('prices.fetch-failed', (e) => {
      failing.set(e.source, { code: e.code, message: e.message, at: deps.clock.now() });
      if (failing.size > MAX_TRACKED) failing.delete(failing.keys().next().value!);
    }),
    deps.events.on('prices.updated', (e) => {
      failing.delete(e.source);
      stale.delete(e.zone);
    }),
    deps.events.on('prices.stale', (e) => {
      stale.set(e.zone, e.ageMs);
      if (stale.size > MAX_TRACKED) stale.delete(stale.keys().next().value!);
    }),
  ];
  const ping = async (): Promise<string | null> => {
    const ms = deps.dbTimeoutMs ?? DB_TIMEOUT_MS;
    let timer: { cancel(): void } | undefined;
    try {
      await Promise.race([
        sql`SELECT 1`.execute(deps.db),
        new Promise<never>((_, reject) => (timer = deps.clock.setTimer(ms, () => reject(new Error(`no answer within ${ms} ms`))))),
      ]);
      return null;
    } catch (err) {
      return `database: ${(err as Error).message}`;
    } finally {
      timer?.cancel();
    }
  };
  return {
    async reasons() {
      const out: string[] = [];
      const db = await ping();
      if (db) out.push(db);
      for (const [source, f] of failing) out.push(`price source ${source}: ${f.code} ${f.message} (since ${new Date(f.at).toISOString()})`);
      for (const [zone, age] of stale) out.push(`prices for zone ${zone} are stale (${age === undefined ? 'never received' : `${Math.round(age / 60_000)} min old`})`);
      return out;
    },
    stop: () => offs.forEach((off) => off()),
  };
}
