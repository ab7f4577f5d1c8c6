/**
 * The load generator for bench/ocpp.bench.ts, run in a child process (fork) so that the server's memory is
 * measured alone. Each simulated station is one raw `ws` client (no compression): it boots, answers the
 * CSMS's GetVariables capability read, starts a transaction, then sends Heartbeat and TransactionEvent
 * Updated (energy register + active power) alternately at a fixed period, one CALL in flight at a time
 * (OCPP-J 4.1.1). The round trip of every CALL to its CALLRESULT is measured here.
 */
import WebSocket from 'ws';
import type { LoadReport, RunOrder, ToClient, ToServer, WarmOrder } from './protocol.js';

type ConnectOrder = Pick<RunOrder, 'base' | 'ids' | 'password' | 'concurrency'>;

const send = (m: ToServer) => process.send?.(m);

interface Pending {
  resolve: (payload: unknown) => void;
  reject: (err: Error) => void;
}

class Station {
  private seq = 0;
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();
  /** Set while a CALL is unanswered. */
  busy = false;
  seqNo = 0;
  energyWh = 1_000_000 + Math.floor(Math.random() * 500_000);
  readonly capabilitiesRead: Promise<void>;
  private capabilitiesDone!: () => void;
  readonly closed: Promise<void>;

  constructor(readonly id: string, readonly ws: WebSocket) {
    this.capabilitiesRead = new Promise((resolve) => (this.capabilitiesDone = resolve));
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data) => this.onMessage(data.toString()));
    ws.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error(`${id}: connection closed`));
      this.pending.clear();
    });
  }

  call(action: string, payload: unknown): Promise<unknown> {
    const id = `${this.id}-${++this.seq}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify([2, id, action, payload]));
    });
  }

  private onMessage(text: string): void {
    const frame = JSON.parse(text) as [number, string, ...unknown[]];
    const [type, id] = frame;
    if (type === 2) {
      // The CSMS's capability read after boot; answered like a well-behaved AC charger.
      if (frame[2] === 'GetVariables') {
        const req = frame[3] as { getVariableData: { component: unknown; variable: { name: string } }[] };
        const values: Record<string, string> = {
          Enabled: 'true', RateUnit: 'A,W', PeriodsPerSchedule: '24', ProfileStackLevel: '8', Entries: '0',
          Phases3to1: 'false', ACPhaseSwitchingSupported: 'false',
        };
        const getVariableResult = req.getVariableData.map((d) => ({
          attributeStatus: 'Accepted', attributeValue: values[d.variable.name] ?? '', component: d.component, variable: d.variable,
        }));
        this.ws.send(JSON.stringify([3, id, { getVariableResult }]));
        this.capabilitiesDone();
      } else {
        this.ws.send(JSON.stringify([4, id, 'NotSupported', `${String(frame[2])} is not simulated`, {}]));
      }
      return;
    }
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (type === 3) p.resolve(frame[2]);
    else p.reject(Object.assign(new Error(`${String(frame[2])}: ${String(frame[3])}`), { callError: true }));
  }

  get txId(): string {
    return `tx-${this.id}`;
  }

  /** The next message of the steady load: Heartbeat and TransactionEvent Updated, alternately. */
  nextLoadMessage(): [string, unknown] {
    this.nextId++;
    if (this.nextId % 2 === 1) return ['Heartbeat', {}];
    const now = new Date().toISOString();
    const powerW = 10_500 + Math.round(Math.random() * 500);
    this.energyWh += Math.round(powerW / 360); // ~10 s at that power
    return ['TransactionEvent', {
      eventType: 'Updated', timestamp: now, triggerReason: 'MeterValuePeriodic', seqNo: ++this.seqNo,
      transactionInfo: { transactionId: this.txId, chargingState: 'Charging' },
      meterValue: [{ timestamp: now, sampledValue: [
        { value: this.energyWh, measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic', location: 'Outlet', unitOfMeasure: { unit: 'Wh' } },
        { value: powerW, measurand: 'Power.Active.Import', context: 'Sample.Periodic', location: 'Outlet', unitOfMeasure: { unit: 'W' } },
      ] }],
    }];
  }
}

function open(order: ConnectOrder, id: string): Promise<Station> {
  const ws = new WebSocket(`${order.base}/${encodeURIComponent(id)}`, ['ocpp2.0.1'], {
    headers: { authorization: `Basic ${Buffer.from(`${id}:${order.password}`).toString('base64')}` },
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(new Station(id, ws)));
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      reject(new Error(`${id}: handshake refused with HTTP ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
}

/** Connect, BootNotification, answer GetVariables, TransactionEvent Started. */
async function bring(order: ConnectOrder, id: string): Promise<Station> {
  const s = await open(order, id);
  const boot = (await s.call('BootNotification', {
    reason: 'PowerUp',
    chargingStation: { model: 'AC22-T2S', vendorName: 'ExampleCharge', serialNumber: id.slice(-25), firmwareVersion: '2.4.1' },
  })) as { status: string };
  if (boot.status !== 'Accepted') throw new Error(`${id}: boot ${boot.status}`);
  const now = new Date().toISOString();
  await s.call('TransactionEvent', {
    eventType: 'Started', timestamp: now, triggerReason: 'CablePluggedIn', seqNo: 0,
    transactionInfo: { transactionId: s.txId, chargingState: 'EVConnected' },
    evse: { id: 1, connectorId: 1 },
    meterValue: [{ timestamp: now, sampledValue: [
      { value: s.energyWh, measurand: 'Energy.Active.Import.Register', context: 'Transaction.Begin', location: 'Outlet', unitOfMeasure: { unit: 'Wh' } },
    ] }],
  });
  await s.capabilitiesRead;
  return s;
}

async function connectAll(order: ConnectOrder): Promise<{ stations: Station[]; failed: number; firstError?: string }> {
  const stations: Station[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < order.ids.length) {
      const id = order.ids[next++]!;
      try {
        stations.push(await bring(order, id));
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(order.concurrency, order.ids.length) }, worker));
  return { stations, failed, ...(firstError ? { firstError } : {}) };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function load(order: RunOrder, stations: Station[]): Promise<LoadReport> {
  const rtts: number[] = [];
  let sent = 0;
  let errors = 0;
  let skipped = 0;
  const inFlight = new Set<Promise<void>>();
  const fire = (s: Station) => {
    const [action, payload] = s.nextLoadMessage();
    s.busy = true;
    sent++;
    const t = performance.now();
    const p = s.call(action, payload).then(
      () => void rtts.push(performance.now() - t),
      (err: { callError?: boolean }) => void (err.callError ? errors++ : undefined),
    ).finally(() => {
      s.busy = false;
      inFlight.delete(p);
    });
    inFlight.add(p);
    return p;
  };

  const start = performance.now();
  const end = start + order.seconds * 1000;
  if (order.mode === 'pingpong') {
    const s = stations[0]!;
    while (performance.now() < end) {
      const t = performance.now();
      sent++;
      await s.call('Heartbeat', {});
      rtts.push(performance.now() - t);
    }
  } else {
    // Each station sends one message every N/rate seconds, phases spread evenly: fixed aggregate offered load.
    const periodMs = (stations.length / order.rate) * 1000;
    await new Promise<void>((resolve) => {
      let running = stations.length;
      stations.forEach((s, i) => {
        let due = start + (i / stations.length) * periodMs;
        // A station whose next tick falls after the end is done at once (waiting for that tick would stretch
        // the measured window by up to one period).
        const schedule = () => {
          if (due >= end) {
            if (--running === 0) resolve();
            return;
          }
          setTimeout(tick, Math.max(0, due - performance.now()));
        };
        const tick = () => {
          if (s.busy) skipped++;
          else void fire(s);
          due += periodMs;
          schedule();
        };
        schedule();
      });
    });
    await Promise.race([Promise.all(inFlight), new Promise((r) => setTimeout(r, 10_000))]);
  }
  const durationMs = performance.now() - start;
  const sorted = Float64Array.from(rtts).sort();
  return {
    type: 'loadDone', sent, replies: rtts.length, errors, skipped, durationMs,
    p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN,
  };
}

let stations: Station[] = [];
let warm: Station[] = [];
process.on('message', (m: ToClient) => {
  void (async () => {
    if (m.type === 'warm') {
      const t = performance.now();
      const c = await connectAll(m satisfies WarmOrder);
      warm = c.stations;
      send({ type: 'warmed', connected: c.stations.length, failed: c.failed, connectMs: performance.now() - t, ...(c.firstError ? { firstError: c.firstError } : {}) });
    } else if (m.type === 'run') {
      const t = performance.now();
      const c = await connectAll(m);
      stations = c.stations;
      send({ type: 'connected', connected: c.stations.length, failed: c.failed, connectMs: performance.now() - t, ...(c.firstError ? { firstError: c.firstError } : {}) });
      send(await load(m, stations));
    } else if (m.type === 'close') {
      const all = [...warm, ...stations];
      for (const s of all) s.ws.close(1000);
      await Promise.race([Promise.all(all.map((s) => s.closed)), new Promise((r) => setTimeout(r, 10_000))]);
      send({ type: 'closed' });
      process.disconnect();
    }
  })();
});
