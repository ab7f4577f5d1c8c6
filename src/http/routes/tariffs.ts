import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiTokenStore, IntakeResult, PublicationInput, PublicationIntake } from '../../domain/prices.js';
import { TariffPublicationBody } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import { AuthError, authenticate, authorize } from '../auth/api-tokens.js';

/**
 * The energy companies' push intake (issue 4; formats and rules in docs/prices.md).
 *
 *   POST /api/v1/tariffs                     application/json (our schema) or text/csv (our columns)
 *   POST /api/v1/tariffs/openadr3/events     an OpenADR 3 Event; ?zone= (and ?currency= if the event has none)
 *
 * Auth: `Authorization: Bearer cpk_...` with the tariff-publisher role over every zone in the batch (401/403).
 * A batch that breaks any rule gets 422 with every offending row and rule, and nothing is applied.
 */
export interface TariffRouteDeps {
  intake: PublicationIntake;
  tokens: ApiTokenStore;
  clock: Clock;
  /** Largest accepted body in bytes (default 5 MiB: a year of quarter-hours as CSV is about 4 MiB). */
  bodyLimit?: number;
}

const Issue = Type.Object({
  row: Type.Union([Type.Integer(), Type.Null()]),
  field: Type.String(),
  rule: Type.String(),
  message: Type.String(),
});
const Rejected = Type.Object({ code: Type.Literal('TARIFF_REJECTED'), message: Type.String(), issues: Type.Array(Issue) });
const Failure = Type.Object({ code: Type.String(), message: Type.String() });
const Accepted = Type.Object({
  publicationIds: Type.Array(Type.Integer()),
  zones: Type.Array(Type.String()),
  intervals: Type.Integer(),
  capacityLimits: Type.Integer(),
});
const responses = { 201: Accepted, 400: Failure, 401: Failure, 403: Failure, 409: Failure, 422: Rejected };

/** Stable error codes that are the publisher's to fix, and their status (convention 7: one mapping place). */
const CONFLICTS: Record<string, number> = { PRICES_CURRENCY_MISMATCH: 409 };

export const tariffRoutes: FastifyPluginAsync<TariffRouteDeps> = async (app, deps) => {
  // The intake checks bodies itself against the same TypeBox schema, so that every problem is reported per row
  // with its rule; fastify's ajv would stop at the first error and coerce "12" into 12. The schemas below still
  // document the routes.
  app.setValidatorCompiler(() => () => true);
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: deps.bodyLimit ?? 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError | AuthError | (Error & { code?: string }), request, reply) => {
    if (err instanceof AuthError) return reply.code(err.statusCode).send({ code: err.code, message: err.message });
    const code = (err as { code?: string }).code ?? 'INTERNAL';
    if (CONFLICTS[code]) return reply.code(CONFLICTS[code]).send({ code, message: err.message });
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ code, message: err.message });
    request.log.error({ err }, 'tariff intake failed');
    return reply.code(500).send({ code: 'INTERNAL', message: 'internal error' });
  });

  const handle = (input: PublicationInput, authHeader: string | undefined, reply: FastifyReply) => {
    const principal = authenticate(authHeader, deps.tokens, deps.clock);
    const result: IntakeResult = deps.intake.validate(input);
    // Authorise before reporting rule violations: a token for DK1 learns nothing about other zones.
    authorize(principal, 'tariff-publisher', result.zones);
    if (!result.ok) {
      const n = result.issues.length;
      return reply.code(422).send({ code: 'TARIFF_REJECTED', message: `${n} problem${n === 1 ? '' : 's'}; nothing was applied`, issues: result.issues });
    }
    const applied = deps.intake.apply(result.publication, principal.name);
    return reply.code(201).send({ ...applied, zones: result.zones });
  };

  app.post(
    '/api/v1/tariffs',
    {
      bodyLimit: deps.bodyLimit ?? 5 * 1024 * 1024,
      schema: {
        body: { content: { 'application/json': { schema: TariffPublicationBody }, 'text/csv': { schema: Type.String() } } },
        response: responses,
      },
    },
    async (request, reply) => {
      const csv = (request.headers['content-type'] ?? '').startsWith('text/csv');
      const input: PublicationInput = csv ? { format: 'csv', text: String(request.body) } : { format: 'json', body: request.body };
      return handle(input, request.headers.authorization, reply);
    },
  );

  app.post(
    '/api/v1/tariffs/openadr3/events',
    {
      bodyLimit: deps.bodyLimit ?? 5 * 1024 * 1024,
      schema: {
        querystring: Type.Object({ zone: Type.Optional(Type.String()), currency: Type.Optional(Type.String()) }),
        response: responses,
      },
    },
    async (request, reply) => {
      const q = request.query as { zone?: string; currency?: string };
      const input: PublicationInput = {
        format: 'openadr3',
        body: request.body,
        ...(q.zone !== undefined ? { zone: q.zone } : {}),
        ...(q.currency !== undefined ? { currency: q.currency } : {}),
      };
      return handle(input, request.headers.authorization, reply);
    },
  );
};
