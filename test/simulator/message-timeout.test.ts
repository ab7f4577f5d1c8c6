/**
 * OCPPCommCtrlr.MessageTimeout in the simulated station: a CSMS that does not answer. A bare WebSocket server on
 * port 0 plays a CSMS that answers what the test lets it answer; time moves only on the ManualClock.
 */
import { afterEach, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ManualClock } from '../../src/platform/clock.js';
import { SimulatedStation } from '../../src/simulator/station.js';
import { car } from '../../src/simulator/car.js';

type Frame = [number, string, ...unknown[]];

interface MuteCsms {
  url: string;
  frames: Frame[];
  /** Resolves with the next CALL of this action the station sends. */
  next(action: string): Promise<Frame>;
  close(): Promise<void>;
}

/** Answers BootNotification (Accepted), StatusNotification and Authorize; every other CALL only if `answer` says so. */
async function muteCsms(answer: (frame: Frame, seen: number) => boolean): Promise<MuteCsms> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'ocpp2.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const frames: Frame[] = [];
  const waiting: { action: string; resolve: (f: Frame) => void }[] = [];
  const seen = new Map<string, number>();
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      if (frame[0] !== 2) return;
      frames.push(frame);
      const action = frame[2] as string;
      const n = (seen.get(action) ?? 0) + 1;
      seen.set(action, n);
      const reply = (payload: unknown) => ws.send(JSON.stringify([3, frame[1], payload]));
      if (action === 'BootNotification') reply({ currentTime: '2026-01-01T00:00:00Z', interval: 300, status: 'Accepted' });
      else if (action === 'StatusNotification') reply({});
      else if (action === 'Authorize') reply({ idTokenInfo: { status: 'Accepted' } });
      else if (answer(frame, n)) reply(action === 'TransactionEvent' ? { idTokenInfo: { status: 'Accepted' } } : {});
      const i = waiting.findIndex((w) => w.action === action);
      if (i >= 0) waiting.splice(i, 1)[0]!.resolve(frame);
    });
  });
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/ocpp`,
    frames,
    next: (action) => new Promise((resolve) => waiting.push({ action, resolve })),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function station(csms: MuteCsms, clock: ManualClock): Promise<SimulatedStation> {
  const s = new SimulatedStation({ id: 'MUTE-1', url: csms.url, clock, evses: 1, txUpdatedIntervalS: 0 });
  cleanup.push(() => s.stop());
  s.start();
  await s.idle();
  expect(s.registrationStatus).toBe('Accepted');
  return s;
}

it('a TransactionEvent without an answer is sent again after MessageTimeout with the same seqNo, until answered', async () => {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  // The first two TransactionEvents get no answer; the third one does.
  const csms = await muteCsms((f, n) => f[2] !== 'TransactionEvent' || n >= 3);
  cleanup.push(() => csms.close());
  const s = await station(csms, clock);

  const first = csms.next('TransactionEvent');
  s.plugIn(1, car({ idToken: 'CARD-1' }, 50));
  await first;
  for (let attempt = 2; attempt <= 3; attempt++) {
    const again = csms.next('TransactionEvent');
    clock.advance(30_000);
    await again;
  }
  await s.idle();
  const txEvents = csms.frames.filter((f) => f[2] === 'TransactionEvent');
  expect(txEvents).toHaveLength(3);
  // Three CALLs with their own message ids, carrying one and the same event (E: seqNo has no gaps and no repeats).
  expect(new Set(txEvents.map((f) => f[1])).size).toBe(3);
  expect(txEvents.map((f) => (f[3] as { seqNo: number; eventType: string }).seqNo)).toEqual([0, 0, 0]);
  expect(s.queued()).toHaveLength(0);
});

it('a Heartbeat without an answer is lost after MessageTimeout, and what was queued behind it goes out', async () => {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const csms = await muteCsms((f) => f[2] !== 'Heartbeat');
  cleanup.push(() => csms.close());
  const s = await station(csms, clock);
  const lost: string[] = [];
  s.events.on('refused', (e) => lost.push(`${e.action}: ${e.error}`));

  const heartbeat = csms.next('Heartbeat');
  s.sendHeartbeat();
  await heartbeat;
  const status = csms.next('StatusNotification');
  s.plugIn(1, car({ idToken: 'CARD-1' }, 50));
  // Nothing else goes out while the Heartbeat is in flight (one CALL at a time, Part 4, 4.1.1).
  await new Promise((r) => setImmediate(r));
  expect(csms.frames.filter((f) => f[2] === 'StatusNotification')).toHaveLength(1); // the one at boot
  clock.advance(30_000);
  await status;
  await s.idle();
  expect(lost).toEqual(['Heartbeat: Heartbeat got no answer within 30 s']);
  expect(csms.frames.filter((f) => f[2] === 'Heartbeat')).toHaveLength(1);
  expect(csms.frames.filter((f) => f[2] === 'TransactionEvent')).toHaveLength(1);
});
