import type { ErrorObject } from 'ajv';
import { truncateForLog } from '../../platform/truncate.js';

/** OCPP-J RPC framework error codes (Part 4, 4.3, table 8). */
export const OCPP_ERROR_CODES = [
  'FormatViolation',
  'GenericError',
  'InternalError',
  'MessageTypeNotSupported',
  'NotImplemented',
  'NotSupported',
  'OccurrenceConstraintViolation',
  'PropertyConstraintViolation',
  'ProtocolError',
  'RpcFrameworkError',
  'SecurityError',
  'TypeConstraintViolation',
] as const;
export type OcppErrorCode = (typeof OCPP_ERROR_CODES)[number];

/** A failure that becomes a CALLERROR with this code; the description is shown to the station. */
export class RpcError extends Error {
  constructor(
    readonly code: OcppErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/**
 * The one table from a JSON-schema rule to an OCPP error code (convention 6). Reasoning, per Part 4 table 8:
 * a wrong JSON type is a data-type violation; a missing, surplus or unknown field, or a list of the wrong
 * length, is an occurrence violation; a value outside its enumeration, range or length is a property
 * violation; a string that does not parse as its format (date-time, uri) is a format violation.
 */
const KEYWORD_TO_CODE: Record<string, OcppErrorCode> = {
  type: 'TypeConstraintViolation',
  required: 'OccurrenceConstraintViolation',
  additionalProperties: 'OccurrenceConstraintViolation',
  minItems: 'OccurrenceConstraintViolation',
  maxItems: 'OccurrenceConstraintViolation',
  additionalItems: 'OccurrenceConstraintViolation',
  minProperties: 'OccurrenceConstraintViolation',
  maxProperties: 'OccurrenceConstraintViolation',
  enum: 'PropertyConstraintViolation',
  const: 'PropertyConstraintViolation',
  minimum: 'PropertyConstraintViolation',
  maximum: 'PropertyConstraintViolation',
  exclusiveMinimum: 'PropertyConstraintViolation',
  exclusiveMaximum: 'PropertyConstraintViolation',
  multipleOf: 'PropertyConstraintViolation',
  minLength: 'PropertyConstraintViolation',
  maxLength: 'PropertyConstraintViolation',
  format: 'FormatViolation',
  pattern: 'FormatViolation',
};

export interface ValidationFailure {
  code: OcppErrorCode;
  /** Names the field and the rule, e.g. `/chargingStation/model: must NOT have more than 20 characters`. */
  description: string;
  errors: { path: string; rule: string; message: string }[];
}

export function validationFailure(errors: ErrorObject[]): ValidationFailure {
  const first = errors[0];
  const describe = (e: ErrorObject) => {
    let path = e.instancePath || '(payload)';
    if (e.keyword === 'required') path = `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`;
    if (e.keyword === 'additionalProperties') {
      path = `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`;
    }
    const message =
      e.keyword === 'additionalProperties' ? 'is not allowed here'
      : e.keyword === 'required' ? 'is required'
      : e.keyword === 'enum' ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
      : (e.message ?? e.keyword);
    // A path quotes the station's own property names, which may be megabytes long; it goes into the reply's
    // details and into log lines.
    return { path: truncateForLog(path), rule: e.keyword, message: truncateForLog(message) };
  };
  const list = errors.slice(0, 5).map(describe);
  const head = list[0]!;
  return {
    code: (first && KEYWORD_TO_CODE[first.keyword]) ?? 'FormatViolation',
    description: truncate(`${head.path}: ${head.message}`, 255),
    errors: list,
  };
}

/** Part 4, 4.2.3: ErrorDescription is string[255]. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
