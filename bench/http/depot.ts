// The depot bench:http runs against (and bench/http/probe.ts profiles): the real product (SQLite file, scheduler,
// the auth plugin) on a manual clock, N vans each with a one-off target and a running session, one plan over all
// of them with what was pushed for each session (as the push cycle records it), and a fleet manager's API token.
// SQLite by default; BENCH_DATABASE_URL=postgres://... runs it on PostgreSQL, in a schema of its own dropped at close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { start } from '../../src/main.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { ProfileRepository } from '../../src/storage/plan-repository.js';

export const T0 = '2026-11-23T16:00:00Z';

export async function startDepot(N: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  const url = process.env.BENCH_DATABASE_URL;
  const schema = `bench_http_${process.pid}`;
  const clock = new ManualClock(T0);
  const config = loadConfig({}, {
    database: url ? { url, schema } : { path: join(dir, 'b.sqlite') },
    http: { host: '127.0.0.1', port: 0 },
    ocpp: { host: '127.0.0.1', port: 0, pingIntervalSeconds: 0 },
    log: { level: 'silent' },
    prices: {
      zones: [{ id: 'TEST', currency: 'EUR', timeZone: 'Europe/Copenhagen' }],
      tariffs: { depot: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: 'TEST' } } },
    },
    sites: [{
      id: 'depot', fleet: 'north', timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: N * 4, slotMinutes: 15,
      circuits: Array.from({ length: Math.ceil(N / 10) }, (_, r) => ({ id: `row-${r}`, limitKw: 60 })),
      evses: Array.from({ length: N }, (_, i) => ({ stationId: `CS${Math.floor(i / 2)}`, evseId: (i % 2) + 1, circuit: `row-${Math.floor(i / 10)}`, maxKw: 11 })),
    }],
  } as never);
  const running = await start(config, { clock, logger: silentLogger() });

  // Prices for two days: evening peak, night trough (published through the real intake).
  const start0 = Date.parse(T0);
  const intervals = Array.from({ length: 48 }, (_, h) => ({
    start: new Date(start0 + h * 3_600_000).toISOString().replace('.000Z', '+00:00'),
    end: new Date(start0 + (h + 1) * 3_600_000).toISOString().replace('.000Z', '+00:00'),
    price: 0.2 + 0.15 * Math.cos(((h + 16 - 18) / 24) * 2 * Math.PI),
  }));
  const checked = running.pricing.intake.validate({ format: 'json', body: { zone: 'TEST', currency: 'EUR', resolution: 'PT60M', intervals } });
  if (!checked.ok) throw new Error('bench prices refused');
  await running.pricing.intake.apply(checked.publication, 'bench');

  // N vans, each with a one-off target and a session on its EVSE (stored as the OCPP handlers store them).
  const at = new Date(start0).toISOString();
  for (let i = 0; i < N; i++) {
    const stationId = `CS${Math.floor(i / 2)}`;
    if (i % 2 === 0) await running.repositories.stations.register({ id: stationId, passwordHash: null, securityProfile: 0 }, at);
    await running.scheduler.upsertVehicle({ id: `V${i}`, name: `Van ${i}`, fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: [`T${i}`] });
    await running.scheduler.setTarget(`V${i}`, { kind: 'once', departure: `2026-11-24T0${5 + (i % 4)}:30`, energyKwh: 8 + (i % 25) });
    await running.repositories.transactions.applyEvent({
      stationId, transactionId: `TX${i}`, seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp: at, offline: false,
      evseId: (i % 2) + 1, connectorId: 1, idToken: { idToken: `T${i}`, type: 'ISO14443' },
      meterValues: [{ timestamp: at, measurand: 'Energy.Active.Import.Register', value: 1000 * i, unit: 'Wh' }], payload: {},
    } as never, at);
  }
  // One planning cycle over all of them (the debounce runs on the manual clock).
  running.scheduler.trigger('depot', 'bench');
  for (let i = 0; i < 50 && (running.scheduler.waiting || i === 0); i++) {
    clock.advance(2_000);
    await running.scheduler.done();
    await new Promise((r) => setImmediate(r));
  }
  const plan = await running.scheduler.latestPlan('depot');
  if (!plan || plan.sessions.length !== N) throw new Error(`expected a plan with ${N} sessions, got ${plan?.sessions.length ?? 'none'}`);
  // What a depot's push cycle leaves behind: each session's profile, accepted (no station is connected here).
  const profiles = new ProfileRepository(running.db);
  for (const [k, s] of plan.sessions.entries()) {
    await profiles.recordPush({
      stationId: s.stationId, evseId: s.evseId, transactionId: s.transactionId, siteId: 'depot', planId: plan.id, profileId: 1000 + k,
      stackLevel: 1, unit: 'W', periods: plan.slotStarts.map((startMs, i) => ({ startMs, limitKw: s.powerKw[i] ?? 0 })), endMs: plan.endMs,
      coversUntilMs: plan.endMs, state: 'accepted', detail: null, sentAt: at,
    });
  }

  const { token } = await issueApiToken(new ApiTokenRepository(running.db), clock, {
    name: 'bench', grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }],
  });
  return {
    running, clock, token,
    base: `http://127.0.0.1:${running.ports.http}`,
    async close() {
      if (url) await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(running.db);
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
