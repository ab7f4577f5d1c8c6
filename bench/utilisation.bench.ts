/**
 * npm run bench:utilisation (issue 17: "a 20-charger site over a year answers in well under a second"). A year of
 * seeded synthetic history for 20 chargers (one EVSE each): ~3 sessions per charger and day with their chargingState
 * changes, Occupied/Available StatusNotifications, a fault or an Inoperative spell now and then, link drops and
 * Authorize requests, written with the product's own repositories. Then one utilisation query per row, as the API
 * makes it: the one bounded read (UtilisationRepository.history) and the pure computation, for the last week, month
 * and year. The reference row, same run and database: TransactionRepository.between over the same year (the
 * sessions list's read), so the figures can be judged against a read the product already makes.
 * Options: --runs N (5), --postgres (also on PostgreSQL at CHARGEPLAN_BENCH_DATABASE_URL), --seed N (17).
 */
import { performance } from 'node:perf_hooks';
import type { DialectName, Storage } from '../src/storage/database.js';
import type { EvseStateRow } from '../src/domain/utilisation.js';
import { UtilisationRepository } from '../src/storage/utilisation-repository.js';
import { TransactionRepository } from '../src/storage/transaction-repository.js';
import { computeUtilisation } from '../src/scheduler/utilisation.js';
import { utilisationPeriod } from '../src/scheduler/utilisation-calendar.js';
import { openBenchDb } from './storage/fixture.js';
import { seededRandom } from '../src/prices/backoff.js';

const argv = process.argv.slice(2);
const num = (name: string, d: number) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? Number(argv[i + 1]) : d; };
const RUNS = num('runs', 5);
const SEED = num('seed', 17);
const DIALECTS: DialectName[] = argv.includes('--postgres') ? ['sqlite', 'postgres'] : ['sqlite'];
const ZONE = 'Europe/Copenhagen';
const NOW = Date.parse('2026-11-23T12:00:00Z');
const CHARGERS = 20;
const HOUR = 3_600_000;
const MIN = 60_000;

/** The same history on every run (mulberry32, the product's seeded generator). */
const rng = seededRandom;

const iso = (ms: number) => new Date(ms).toISOString();

async function seed(s: Storage): Promise<{ sessions: number; rows: number }> {
  const random = rng(SEED);
  const from = NOW - 366 * 24 * HOUR;
  const ids = Array.from({ length: CHARGERS }, (_, i) => `CP${String(i + 1).padStart(2, '0')}`);
  await s.db.insertInto('stations').values(ids.map((id) => ({ id, security_profile: 1, created_at: iso(from), updated_at: iso(from) }))).execute();
  const log = new UtilisationRepository(s.db);
  const rows: EvseStateRow[] = [];
  const txs: Record<string, unknown>[] = [];
  for (const stationId of ids) {
    rows.push({ stationId, evseId: 0, connectorId: 0, kind: 'link', value: 'connected', at: iso(from) });
    rows.push({ stationId, evseId: 1, connectorId: 1, kind: 'connector', value: 'Available', at: iso(from) });
    let t = from + random() * 6 * HOUR;
    let n = 0;
    while (t < NOW - 12 * HOUR) {
      const plugged = (1 + random() * 10) * HOUR;
      const charging = Math.min(plugged, (0.5 + random() * 4) * HOUR);
      const end = t + plugged;
      const id = `${stationId}-${n++}`;
      txs.push({
        station_id: stationId, transaction_id: id, evse_id: 1, connector_id: 1, state: 'Ended', started_at: iso(t), ended_at: iso(end),
        last_seq_no: 3, last_event_at: iso(end), meter_start_wh: 0, energy_wh: Math.round(charging / HOUR * 9_000), offline: 0, updated_at: iso(end),
      });
      rows.push(
        { stationId, evseId: 1, connectorId: 1, kind: 'connector', value: 'Occupied', at: iso(t) },
        { stationId, evseId: 1, connectorId: 0, kind: 'charging', value: 'Charging', at: iso(t + MIN) },
        { stationId, evseId: 1, connectorId: 0, kind: 'charging', value: 'SuspendedEV', at: iso(t + MIN + charging) },
        { stationId, evseId: 1, connectorId: 1, kind: 'connector', value: 'Available', at: iso(end) },
      );
      if (random() < 0.3) rows.push({ stationId, evseId: 0, connectorId: 0, kind: 'authorize', value: 'Authorize', at: iso(t - MIN) });
      t = end + (0.5 + random() * 8) * HOUR;
      // A fault, an Inoperative spell or a lost connection about once a month each.
      const r = random();
      if (r < 0.03) {
        rows.push({ stationId, evseId: 1, connectorId: 1, kind: 'connector', value: r < 0.015 ? 'Faulted' : 'Unavailable', at: iso(t) });
        t += (1 + random() * 20) * HOUR;
        rows.push({ stationId, evseId: 1, connectorId: 1, kind: 'connector', value: 'Available', at: iso(t) });
      } else if (r < 0.06) {
        rows.push({ stationId, evseId: 0, connectorId: 0, kind: 'link', value: 'disconnected', at: iso(t) });
        rows.push({ stationId, evseId: 0, connectorId: 0, kind: 'link', value: 'connected', at: iso(t + random() * 2 * HOUR) });
      }
    }
  }
  for (let i = 0; i < txs.length; i += 500) await s.db.insertInto('transactions').values(txs.slice(i, i + 500) as never).execute();
  await log.record(rows, iso(NOW));
  return { sessions: txs.length, rows: rows.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const site = { id: 'bench', evses: Array.from({ length: CHARGERS }, (_, i) => ({ stationId: `CP${String(i + 1).padStart(2, '0')}`, evseId: 1 })) };
  const stations = site.evses.map((e) => e.stationId);
  const lines: string[] = [];
  lines.push('| database | query | sessions read | log rows read | read ms (median) | compute ms (median) | total ms | of reference |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const dialect of DIALECTS) {
    const db = await openBenchDb(dialect, 'utilisation');
    try {
      const seeded = await seed(db.storage);
      console.error(`${dialect}: seeded ${seeded.sessions} sessions and ${seeded.rows} log rows for ${CHARGERS} chargers over a year`);
      const source = new UtilisationRepository(db.storage.db);
      const txs = new TransactionRepository(db.storage.db);
      const year = utilisationPeriod(ZONE, NOW, '2025-11-23', '2026-11-24');
      const refTimes: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        await txs.between(iso(year.startMs), iso(NOW), stations);
        refTimes.push(performance.now() - t0);
      }
      const ref = median(refTimes);
      const periods: [string, string][] = [['1 week', '2026-11-17'], ['1 month', '2026-10-24'], ['1 year', '2025-11-24']];
      for (const [label, from] of periods) {
        const period = utilisationPeriod(ZONE, NOW, from, '2026-11-24');
        const reads: number[] = [];
        const computes: number[] = [];
        let sizes = [0, 0];
        for (let r = 0; r < RUNS; r++) {
          const t0 = performance.now();
          const history = await source.history(stations, iso(period.startMs), iso(Math.min(period.endMs, NOW)));
          const t1 = performance.now();
          computeUtilisation({ site, period, nowMs: NOW, history });
          computes.push(performance.now() - t1);
          reads.push(t1 - t0);
          sizes = [history.sessions.length, history.log.length];
        }
        const total = median(reads) + median(computes);
        lines.push(`| ${dialect} | ${label} | ${sizes[0]} | ${sizes[1]} | ${median(reads).toFixed(1)} | ${median(computes).toFixed(1)} | ${total.toFixed(1)} | ${(total / ref).toFixed(2)} |`);
      }
      lines.push(`| ${dialect} | reference: transactions.between over the year | | | ${ref.toFixed(1)} | | ${ref.toFixed(1)} | 1.00 |`);
    } finally {
      await db.close();
    }
  }
  console.log(lines.join('\n'));
}

await main();
