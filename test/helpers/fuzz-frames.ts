/**
 * Hostile OCPP-J frames by category, from a seeded PRNG, each with the reply the CSMS must give (Part 4, 4.2-4.4
 * and src/ocpp/rpc): shared by test/ocpp/fuzz.test.ts and bench/fuzz.bench.ts, so both check the same rules.
 * Frames are sent by an accepted station; none of them is a BootNotification (a reboot would change its state).
 */
import { ALL_ACTIONS, STATION_ACTIONS } from '../../src/ocpp/schemas/generated/index.js';

export const FUZZ_CATEGORIES = ['malformed', 'wrongTypes', 'huge', 'deep', 'duplicateIds', 'unknownActions', 'repliesToNothing', 'flood'] as const;
export type FuzzCategory = (typeof FUZZ_CATEGORIES)[number];

/** What must come back for a frame: replies with this message id, in any order (a duplicate id gets two). */
export type Expected =
  | { kind: 'result' }
  | { kind: 'error'; code: string }
  /** A CALL sent twice with one id: each copy is answered, the second with a result or as a duplicate in flight. */
  | { kind: 'duplicate' }
  /** CALLRESULT/CALLERROR: never answered (4.2). */
  | { kind: 'none' };

export interface FuzzFrame {
  /** One or more WebSocket text messages. */
  texts: string[];
  /** The message id the replies carry ('-1' when the id cannot be read). */
  replyId: string;
  expected: Expected;
}

const CSMS_ONLY = ALL_ACTIONS.filter((a) => !(STATION_ACTIONS as readonly string[]).includes(a));
const KNOWN = new Set<string>(ALL_ACTIONS);
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export class FuzzFrames {
  constructor(private readonly random: () => number) {}

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  /** Random letters; a long one repeats a random 64-letter chunk (cheap to make, still no OCPP action name). */
  private word(length: number): string {
    let s = '';
    for (let i = 0; i < Math.min(length, 64); i++) s += LETTERS[Math.floor(this.random() * LETTERS.length)];
    return length <= 64 ? s : s.repeat(Math.ceil(length / 64)).slice(0, length);
  }

  /** The `i`th frame of a category; ids are unique per (category, i, tag). */
  frame(category: FuzzCategory, i: number, tag = ''): FuzzFrame {
    const id = `${category.slice(0, 4)}${tag}-${i}`;
    const call = (action: string, payload: unknown) => JSON.stringify([2, id, action, payload]);
    switch (category) {
      case 'malformed': {
        // A strict prefix of a valid frame, or random punctuation: never valid JSON (checked), so never readable.
        for (;;) {
          const text = this.random() < 0.5
            ? call('Heartbeat', {}).slice(0, this.int(0, 20))
            : Array.from({ length: this.int(1, 40) }, () => this.pick([...'{}[]",:\\ ax1.-'])).join('');
          try {
            JSON.parse(text);
          } catch {
            return { texts: [text], replyId: '-1', expected: { kind: 'error', code: 'RpcFrameworkError' } };
          }
        }
      }
      case 'wrongTypes': {
        const status = { timestamp: '2026-03-29T00:00:00Z', connectorStatus: 'Available', evseId: 1, connectorId: 1 };
        const wrong: Record<'string' | 'integer' | 'object', unknown[]> = {
          string: [7, true, null, {}, [], 1.5],
          integer: ['1', true, null, {}, [], 1.5],
          object: ['x', 3, [], null, false],
        };
        const target = this.pick([
          ['StatusNotification', status, 'timestamp', 'string'],
          ['StatusNotification', status, 'connectorStatus', 'string'],
          ['StatusNotification', status, 'evseId', 'integer'],
          ['StatusNotification', status, 'connectorId', 'integer'],
          ['Authorize', { idToken: { idToken: 'A1', type: 'ISO14443' } }, 'idToken', 'object'],
          ['DataTransfer', { vendorId: 'v' }, 'vendorId', 'string'],
        ] as const);
        const [action, base, field, type] = target;
        const payload = { ...base, [field]: this.pick(wrong[type]) };
        return { texts: [call(action, payload)], replyId: id, expected: { kind: 'error', code: 'TypeConstraintViolation' } };
      }
      case 'huge': {
        const size = this.int(256, 16 * 1024);
        switch (this.int(0, 3)) {
          case 0:
            return { texts: [call(`X${this.word(size)}`, {})], replyId: id, expected: { kind: 'error', code: 'NotImplemented' } };
          case 1: // vendorId is string[255]
            return { texts: [call('DataTransfer', { vendorId: this.word(size) })], replyId: id, expected: { kind: 'error', code: 'PropertyConstraintViolation' } };
          case 2: // accepted, stored capped
            return { texts: [call('DataTransfer', { vendorId: 'fuzz', data: this.word(size) })], replyId: id, expected: { kind: 'result' } };
          default: { // MessageId is at most 36 characters: refused, echoed while short enough
            const longId = `${id}-${this.word(this.int(37, 200))}`;
            return { texts: [JSON.stringify([2, longId, 'Heartbeat', {}])], replyId: longId, expected: { kind: 'error', code: 'RpcFrameworkError' } };
          }
        }
      }
      case 'deep': {
        const d = this.int(1, 3000);
        const data = `${'['.repeat(d)}${']'.repeat(d)}`;
        // The frame's array and the payload object are two levels, the data d more (MAX_FRAME_DEPTH = 32).
        const expected: Expected = 2 + d > 32 ? { kind: 'error', code: 'FormatViolation' } : { kind: 'result' };
        return { texts: [`[2,"${id}","DataTransfer",{"vendorId":"fuzz","data":${data}}]`], replyId: id, expected };
      }
      case 'duplicateIds': {
        const text = call('Heartbeat', {});
        return { texts: [text, text], replyId: id, expected: { kind: 'duplicate' } };
      }
      case 'unknownActions': {
        if (this.random() < 0.5) return { texts: [call(this.pick(CSMS_ONLY), {})], replyId: id, expected: { kind: 'error', code: 'NotSupported' } };
        let action = this.word(this.int(1, 40));
        while (KNOWN.has(action)) action = this.word(this.int(1, 40));
        return { texts: [call(action, {})], replyId: id, expected: { kind: 'error', code: 'NotImplemented' } };
      }
      case 'repliesToNothing': {
        const text = this.random() < 0.5
          ? JSON.stringify([3, id, this.random() < 0.5 ? {} : { status: this.word(5) }])
          : JSON.stringify([4, id, this.pick(['GenericError', 'InternalError', this.word(8)]), this.word(this.int(0, 30)), {}]);
        return { texts: [text], replyId: id, expected: { kind: 'none' } };
      }
      case 'flood':
        return { texts: [call('Heartbeat', {})], replyId: id, expected: { kind: 'result' } };
    }
  }
}

/** How many replies a frame must get. */
export function repliesFor(e: Expected): number {
  return e.kind === 'none' ? 0 : e.kind === 'duplicate' ? 2 : 1;
}

/**
 * Checks the replies to one frame; returns what is wrong, or null. Replies are [3, id, payload] or
 * [4, id, code, description, details].
 */
export function checkReplies(e: Expected, replies: unknown[][]): string | null {
  if (replies.length !== repliesFor(e)) return `expected ${repliesFor(e)} replies, got ${replies.length}`;
  const codes = replies.map((r) => (r[0] === 3 ? 'result' : String(r[2])));
  switch (e.kind) {
    case 'none':
      return null;
    case 'result':
      return codes[0] === 'result' ? null : `expected a CALLRESULT, got ${codes[0]}`;
    case 'error':
      return codes[0] === e.code ? null : `expected ${e.code}, got ${codes[0]}`;
    case 'duplicate':
      // The first copy is answered; the second either after it or as a duplicate still in flight.
      return codes.includes('result') && codes.every((c) => c === 'result' || c === 'RpcFrameworkError') ? null : `duplicate answered ${codes.join(', ')}`;
  }
}
