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

export function parseFrame(text: string): Frame {
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
  const readableId = typeof id === 'string' ? id : '-1';
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
    throw new FrameError('RpcFrameworkError', `MessageId is longer than ${MAX_ID} characters`, id, isReply);
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
      return {
        type: CALLERROR,
        id,
        code: typeof code === 'string' ? code : String(code),
        description: typeof description === 'string' ? description : '',
        details,
      };
    }
  }
}

export const callFrame = (id: string, action: string, payload: unknown) => JSON.stringify([CALL, id, action, payload]);
export const resultFrame = (id: string, payload: unknown) => JSON.stringify([CALLRESULT, id, payload]);
export const errorFrame = (id: string, code: OcppErrorCode, description: string, details: Record<string, unknown> = {}) =>
  JSON.stringify([CALLERROR, id, code, truncate(description, 255), details]);
