/**
 * Issue 19, "nothing lost when a node dies": three product nodes as separate processes on loopback ports, on one
 * PostgreSQL schema and the machine's NATS, behind a small TCP load balancer; 60 simulated stations over 3 sites,
 * a car charging at each; a 10 s lease. One node is killed with SIGKILL in the middle of the sessions. Then:
 *   - every station reconnects to another node, and no WebSocket handshake is refused;
 *   - the dead node's site gets a new owner under the next epoch, which reconciles and pushes TxProfiles again, all
 *     within FAILOVER_BOUND_MS of the kill (lease 10 s + its refresh a third of that + one debounce and a step);
 *   - every TransactionEvent a station had an answer for is stored exactly once, and the stored energy of every
 *     transaction equals the simulator's meter;
 *   - no charger got a push under an older epoch of a site's lease after one under a newer epoch.
 * Time is one manual clock: the parent moves its own (the stations') and every node's in lock step, and waits for
 * every process to be quiet after each step. Runs under `npm run test:postgres`; skipped on SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterProcesses, type NodeProcess } from '../helpers/cluster-processes.js';
import { TcpBalancer } from '../helpers/tcp-balancer.js';
import { postgresUrl, testDatabase, type TestDatabase } from '../helpers/test-database.js';
import { NATS } from '../helpers/cluster-nodes.js';
import { ManualClock } from '../../src/platform/clock.js';
import { Fleet } from '../../src/simulator/fleet.js';
import { hashPassword } from '../../src/ocpp/auth/password.js';
import { createOcppRepositories } from '../../src/storage/index.js';
import type { FenceCheck } from '../../src/cluster/station-calls.js';
import type { Frame } from '../../src/simulator/ocpp-client.js';

const T0 = '2026-12-07T20:00:00Z';
const LEASE_S = 10;
/** Lease expiry (10 s) + the survivors' refresh interval (10/3 s) + a debounce (2 s) + the reconnect delay (2 s), rounded up. */
const FAILOVER_BOUND_MS = 15_000;
/** The takeover (at most FAILOVER_BOUND_MS) + the new owner's first cycle: a debounce (2 s) + waiting for the stations' reports (call timeout 5 s). */
const RECONCILE_BOUND_MS = 22_000;
const RECONCILE = new Set(['GetChargingProfiles', 'SetChargingProfile']);
const PASSWORD = 'kill-nine-station-pw-1';
const SITES = ['north', 'south', 'east'] as const;
const PER_SITE = 20;
const MIN = 60_000;

function config() {
  return {
    // A push in flight to a station on the node that dies waits for the call timeout: short, for a short test.
    ocpp: { acceptUnknownIdTokens: true, callTimeoutSeconds: 5 },
    prices: { tariffs: { flat: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'schedule', schedules: [{ otherwisePerKwh: 0.25 }] } } } },
    sites: SITES.map((id) => ({
      id, timeZone: 'Europe/Copenhagen', tariff: 'flat', gridLimitKw: 150, slotMinutes: 15, circuits: [],
      evses: Array.from({ length: PER_SITE }, (_, i) => ({ stationId: stationId(id, i), evseId: 1, maxKw: 11 })),
      policy: { debounceSeconds: 2, defaultDeparture: '07:00', defaultEnergyKwh: 20 },
    })),
  };
}

const stationId = (site: string, i: number) => `${site.toUpperCase()}-${i + 1}`;

let cluster: ClusterProcesses | null = null;
let lb: TcpBalancer | null = null;
let fleets: Fleet[] = [];
let database: TestDatabase | null = null;
afterEach(async () => {
  for (const f of fleets) await f.stop();
  fleets = [];
  await lb?.close();
  await cluster?.close();
  await database?.drop();
  lb = null;
  cluster = null;
  database = null;
});

describe.skipIf(!postgresUrl)('kill -9 one of three node processes (PostgreSQL + NATS)', { timeout: 600_000 }, () => {
  it('every station reconnects elsewhere, its site is taken over under the next epoch within the bound, and nothing is lost or applied twice', async () => {
    database = await testDatabase();
    const { url, schema } = database.options as { url: string; schema: string };
    // The stations are registered before any node starts (as an installer's CLI run would).
    const storage = await database.open();
    const repos = createOcppRepositories(storage.db);
    const hash = await hashPassword(PASSWORD);
    for (const site of SITES) for (let i = 0; i < PER_SITE; i++) {
      await repos.stations.register({ id: stationId(site, i), passwordHash: hash, securityProfile: 1 }, T0);
    }

    cluster = new ClusterProcesses({ database: { url, schema }, nats: NATS, leaseSeconds: LEASE_S, config: config(), startAt: T0 });
    const nodes: NodeProcess[] = await Promise.all(['node-a', 'node-b', 'node-c'].map((id) => cluster!.start(id)));
    lb = await TcpBalancer.listen(nodes.map((n) => n.ports.ocpp!));

    const clock = new ManualClock(T0);
    const sent = new Map<string, Set<string>>(); // stationId -> "txId#seqNo" of TransactionEvents the station sent
    const answered = new Map<string, Set<string>>(); // ... and had an answer for
    const calls: { at: number; stationId: string; action: string }[] = [];
    const tap = (id: string) => {
      const open = new Map<string, string>(); // message id -> "txId#seqNo"
      return (direction: 'sent' | 'received', frame: Frame) => {
        const f = frame as unknown[];
        if (direction === 'sent' && f[0] === 2 && f[2] === 'TransactionEvent') {
          const p = f[3] as { transactionInfo: { transactionId: string }; seqNo: number };
          const key = `${p.transactionInfo.transactionId}#${p.seqNo}`;
          open.set(String(f[1]), key);
          (sent.get(id) ?? sent.set(id, new Set()).get(id)!).add(key);
        } else if (direction === 'received' && f[0] === 3 && open.has(String(f[1]))) {
          (answered.get(id) ?? answered.set(id, new Set()).get(id)!).add(open.get(String(f[1]))!);
          open.delete(String(f[1]));
        } else if (direction === 'received' && f[0] === 2) {
          calls.push({ at: clock.now(), stationId: id, action: String(f[2]) });
        }
      };
    };
    fleets = SITES.map((site) => new Fleet({
      url: `ws://127.0.0.1:${lb!.port}${nodes[0]!.ocppPath}`, clock, stations: PER_SITE, evsesPerStation: 1,
      idPrefix: `${site.toUpperCase()}-`, password: () => PASSWORD,
      common: { reconnectDelayMs: 2_000, txUpdatedIntervalS: 60 },
      quirks: (i) => ({ tap: tap(stationId(site, i)) }) as never,
    }));
    const stations = fleets.flatMap((f) => f.stations);

    const began = performance.now();
    const progress = (what: string) => {
      if (process.env.TEST_PROGRESS) process.stderr.write(`kill-node: ${what} at +${(clock.now() - Date.parse(T0)) / 1000} s simulated, ${((performance.now() - began) / 1000).toFixed(1)} s real\n`);
    };
    /** One lock-step step: every clock moves, then everyone works until all are quiet. */
    const step = async (ms: number) => {
      clock.advance(ms);
      await cluster!.advance(ms);
      for (let round = 0; round < 2; round++) {
        for (const f of fleets) await f.idle();
        await cluster!.settle();
      }
    };
    const runFor = async (ms: number, stepMs: number) => {
      for (let t = 0; t < ms; t += stepMs) await step(stepMs);
    };
    const runUntil = async (at: number, stepMs: number) => {
      while (clock.now() < at) await step(Math.min(stepMs, at - clock.now()));
    };

    for (const f of fleets) f.start();
    await runFor(10_000, 1_000);
    progress('stations started');
    expect(stations.filter((s) => s.isOnline).length).toBe(60);
    // Every node holds some stations, and each owns one site.
    const before = await Promise.all(nodes.map((n) => n.state()));
    expect(before.map((s) => Object.keys(s.health.sites.owned).length)).toEqual([1, 1, 1]);
    expect(before.reduce((sum, s) => sum + s.health.stationsHeld, 0)).toBe(60);

    // A car at every station, charging.
    const departAt = clock.now() + 8 * MIN;
    for (const [k, f] of fleets.entries()) for (const [i, s] of f.stations.entries()) {
      f.schedule({
        stationId: s.id, evseId: 1, arriveAt: clock.now() + 1_000 + (k * PER_SITE + i) * 100, departAt,
        car: { soc: 20, spec: { idToken: `CARD-${s.id}`, batteryKWh: 60, maxPowerKW: 11, phases: 3, taperStartSoc: 80, taperFloor: 0.3, minCurrentA: 6, reportsSoc: false } },
      });
    }
    await runFor(2 * MIN, 5_000);
    progress('cars charging');

    // The victim: the node that holds the most stations. Its owned site and stations are what must move.
    const victimIndex = before.reduce((best, s, i) => (s.health.stationsHeld > before[best]!.health.stationsHeld ? i : best), 0);
    const victim = nodes[victimIndex]!;
    const victimState = await victim.state();
    const [victimSite, victimEpoch] = Object.entries(victimState.health.sites.owned)[0]!;
    const heldByVictim = victimState.health.stationsHeld;
    expect(heldByVictim).toBeGreaterThan(0);
    const refusedBefore = lb.counts.refused.length;

    const killedAt = clock.now();
    await victim.kill();
    lb.setBackends(nodes.filter((n) => n !== victim).map((n) => n.ports.ocpp!));
    // The kernel closed the victim's sockets: wait (on real I/O, not time) until the balancer has passed that on.
    while (lb.openTo(victim.ports.ocpp!) > 0) await new Promise((r) => setImmediate(r));

    progress(`killed ${victim.nodeId}`);
    let allBack: number | null = null;
    let reconciled: number | null = null;
    const siteStations = () => stations.map((x) => x.id).filter((id) => id.startsWith(`${victimSite.toUpperCase()}-`));
    let takenOver: number | null = null;
    const survivors = nodes.filter((n) => n !== victim);
    while (clock.now() - killedAt < 90_000) {
      await step(1_000);
      if (allBack === null && stations.every((s) => s.isOnline)) allBack = clock.now() - killedAt;
      if (takenOver === null) {
        const states = await Promise.all(survivors.map((n) => n.state()));
        const owner = states.find((s) => s.health.sites.owned[victimSite] !== undefined);
        if (owner) {
          expect(owner.health.sites.owned[victimSite]).toBe(Number(victimEpoch) + 1);
          takenOver = clock.now() - killedAt;
        }
      }
      if (reconciled === null && siteStations().every((id) => calls.some((x) => x.stationId === id && x.at > killedAt + (takenOver ?? Infinity) - 1 && RECONCILE.has(x.action)))) {
        reconciled = clock.now() - killedAt;
      }
      if (allBack !== null && takenOver !== null && reconciled !== null && clock.now() - killedAt >= FAILOVER_BOUND_MS) break;
    }
    progress('failover over');
    expect(allBack).not.toBeNull();
    expect(takenOver).not.toBeNull();
    expect(allBack!).toBeLessThanOrEqual(FAILOVER_BOUND_MS);
    expect(takenOver!).toBeLessThanOrEqual(FAILOVER_BOUND_MS);
    // No handshake refused, before or after the kill.
    expect(lb.counts.refused.slice(refusedBefore)).toEqual([]);
    expect(lb.counts.refused).toEqual([]);
    // The new owner reconciled every charger of the site (K09 GetChargingProfiles, and SetChargingProfile where the
    // station's profile differs from the plan) within the bound.
    expect(reconciled).not.toBeNull();
    expect(reconciled!).toBeLessThanOrEqual(RECONCILE_BOUND_MS);

    // The cars leave; everything is answered and stored.
    await runUntil(departAt + 2 * MIN, 5_000);
    progress('cars gone');
    for (const s of stations) expect(s.evse(1)!.tx, `${s.id} still in a transaction`).toBeFalsy();

    // Exactly once: every TransactionEvent a station had an answer for is stored, once (the primary key would refuse
    // a second), and nothing else is.
    const rows = await storage.db.selectFrom('transaction_events').select(['station_id', 'transaction_id', 'seq_no']).execute();
    const stored = new Map<string, string[]>();
    for (const r of rows) (stored.get(r.station_id) ?? stored.set(r.station_id, []).get(r.station_id)!).push(`${r.transaction_id}#${r.seq_no}`);
    for (const s of stations) {
      const mine = stored.get(s.id) ?? [];
      expect(new Set(mine).size, `${s.id} events stored once`).toBe(mine.length);
      expect([...(answered.get(s.id) ?? [])].sort(), `${s.id} answered events stored`).toEqual([...new Set(mine)].sort());
      expect(sent.get(s.id)!.size).toBe(answered.get(s.id)!.size);
    }
    // Energy: what the stored transactions say each station delivered is what its meter counted.
    const txs = await storage.db.selectFrom('transactions').select(['station_id', 'energy_wh']).execute();
    for (const s of stations) {
      const storedWh = txs.filter((t) => t.station_id === s.id).reduce((sum, t) => sum + Number(t.energy_wh ?? 0), 0);
      expect(storedWh, `${s.id} energy`).toBeCloseTo(s.evse(1)!.registerWh, 0);
    }
    // Not vacuous: most chargers delivered energy. Not every one: 20 cars of 11 kW share a site's 150 kW and none can
    // reach its target before leaving; the site's even share spreads what there is, but a plan made before every car
    // was known (or with policy.shortfall 'fewest-cars') may give a car nothing, and under load its first TxProfile can
    // come before the car drew anything (CI, stop 28: one station at 0 Wh, its meter also 0, so nothing was lost).
    for (const site of SITES) {
      const charged = stations.filter((x) => x.id.startsWith(`${site.toUpperCase()}-`) && x.evse(1)!.registerWh > 0);
      expect(charged.length, `${site}: stations that delivered energy`).toBeGreaterThanOrEqual(Math.floor(150 / 11));
    }

    // Fencing: per charger and lease, the epochs of the pushes it accepted never go down. The victim's checks (all
    // before its death) come first, then the survivors' (each station is held by one node at a time).
    const checks: FenceCheck[] = [...victimState.fences, ...(await Promise.all(survivors.map((n) => n.state()))).flatMap((s) => s.fences)];
    const last = new Map<string, number>();
    for (const c of checks.filter((x) => x.accepted)) {
      const key = `${c.stationId} ${c.lease}`;
      expect(c.epoch, key).toBeGreaterThanOrEqual(last.get(key) ?? 0);
      last.set(key, c.epoch);
    }
    expect(checks.some((c) => c.lease === `site:${victimSite}` && c.epoch === Number(victimEpoch) + 1 && c.accepted)).toBe(true);
    console.log(`kill -9 failover (simulated time): all ${stations.length} stations back ${allBack} ms, site ${victimSite} taken over ${takenOver} ms and reconciled ${reconciled} ms after the kill (bounds ${FAILOVER_BOUND_MS} / ${RECONCILE_BOUND_MS} ms); ${heldByVictim} stations moved; delivered per station ${Math.min(...stations.map((x) => Math.round(x.evse(1)!.registerWh)))}-${Math.max(...stations.map((x) => Math.round(x.evse(1)!.registerWh)))} Wh`);
    await storage.close();
  });
});
