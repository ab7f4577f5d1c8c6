/**
 * CPU per row of the two write-behind logs on the OCPP path (issue 15, bench:ocpp's 1,000-station row): the message
 * log's batch append (StationFrameRepository.append, 2 frames per station per batch as bench:ocpp's load sends them)
 * and the EVSE state log's writes (UtilisationRepository.recordReceived: one row per write, as one event-loop turn at
 * 1,000 messages a second mostly has, against a batch of rows in one write). `tsx bench/storage/write-behind-cpu.ts
 * [--url postgres://...]`: prints a table of µs of process CPU per row (user + system: other load hardly moves it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../../src/storage/index.js';
import { StationFrameRepository } from '../../src/storage/station-frame-repository.js';
import { UtilisationRepository } from '../../src/storage/utilisation-repository.js';
import { frameRecord } from '../../src/ocpp/frame-record.js';
import type { StationFrame } from '../../src/domain/station-frames.js';
import type { ReceivedEvseStateRow } from '../../src/domain/utilisation.js';

const argv = process.argv.slice(2);
const url = argv.includes('--url') ? argv[argv.indexOf('--url') + 1] : undefined;
const STATIONS = 1000;
const dir = mkdtempSync(join(tmpdir(), 'chargeplan-write-behind-'));
const storage = await openStorage(url ? { url } : { path: join(dir, 'bench.sqlite') });
try {
  const db = storage.db;
  const ids = Array.from({ length: STATIONS }, (_, i) => `CS-${String(i).padStart(6, '0')}`);
  const now = Date.parse('2026-12-07T10:00:00Z');
  const tx = { eventType: 'Updated', timestamp: '2026-12-07T10:00:00.000Z', triggerReason: 'MeterValuePeriodic', seqNo: 5, transactionInfo: { transactionId: 'tx-CS-000123', chargingState: 'Charging' },
    meterValue: [{ timestamp: '2026-12-07T10:00:00.000Z', sampledValue: [{ value: 12345, measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic', location: 'Outlet', unitOfMeasure: { unit: 'Wh' } }] }] };
  let n = 0;
  const frames = (): StationFrame[] => ids.flatMap((id) => {
    const at = new Date(now + n++).toISOString();
    return [
      frameRecord(id, at, { direction: 'in', type: 'CALL', messageId: `m${n}`, action: 'TransactionEvent', payload: tx }, 'c1'),
      frameRecord(id, at, { direction: 'out', type: 'CALLRESULT', messageId: `m${n}`, action: 'TransactionEvent', payload: {} }, 'c1'),
    ];
  });
  const cpu = async (rows: number, work: () => Promise<void>) => {
    const c0 = process.cpuUsage();
    await work();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / rows;
  };
  const out: [string, number][] = [];
  const frameRepo = new StationFrameRepository(db);
  for (let i = 0; i < 60; i++) await frameRepo.append(frames()); // every slot taken: the steady state's upserts
  const batches = Array.from({ length: 10 }, frames);
  out.push(['message log: append of 2,000 frames (1,000 stations x 2)', await cpu(20_000, async () => { for (const b of batches) await frameRepo.append(b); })]);

  const log = new UtilisationRepository(db);
  let k = 0;
  const row = (): ReceivedEvseStateRow => {
    const at = new Date(now + k++).toISOString();
    return { stationId: ids[k % STATIONS]!, evseId: 1, connectorId: 0, kind: 'charging', value: 'Charging', at, receivedAt: at };
  };
  const singles = Array.from({ length: 2000 }, row);
  out.push(['EVSE state log: one row per write (a turn with one event)', await cpu(2000, async () => { for (const r of singles) await log.recordReceived([r]); })]);
  const many = Array.from({ length: 20 }, () => Array.from({ length: 100 }, row));
  out.push(['EVSE state log: 100 rows per write', await cpu(2000, async () => { for (const b of many) await log.recordReceived(b); })]);

  console.log(`\n| ${storage.dialect} write | CPU µs per row |\n|---|---:|`);
  for (const [name, us] of out) console.log(`| ${name} | ${us.toFixed(2)} |`);
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
