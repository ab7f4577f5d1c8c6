/**
 * One OCPP-J frame as the station page's message log keeps it (issue 16; src/domain/station-frames.ts): its payload
 * as JSON with secrets redacted and cut to FRAME_PAYLOAD_CHARS. Secrets are what a CSMS sends or a station reports
 * that nobody reading the page may learn: a BasicAuthPassword set with SetVariables (A01; also read back by
 * GetVariables or in a NotifyReport), and any field named for a password, a private key or a secret (e.g. an APN's
 * apnPassword in SetNetworkProfile, a vendor's DataTransfer).
 */
import { FRAME_PAYLOAD_CHARS, type FrameDirection, type FrameType, type StationFrame } from '../domain/station-frames.js';

export const REDACTED = '[redacted]';
/** A key whose value is never kept. */
const SECRET_KEY = /password|passwd|private.?key|secret/i;
/** A device-model variable whose value is never kept (OCPP 2.0.1 Part 2, SecurityCtrlr.BasicAuthPassword). */
const SECRET_VARIABLE = /password|private.?key|secret/i;
/** The cheap test first: only a frame whose text mentions one of these is walked (most frames do not). */
const MENTIONS_SECRET = /pass|private|secret/i;

export interface FrameFacts {
  direction: FrameDirection;
  type: FrameType;
  messageId: string;
  action: string | null;
  payload: unknown;
  /** The payload's JSON when the caller has it already (what JSON.stringify gives: the text of a frame we sent). */
  json?: string | undefined;
}

/** The record kept for one frame. */
export function frameRecord(stationId: string, at: string, f: FrameFacts, connection?: string): StationFrame {
  let text = f.json ?? JSON.stringify(f.payload) ?? 'null';
  if (MENTIONS_SECRET.test(text)) text = JSON.stringify(redact(f.payload)) ?? 'null';
  const record: StationFrame = {
    stationId, at, direction: f.direction, type: f.type, messageId: f.messageId, action: f.action,
    payload: text.length > FRAME_PAYLOAD_CHARS ? text.slice(0, FRAME_PAYLOAD_CHARS) : text,
    payloadChars: text.length,
  };
  // Set, not spread in: a record is made for every frame in and out.
  if (connection !== undefined) record.connection = connection;
  return record;
}

/** A copy of `value` with every secret replaced by REDACTED (the input is not changed). */
export function redact(value: unknown, depth = 0): unknown {
  // The frame depth is bounded by the parser and the schemas; this guards a payload we build ourselves.
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const o = value as Record<string, unknown>;
  const secretVariable = isSecretVariable(o.variable);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (SECRET_KEY.test(k)) out[k] = REDACTED;
    // SetVariableData / GetVariableResult: { variable: { name: 'BasicAuthPassword' }, attributeValue }.
    else if (secretVariable && k === 'attributeValue') out[k] = REDACTED;
    // NotifyReport's ReportData: { variable, variableAttribute: [{ value }] }.
    else if (secretVariable && k === 'variableAttribute' && Array.isArray(v)) out[k] = v.map(redactValue);
    else out[k] = redact(v, depth + 1);
  }
  return out;
}

function isSecretVariable(variable: unknown): boolean {
  if (variable === null || typeof variable !== 'object') return false;
  const name = (variable as { name?: unknown }).name;
  return typeof name === 'string' && SECRET_VARIABLE.test(name);
}

function redactValue(attribute: unknown): unknown {
  if (attribute === null || typeof attribute !== 'object' || !('value' in attribute)) return attribute;
  return { ...attribute, value: REDACTED };
}
