import { RpcError, truncate, type OcppErrorCode } from './errors.js';

/** OCPP-J message type numbers (Part 4, 4.1.3). */
export const CALL = 2;
export const CALLRESULT = 3;
export const CALLERROR = 4;

export type Frame =
  | { type: typeof CALL; id: string; action: string; payload: unknown }
  | { type: typeof CALLRESULT; id: string; payload: unknown }
  | { type: typeof CALLERROR; id: string; code: string; description: string; details: unknown };

/** A frame that could not be parsed; `id` is what could be read of the message id, or '-1' (4.2.3). */
export class FrameError extends RpcError {
  constructor(
    code: OcppErrorCode,
    message: string,
    readonly id: string,
    /** True when the broken message was itself a CALLRESULT/CALLERROR: those are never answered. */
    readonly isReply = false,
  ) {
    super(code, message);
  }
}

const MAX_ID = 36;
/** The longest error code in Part 4 table 8 is 29 characters; anything longer is cut to this. */
const MAX_ERROR_CODE = 50;
const MAX_ECHOED_ID = 255;

/**
 * The deepest a frame may nest (arrays and objects, the frame's own array counted as 1). The deepest official
 * OCPP 2.0.1 schema, ReportChargingProfilesRequest, allows 13 levels in its payload (chargingProfile[] ->
 * chargingSchedule[] -> chargingSchedulePeriod[] ... ; SetChargingProfile and RequestStartTransaction 12,
 * NotifyChargingLimit 11), so a valid frame is at most 14 deep; test/ocpp/frame-depth.test.ts recomputes that
 * from src/ocpp/schemas/json. Only DataTransfer's `data` is free-form, and 32 levels leave a vendor plenty.
 * Deeper frames are refused before a handler, the validator, the store or a log line walks them: JSON.stringify
 * and the validators recurse, and 10,000 levels ended in a stack overflow after ~90 ms (issue 20, finding 9).
 */
export const MAX_FRAME_DEPTH = 32;

/**
 * Whether JSON text nests deeper than `limit` levels, read from the text itself, before JSON.parse: V8 parses
 * deep nesting without recursing but slowly (2,000,000 levels, 4 MB, took 1.5 s of event loop), while this scan
 * stops at the first bracket past the limit and skips strings with indexOf. A loop, no recursion. Exact for
 * valid JSON; for invalid JSON its answer does not matter, JSON.parse refuses that anyway.
 */
export function textNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Jump to the closing quote: the first one not escaped by an odd run of backslashes.
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return false;
        let k = j - 1;
        while (text.charCodeAt(k) === 0x5c) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** Type and message id read from the head of a frame too deep to parse: `[2, "id", ...`. */
const FRAME_HEAD = /^\s*\[\s*(\d{1,2})\s*,\s*"([^"\\]{1,36})"/;

function tooDeep(text: string): FrameError {
  const head = FRAME_HEAD.exec(text.slice(0, 128));
  const type = head ? Number(head[1]) : NaN;
  const id = head && (type === CALL || type === CALLRESULT || type === CALLERROR) ? head[2]! : '-1';
  return new FrameError('FormatViolation', `message nests deeper than ${MAX_FRAME_DEPTH} levels`, id,
    type === CALLRESULT || type === CALLERROR);
}

export function parseFrame(text: string): Frame {
  // Before anything walks the message: see MAX_FRAME_DEPTH.
  if (textNestsDeeperThan(text, MAX_FRAME_DEPTH)) throw tooDeep(text);
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    throw new FrameError('RpcFrameworkError', 'message is not valid JSON', '-1');
  }
  if (!Array.isArray(msg) || msg.length === 0) {
    throw new FrameError('RpcFrameworkError', 'message is not a JSON array [MessageTypeId, MessageId, ...]', '-1');
  }
  const [type, id] = msg;
  const readableId = typeof id === 'string' && id.length <= MAX_ECHOED_ID ? id : '-1';
  if (typeof type !== 'number' || !Number.isInteger(type)) {
    throw new FrameError('RpcFrameworkError', 'MessageTypeId must be an integer', readableId);
  }
  if (type !== CALL && type !== CALLRESULT && type !== CALLERROR) {
    // 4.4: an unknown message type is answered with MessageTypeNotSupported.
    throw new FrameError('MessageTypeNotSupported', `message type ${type} is not supported`, readableId);
  }
  const isReply = type !== CALL;
  if (typeof id !== 'string' || id.length === 0) {
    throw new FrameError('RpcFrameworkError', 'MessageId must be a non-empty string', '-1', isReply);
  }
  if (id.length > MAX_ID) {
    throw new FrameError('RpcFrameworkError', `MessageId is longer than ${MAX_ID} characters`,
      // Echoed so a sloppy station can match the error, but a huge id is not sent back (nor logged) in full.
      id.length <= MAX_ECHOED_ID ? id : '-1', isReply);
  }
  switch (type) {
    case CALL: {
      if (msg.length !== 4) {
        throw new FrameError('ProtocolError', `a CALL has 4 elements, this one has ${msg.length}`, id);
      }
      const [, , action, payload] = msg;
      if (typeof action !== 'string' || action.length === 0) {
        throw new FrameError('ProtocolError', 'Action must be a non-empty string', id);
      }
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        throw new FrameError('FormatViolation', `payload of ${truncate(action, 60)} must be a JSON object`, id);
      }
      return { type, id, action, payload };
    }
    case CALLRESULT: {
      if (msg.length !== 3) throw new FrameError('ProtocolError', 'a CALLRESULT has 3 elements', id, true);
      return { type, id, payload: msg[2] };
    }
    default: {
      if (msg.length !== 5) throw new FrameError('ProtocolError', 'a CALLERROR has 5 elements', id, true);
      const [, , code, description, details] = msg;
      // What a station puts in its CALLERROR travels on into OcppCallError and the log: bounded here.
      return {
        type: CALLERROR,
        id,
        code: truncate(typeof code === 'string' ? code : String(code), MAX_ERROR_CODE),
        description: truncate(typeof description === 'string' ? description : '', 255),
        details,
      };
    }
  }
}

export const callFrame = (id: string, action: string, payload: unknown) => callFrameOf(id, action, payloadJson(payload));
export const resultFrame = (id: string, payload: unknown) => resultFrameOf(id, payloadJson(payload));
/** A payload's JSON as it stands in its frame (JSON.stringify of the frame's array writes an undefined element as null). */
export const payloadJson = (payload: unknown): string => JSON.stringify(payload) ?? 'null';
/** The frames above from their payload's JSON (payloadJson): the same text, so the payload is serialised once. */
export const callFrameOf = (id: string, action: string, json: string) => `[${CALL},${JSON.stringify(id)},${JSON.stringify(action)},${json}]`;
export const resultFrameOf = (id: string, json: string) => `[${CALLRESULT},${JSON.stringify(id)},${json}]`;
export const errorFrame = (id: string, code: OcppErrorCode, description: string, details: Record<string, unknown> = {}) =>
  JSON.stringify([CALLERROR, id, code, truncate(description, 255), details]);
