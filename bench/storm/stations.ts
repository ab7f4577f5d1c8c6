/**
 * Simulated stations for bench/storm.bench.ts, in their own process (forked), one role per process:
 * - fleet: N stations from several loopback source addresses; a station whose connection drops reconnects like a
 *   charger does (a random 0-1 s first wait, then every 0.5-1 s while nothing answers, after Retry-After on a 503);
 * - probe: one station sending a Heartbeat every `intervalMs`, measuring each round trip;
 * - flood: handshakes with a wrong password at a fixed rate for one known station;
 * - legit: one station with the right password opening a connection every `intervalMs`, timing the handshake.
 * Raw `ws` clients, no compression. Nothing here reads the product's code: it only speaks OCPP-J.
 */
import WebSocket from 'ws';
import type { Latency, StationOrder, StationReport } from './protocol.js';

const send = (m: StationReport) => process.send?.(m);
const auth = (id: string, password: string) => `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function latency(values: number[]): Latency {
  const s = Float64Array.from(values).sort();
  const at = (p: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!);
  return { n: s.length, p50: at(50), p99: at(99), max: s.length ? s[s.length - 1]! : NaN };
}

type Outcome = { ok: true; ws: WebSocket } | { ok: false; status: number; retryAfterS: number | null } | { ok: false; status: 0; error: string };

function open(base: string, id: string, password: string, localAddress: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base}/${encodeURIComponent(id)}`, ['ocpp2.0.1'], {
      headers: { authorization: auth(id, password) }, perMessageDeflate: false, localAddress, handshakeTimeout: 30_000,
    });
    // A reset after the handshake (the server killed) must not end this process: 'close' follows.
    ws.on('error', () => {});
    ws.once('open', () => resolve({ ok: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      const retry = res.headers['retry-after'];
      resolve({ ok: false, status: res.statusCode ?? 0, retryAfterS: retry === undefined ? null : Number(retry) });
      ws.terminate();
    });
    ws.once('error', (err) => resolve({ ok: false, status: 0, error: (err as NodeJS.ErrnoException).code ?? err.message }));
  });
}

/** Answers the CSMS's CALLs well enough (GetVariables for the capability read; anything else NotSupported). */
function answerCalls(ws: WebSocket): void {
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as [number, string, string?, unknown?];
    if (frame[0] !== 2) return;
    if (frame[2] === 'GetVariables') {
      const req = frame[3] as { getVariableData: { component: unknown; variable: unknown }[] };
      ws.send(JSON.stringify([3, frame[1], { getVariableResult: req.getVariableData.map((d) => ({ attributeStatus: 'UnknownVariable', component: d.component, variable: d.variable })) }]));
    } else {
      ws.send(JSON.stringify([4, frame[1], 'NotSupported', 'not simulated', {}]));
    }
  });
}

let markAt = performance.now();
const stopped = { value: false };

async function fleet(o: Extract<StationOrder, { type: 'fleet' }>): Promise<void> {
  let connected = 0;
  let counters = { attempts: 0, refusedForLoad: 0, refusedOther: 0, connectErrors: 0 };
  let byStatus: Record<string, number> = {};
  let reported = false;
  const onMark = () => {
    counters = { attempts: 0, refusedForLoad: 0, refusedOther: 0, connectErrors: 0 };
    byStatus = {};
    reported = false;
  };
  marks.push(onMark);
  const keep = async (id: string, address: string, firstWaitMs: number) => {
    await sleep(firstWaitMs);
    while (!stopped.value) {
      counters.attempts++;
      const r = await open(o.base, id, o.password, address);
      if (r.ok) {
        connected++;
        if (connected === o.ids.length && !reported) {
          reported = true;
          send({ type: 'allConnected', ms: performance.now() - markAt, ...counters, byStatus });
        }
        answerCalls(r.ws);
        await new Promise((resolve) => r.ws.once('close', resolve));
        connected--;
        await sleep(Math.random() * 1000);
        continue;
      }
      const key = r.status === 0 ? ('error' in r ? r.error : 'error') : String(r.status);
      byStatus[key] = (byStatus[key] ?? 0) + 1;
      if (r.status === 503) counters.refusedForLoad++;
      else if (r.status !== 0) counters.refusedOther++;
      else counters.connectErrors++;
      await sleep(r.status === 503 ? (r.retryAfterS ?? 1) * 1000 + Math.random() * 1000 : r.status === 0 ? 500 + Math.random() * 500 : 5000);
    }
  };
  // All at once: the storm this bench is about.
  o.ids.forEach((id, i) => void keep(id, o.addresses[i % o.addresses.length]!, 0));
}

async function probe(o: Extract<StationOrder, { type: 'probe' }>): Promise<void> {
  let rtts: number[] = [];
  let lost = 0;
  marks.push(() => {
    rtts = [];
    lost = 0;
  });
  reports.push(() => send({ type: 'probe', rtt: latency(rtts), lost }));
  while (!stopped.value) {
    const r = await open(o.base, o.id, o.password, o.address);
    if (!r.ok) {
      await sleep(200);
      continue;
    }
    answerCalls(r.ws);
    let closed = false;
    r.ws.once('close', () => void (closed = true));
    let seq = 0;
    while (!closed && !stopped.value) {
      const id = `hb-${++seq}`;
      const t = performance.now();
      const answered = await new Promise<boolean>((resolve) => {
        const onMessage = (data: WebSocket.RawData) => {
          const f = JSON.parse(data.toString()) as [number, string];
          if (f[0] === 3 && f[1] === id) done(true);
        };
        const done = (v: boolean) => {
          r.ws.off('message', onMessage);
          r.ws.off('close', onClose);
          resolve(v);
        };
        const onClose = () => done(false);
        r.ws.on('message', onMessage);
        r.ws.once('close', onClose);
        r.ws.send(JSON.stringify([2, id, 'Heartbeat', {}]));
      });
      if (answered) rtts.push(performance.now() - t);
      else lost++;
      await sleep(o.intervalMs);
    }
  }
}

async function flood(o: Extract<StationOrder, { type: 'flood' }>): Promise<void> {
  const byStatus: Record<string, number> = {};
  let sent = 0;
  let errors = 0;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  const end = t0 + o.seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const due = t0 + (i * 1000) / o.perSecond;
    if (due > performance.now()) await sleep(due - performance.now());
    sent++;
    pending.push(open(o.base, o.id, o.password, o.address).then((r) => {
      if (r.ok) {
        byStatus['101'] = (byStatus['101'] ?? 0) + 1;
        r.ws.terminate();
      } else if (r.status === 0) errors++;
      else byStatus[String(r.status)] = (byStatus[String(r.status)] ?? 0) + 1;
    }));
  }
  await Promise.all(pending);
  send({ type: 'flood', sent, byStatus, errors, seconds: (performance.now() - t0) / 1000 });
}

async function legit(o: Extract<StationOrder, { type: 'legit' }>): Promise<void> {
  const times: number[] = [];
  const byStatus: Record<string, number> = {};
  let errors = 0;
  const end = performance.now() + o.seconds * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    const r = await open(o.base, o.id, o.password, o.address);
    if (r.ok) {
      times.push(performance.now() - t);
      byStatus['101'] = (byStatus['101'] ?? 0) + 1;
      r.ws.terminate();
    } else if (r.status === 0) errors++;
    else byStatus[String(r.status)] = (byStatus[String(r.status)] ?? 0) + 1;
    await sleep(o.intervalMs);
  }
  send({ type: 'legit', handshake: latency(times), byStatus, errors });
}

const marks: (() => void)[] = [];
const reports: (() => void)[] = [];
process.on('message', (m: StationOrder) => {
  if (m.type === 'fleet') void fleet(m);
  else if (m.type === 'probe') void probe(m);
  else if (m.type === 'flood') void flood(m);
  else if (m.type === 'legit') void legit(m);
  else if (m.type === 'mark') {
    markAt = performance.now();
    for (const f of marks) f();
  } else if (m.type === 'report') for (const f of reports) f();
  else if (m.type === 'stop') {
    stopped.value = true;
    process.exit(0);
  }
});
