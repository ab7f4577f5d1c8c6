import type { FastifyError, FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { SchedulerInputError } from '../scheduler/index.js';
import { AuthError } from './auth/api-tokens.js';

/**
 * Errors on the wire (convention 7): a JSON body with a stable code, a message that names the field and the rule,
 * and for batch input every offending row. This file is the one place that maps codes to HTTP statuses; a 5xx
 * never shows internals.
 */
export const RowIssue = Type.Object({
  row: Type.Union([Type.Integer(), Type.Null()], { description: '1-based data row (CSV: the header is row 0); null for the whole body' }),
  field: Type.String(),
  rule: Type.String(),
  message: Type.String(),
});
export type RowIssue = Static<typeof RowIssue>;

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'stable machine-readable code, e.g. TARGET_INVALID, AUTH_FORBIDDEN' }),
    message: Type.String({ description: 'for people: names the field and the rule' }),
    field: Type.Optional(Type.String({ description: 'the offending field, as a path like departure or rows[3].time' })),
    issues: Type.Optional(Type.Array(RowIssue)),
  },
  { $id: 'Error', description: 'every 4xx and 5xx answer has this shape' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** An error a route throws on purpose: stable code, status, and the field it is about. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly issues?: RowIssue[],
  ) {
    super(message);
  }
}

/** The scheduler's input errors and their statuses. */
const SCHEDULER_STATUS: Record<SchedulerInputError['code'], number> = {
  VEHICLE_INVALID: 422,
  TARGET_INVALID: 422,
  VEHICLE_UNKNOWN: 404,
  EVSE_UNKNOWN: 404,
};

export function toErrorBody(err: unknown): { status: number; body: ErrorBody } | null {
  if (err instanceof HttpError) {
    return { status: err.statusCode, body: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}), ...(err.issues ? { issues: err.issues } : {}) } };
  }
  if (err instanceof AuthError) return { status: err.statusCode, body: { code: err.code, message: err.message } };
  if (err instanceof SchedulerInputError) {
    return { status: SCHEDULER_STATUS[err.code], body: { code: err.code, message: err.message, field: err.field } };
  }
  const f = err as FastifyError;
  if (f.validation) {
    // ajv's first failure, with the path as a field name: "body/departure must match pattern ..." -> field departure.
    const v = f.validation[0];
    const field = v ? (v.instancePath.replace(/^\//, '').replace(/\//g, '.') || String((v.params as { missingProperty?: string }).missingProperty ?? '')) : '';
    return { status: 400, body: { code: 'REQUEST_INVALID', message: f.message, ...(field ? { field } : {}) } };
  }
  if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return { status: f.statusCode, body: { code: f.code ?? 'REQUEST_INVALID', message: f.message } };
  }
  return null;
}

/** Installs the one error handler: known errors become their status and body; anything else is logged and 500. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const known = toErrorBody(err);
    if (known) return reply.code(known.status).send(known.body);
    request.log.error({ err }, 'request failed');
    return reply.code(500).send({ code: 'INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }));
}
