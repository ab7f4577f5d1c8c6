import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
    reason: Type.Optional(Type.String({
      description: 'which case of the code this is, stable for clients and pages (issue 18: a page says each in its own language '
        + 'without reading the English message). AUTH_INVALID: wrong-credentials (the username and password do not match an '
        + 'active account), session-ended (the login session has ended), token-invalid (the API token is not valid)',
    })),
  },
  { $id: 'Error', description: 'every 4xx and 5xx answer has this shape' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Adds the shared ErrorBody ($id "Error") where the app has not, so that routes can reference it. */
export function ensureErrorSchema(app: { getSchema(id: string): unknown; addSchema(schema: unknown): unknown }): void {
  if (!app.getSchema(ErrorBody.$id!)) app.addSchema(ErrorBody);
}

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

/**
 * A JSON pointer (ajv's instancePath, "/rows/3/time") as the field path the API documents everywhere: `rows[3].time`,
 * `grants[0].role`, `departure` (array indexes in brackets, properties joined with dots; "" for the whole input).
 */
export function fieldPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = /^\d+$/.test(segment) ? `${out}[${segment}]` : out ? `${out}.${segment}` : segment;
  }
  return out;
}

/** The parts of an ajv error (ErrorObject) that name the field; also what fastify keeps as `error.validation`. */
export interface SchemaFailure {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string | undefined;
}

/**
 * The field a schema failure is about and a message that names it. ajv reports a missing property and an unknown
 * one at their parent ("body must have required property 'departure'", "body must NOT have additional
 * properties"); the field is the property itself (`departure`, `rows[3].tme`). `part` names the whole input
 * when the failure is about it (body, querystring, params). The one place that reads ajv's errors for the wire:
 * the resource API's own compiler (api/validation.ts) and fastify's default one both end up here.
 */
export function validationProblem(e: SchemaFailure, part = 'body'): { field: string; message: string } {
  const child = e.keyword === 'required' || e.keyword === 'dependentRequired' ? e.params.missingProperty
    : e.keyword === 'additionalProperties' ? e.params.additionalProperty
    : e.keyword === 'unevaluatedProperties' ? e.params.unevaluatedProperty
    : undefined;
  const at = fieldPath(e.instancePath);
  if (typeof child !== 'string') return { field: at, message: `${at || part} ${e.message ?? 'is invalid'}` };
  const field = fieldPath(`${e.instancePath}/${child.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  const missing = e.keyword === 'required' || e.keyword === 'dependentRequired';
  return { field, message: `${at || part} must ${missing ? 'have required' : 'NOT have additional'} property '${child}'` };
}

/** The scheduler's input errors and their statuses. */
const SCHEDULER_STATUS: Record<SchedulerInputError['code'], number> = {
  VEHICLE_INVALID: 422,
  TARGET_INVALID: 422,
  VEHICLE_UNKNOWN: 404,
  EVSE_UNKNOWN: 404,
  // The request is right but the car's state does not allow it yet ("charge now" with nothing plugged in).
  VEHICLE_NOT_PLUGGED_IN: 409,
};

export function toErrorBody(err: unknown): { status: number; body: ErrorBody } | null {
  if (err instanceof HttpError) {
    return { status: err.statusCode, body: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}), ...(err.issues ? { issues: err.issues } : {}) } };
  }
  if (err instanceof AuthError) return { status: err.statusCode, body: { code: err.code, message: err.message, ...(err.reason ? { reason: err.reason } : {}) } };
  if (err instanceof SchedulerInputError) {
    return { status: SCHEDULER_STATUS[err.code], body: { code: err.code, message: err.message, field: err.field } };
  }
  const f = err as FastifyError;
  if (f.validation) {
    // ajv's first failure, named by its field in the documented path format: departure, rows[3].time.
    const v = f.validation[0];
    if (!v) return { status: 400, body: { code: 'REQUEST_INVALID', message: f.message } };
    const problem = validationProblem(v, f.validationContext);
    return { status: 400, body: { code: 'REQUEST_INVALID', message: problem.message, ...(problem.field ? { field: problem.field } : {}) } };
  }
  if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return { status: f.statusCode, body: { code: f.code ?? 'REQUEST_INVALID', message: f.message } };
  }
  return null;
}

/**
 * Answers an error: a known one with its status and body, anything else logged (with `what` failed) and 500
 * without internals. installErrorHandler uses it for the app; a plugin with its own handler (the tariff intake)
 * falls back to it for everything it does not map itself.
 */
export function replyWithError(err: unknown, request: FastifyRequest, reply: FastifyReply, what = 'request failed'): FastifyReply {
  const known = toErrorBody(err);
  if (known) return reply.code(known.status).send(known.body);
  request.log.error({ err }, what);
  return reply.code(500).send({ code: 'INTERNAL', message: 'internal error' });
}

/** Installs the one error handler: known errors become their status and body; anything else is logged and 500. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => replyWithError(err, request, reply));
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }));
}
