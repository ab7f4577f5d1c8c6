/**
 * The stations of bench:fuzz, in a forked process (bench/fuzz.bench.ts is the server): role 'sender' opens several
 * connections and sends seeded hostile frames (test/helpers/fuzz-frames.ts) round robin over the categories,
 * checking every reply against what its frame calls for; role 'probe' is one well-behaved station sending
 * Heartbeats one after another and timing each round trip.
 */
import WebSocket from 'ws';
import { FUZZ_CATEGORIES, FuzzFrames, checkReplies, repliesFor, type Expected } from '../../test/helpers/fuzz-frames.js';
import { seededRandom } from '../../src/prices/backoff.js';

export type FuzzOrder =
  | { type: 'sender'; base: string; ids: string[]; frames: number; seed: number; window: number }
  | { type: 'probe'; base: string; id: string; intervalMs: number }
  | { type: 'stop' };

export type FuzzReport =
  | { type: 'ready' }
  | { type: 'senderDone'; sent: number; ms: number; byCode: Record<string, number>; wrong: number; firstWrong: string | null; unexpected: number; closed: number }
  | { type: 'probeDone'; rtts: number[]; closed: boolean };

const send = (m: FuzzReport) => process.send!(m);

function open(base: string, id: string, deflate: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base}/${encodeURIComponent(id)}`, ['ocpp2.0.1'], { perMessageDeflate: deflate });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** BootNotification, awaited: everything but a boot is refused before an accepted one (B01.FR.08). */
function boot(ws: WebSocket, id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const f = JSON.parse(data.toString()) as unknown[];
      if (f[1] !== `boot-${id}`) return;
      ws.off('message', onMessage);
      if (f[0] === 3 && (f[2] as { status: string }).status === 'Accepted') resolve();
      else reject(new Error(`boot of ${id} answered ${JSON.stringify(f).slice(0, 200)}`));
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify([2, `boot-${id}`, 'BootNotification', { reason: 'PowerUp', chargingStation: { model: 'Fuzz', vendorName: 'Bench' } }]));
  });
}

async function sender(o: Extract<FuzzOrder, { type: 'sender' }>): Promise<void> {
  const sockets = await Promise.all(o.ids.map(async (id) => {
    const ws = await open(o.base, id, true);
    await boot(ws, id);
    return ws;
  }));
  send({ type: 'ready' });
  const frames = new FuzzFrames(seededRandom(o.seed));
  const pending = new Map<string, { expected: Expected; replies: unknown[][] }>();
  const byCode: Record<string, number> = {};
  let unreadable = 0;
  let wrong = 0;
  let unexpected = 0;
  let closed = 0;
  let firstWrong: string | null = null;
  let wake: (() => void) | undefined;
  const settle = (id: string, reply: unknown[]) => {
    const p = pending.get(id);
    if (!p) {
      unexpected += 1;
      return;
    }
    p.replies.push(reply);
    if (p.replies.length < repliesFor(p.expected)) return;
    pending.delete(id);
    const why = checkReplies(p.expected, p.replies);
    if (why) {
      wrong += 1;
      firstWrong ??= `${id}: ${why}`;
    }
  };
  for (const ws of sockets) {
    ws.on('close', () => void (closed += 1));
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as unknown[];
      const code = f[0] === 3 ? 'CALLRESULT' : String(f[2]);
      byCode[code] = (byCode[code] ?? 0) + 1;
      if (f[1] === '-1') {
        unreadable -= 1;
        if (unreadable < 0) unexpected += 1;
      } else {
        settle(String(f[1]), f);
      }
      if (pending.size + Math.max(0, unreadable) < o.window / 2) wake?.();
    });
  }
  const t0 = performance.now();
  let sent = 0;
  for (let i = 0; sent < o.frames; i++) {
    const category = FUZZ_CATEGORIES[i % FUZZ_CATEGORIES.length]!;
    const f = frames.frame(category, i);
    const ws = sockets[i % sockets.length]!;
    if (f.expected.kind !== 'none') {
      if (f.replyId === '-1') unreadable += 1;
      else pending.set(f.replyId, { expected: f.expected, replies: [] });
    }
    for (const text of f.texts) ws.send(text);
    sent += f.texts.length;
    // Keep a bounded number of frames in flight (the server answers in order per connection).
    if (pending.size + unreadable >= o.window) await new Promise<void>((r) => (wake = r));
  }
  // Wait for the last replies (a frame never answered shows up as `pending` left over).
  const deadline = performance.now() + 30_000;
  while ((pending.size > 0 || unreadable > 0) && performance.now() < deadline && closed === 0) {
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, 100);
    });
  }
  const ms = performance.now() - t0;
  wrong += pending.size + Math.max(0, unreadable);
  if (pending.size > 0) firstWrong ??= `${[...pending.keys()][0]}: no reply`;
  send({ type: 'senderDone', sent, ms, byCode, wrong, firstWrong, unexpected, closed });
  for (const ws of sockets) ws.close();
}

async function probe(o: Extract<FuzzOrder, { type: 'probe' }>): Promise<void> {
  const ws = await open(o.base, o.id, false);
  await boot(ws, o.id);
  const rtts: number[] = [];
  let stopped = false;
  let wasClosed = false;
  ws.on('close', () => void (wasClosed = true));
  process.on('message', (m: FuzzOrder) => {
    if (m.type === 'stop') stopped = true;
  });
  send({ type: 'ready' });
  for (let n = 0; !stopped && !wasClosed; n++) {
    const id = `hb-${n}`;
    const t = performance.now();
    await new Promise<void>((resolve) => {
      const onMessage = (data: WebSocket.RawData) => {
        const f = JSON.parse(data.toString()) as unknown[];
        if (f[1] !== id) return;
        ws.off('message', onMessage);
        resolve();
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify([2, id, 'Heartbeat', {}]));
    });
    rtts.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
  send({ type: 'probeDone', rtts, closed: wasClosed });
  ws.close();
}

process.once('message', (m: FuzzOrder) => {
  const run = m.type === 'sender' ? sender(m) : m.type === 'probe' ? probe(m) : Promise.resolve();
  run.catch((err: unknown) => {
    process.stderr.write(`fuzz client failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
});
