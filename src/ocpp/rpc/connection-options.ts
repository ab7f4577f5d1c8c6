/**
 * What an RpcConnection (connection.ts) is given: its socket, clock and limits, and the server's hooks (the guard,
 * the handler, the frame tap). Kept apart so the connection's file holds only the RPC discipline.
 */
import type { WebSocket } from 'ws';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { OcppValidator } from './validator.js';

export interface InboundResult {
  response: unknown;
  /**
   * Runs after the CALLRESULT is on the wire (e.g. B01: read variables only after the boot is answered). It is not
   * waited for (the station's next CALL may need its reply to our call), and a failure is logged.
   */
  after?: () => void | Promise<void>;
}

export interface RpcConnectionOptions {
  identity: string;
  socket: WebSocket;
  validator: OcppValidator;
  clock: Clock;
  logger: Logger;
  callTimeoutMs: number;
  /** Invalid messages within `badMessageWindowMs` after which the station is disconnected (close 1008). */
  maxBadMessages: number;
  /** The window, on the injected clock, over which invalid messages are counted. */
  badMessageWindowMs: number;
  /** Actions the peer may CALL on us. */
  inboundActions: ReadonlySet<string>;
  /** Throws an RpcError to refuse a CALL before its payload is looked at (e.g. SecurityError before boot). */
  guard: (action: string) => void;
  /**
   * Handles one CALL. CALLs are handled one at a time in the order they arrived (the guard, too, sees the state the
   * CALLs before left): the next starts once this one's promise settled and its reply is sent. A rejection with an
   * RpcError is answered with its code; any other is logged and answered InternalError.
   */
  handle: (action: string, payload: unknown, messageId: string) => Promise<InboundResult>;
  /** No CALL is handled before this settles (the server records the connection first). */
  ready?: Promise<unknown>;
  /**
   * Charges a frame's bytes to the station's inbound budget before it is parsed: false closes the connection with
   * 1008 and the frame is never read (issue 20; src/ocpp/frame-limits.ts).
   */
  admitFrame?: (bytes: number) => boolean;
  /** Called for every readable message received (the server's keepalive counts it as a sign of life). */
  onActivity?: () => void;
  /** Called once when the connection ends, whichever side ended it. */
  onClosed?: (code: number, reason: string) => void;
  /**
   * Hears every CALL, CALLRESULT and CALLERROR read (once parsed) or sent (issue 16: the station page's message log,
   * src/ocpp/frame-log.ts). `action` is a reply's CALL's, or null when it answers none we know. Must not throw.
   */
  onFrame?: (direction: 'in' | 'out', type: 'CALL' | 'CALLRESULT' | 'CALLERROR', messageId: string, action: string | null, payload: unknown,
    /** The payload's JSON (rpc/frames.ts payloadJson) when the frame was written with it: an outgoing CALL or CALLRESULT. */
    json?: string) => void;
}
