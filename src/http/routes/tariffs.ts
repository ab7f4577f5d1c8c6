import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiTokenStore, IntakeResult, PublicationInput, PublicationIntake } from '../../domain/prices.js';
import { TARIFF_BODY_LIMIT_BYTES, TARIFF_ISSUES_LISTED_MAX as ISSUES_LISTED_MAX, TARIFF_ROWS_MAX, TariffPublicationBody } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import { authenticate, authorize, type TokenIdentity } from '../auth/api-tokens.js';
import { ErrorBody, ensureErrorSchema, replyWithError } from '../errors.js';

/**
 * The energy companies' push intake (issue 4; formats and rules in docs/prices.md).
 *
 *   POST /api/v1/tariffs                     application/json (our schema) or text/csv (our columns)
 *   POST /api/v1/tariffs/openadr3/events     an OpenADR 3 Event; ?zone= (and ?currency= if the event has none)
 *
 * Auth: `Authorization: Bearer cpk_...` with the tariff-publisher role over every zone in the batch (401/403).
 * A batch that breaks any rule gets 422 with every offending row and rule, and nothing is applied.
 *
 * Bounded (issue 20, finding 6): the token is checked before the body is read, a body holds at most
 * TARIFF_BODY_LIMIT_BYTES and TARIFF_ROWS_MAX intervals, the rows are checked in chunks with the event loop turning
 * between them (PublicationIntake.validateYielding), and a 422 lists at most ISSUES_LISTED_MAX issues.
 */
export interface TariffRouteDeps {
  intake: PublicationIntake;
  tokens: ApiTokenStore;
  clock: Clock;
  /** Largest accepted body in bytes (default TARIFF_BODY_LIMIT_BYTES, 6 MiB: 40,000 intervals as indented JSON). */
  bodyLimit?: number;
}

const Accepted = Type.Object(
  {
    publicationIds: Type.Array(Type.Integer(), { description: 'one stored publication per zone' }),
    zones: Type.Array(Type.String(), { description: 'the price zones the batch covered' }),
    intervals: Type.Integer({ description: 'price intervals stored' }),
    capacityLimits: Type.Integer({ description: 'capacity limits stored (OpenADR IMPORT/EXPORT_CAPACITY_LIMIT payloads)' }),
  },
  { description: 'applied: every interval and capacity limit of the batch is stored' },
);

/**
 * An OpenADR 3.0 Event as a VTN sends it (only what the intake reads is listed; other fields are allowed and
 * ignored). The intake checks it itself (docs/prices.md); this schema documents the route.
 */
const ValuesMap = Type.Object({ type: Type.String({ description: 'PRICE, IMPORT_CAPACITY_LIMIT, EXPORT_CAPACITY_LIMIT, ...' }), values: Type.Array(Type.Unknown()) });
const IntervalPeriod = Type.Object({ start: Type.String({ description: 'ISO-8601 with offset' }), duration: Type.Optional(Type.String({ description: 'ISO-8601 duration, e.g. PT1H' })) });
const OpenAdrEventBody = Type.Object(
  {
    programID: Type.String(),
    payloadDescriptors: Type.Optional(Type.Array(Type.Object({ payloadType: Type.String(), units: Type.Optional(Type.String()), currency: Type.Optional(Type.String()) }))),
    intervalPeriod: Type.Optional(IntervalPeriod),
    intervals: Type.Array(Type.Object({ id: Type.Integer(), intervalPeriod: Type.Optional(IntervalPeriod), payloads: Type.Array(ValuesMap) }), { maxItems: TARIFF_ROWS_MAX }),
  },
  { description: 'an OpenADR 3.0 Event (PRICE payloads, optionally capacity limits)' },
);

const ERROR_TEXT = {
  400: 'the body is not well-formed JSON (FST_ERR_CTP_INVALID_JSON_BODY) or is empty',
  401: 'no API token, or a wrong, expired or revoked one (AUTH_MISSING, AUTH_INVALID)',
  403: 'the token lacks the tariff-publisher role over every zone in the batch (AUTH_FORBIDDEN); a cookie request without X-CSRF-Token (CSRF_INVALID)',
  409: 'the zone already holds prices in another currency (PRICES_CURRENCY_MISMATCH)',
  413: 'the body is larger than the intake accepts (FST_ERR_CTP_BODY_TOO_LARGE)',
  415: 'a content type the route does not take (FST_ERR_CTP_INVALID_MEDIA_TYPE)',
  422: 'TARIFF_REJECTED: `issues` lists every offending row with its field and rule; nothing was applied',
} as const;
const responses = {
  201: Accepted,
  ...Object.fromEntries(Object.entries(ERROR_TEXT).map(([status, description]) => [status, Type.Ref(ErrorBody.$id!, { description })])),
};
const tags = ['tariffs'];
/** Publishers call with an API token only. */
const security = [{ bearerAuth: [] }];

/** Stable error codes that are the publisher's to fix, and their status (convention 7: one mapping place). */
const CONFLICTS: Record<string, number> = { PRICES_CURRENCY_MISMATCH: 409 };

export const tariffRoutes: FastifyPluginAsync<TariffRouteDeps> = async (app, deps) => {
  // The intake checks bodies itself against the same TypeBox schema, so that every problem is reported per row
  // with its rule; fastify's ajv would stop at the first error and coerce "12" into 12. The schemas below still
  // document the routes.
  app.setValidatorCompiler(() => () => true);
  const bodyLimit = deps.bodyLimit ?? TARIFF_BODY_LIMIT_BYTES;
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));

  // Who publishes is known before the body is read: an anonymous 6 MiB upload is refused without parsing it.
  const publishers = new WeakMap<FastifyRequest, TokenIdentity>();
  app.addHook('onRequest', async (request) => {
    publishers.set(request, await authenticate(request.headers.authorization, deps.tokens, deps.clock));
  });

  ensureErrorSchema(app);
  // The store's conflicts are the publisher's to fix (409); everything else as the rest of the app answers it.
  app.setErrorHandler((err, request, reply) => {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && CONFLICTS[code]) return reply.code(CONFLICTS[code]).send({ code, message: (err as Error).message });
    return replyWithError(err, request, reply, 'tariff intake failed');
  });

  const handle = async (input: PublicationInput, request: FastifyRequest, reply: FastifyReply) => {
    const principal = publishers.get(request)!;
    const result: IntakeResult = await deps.intake.validateYielding(input);
    // Authorise before reporting rule violations: a token for DK1 learns nothing about other zones.
    authorize(principal, 'tariff-publisher', result.zones);
    if (!result.ok) {
      const n = result.issues.length;
      const listed = n > ISSUES_LISTED_MAX ? ` (the first ${ISSUES_LISTED_MAX} listed)` : '';
      return reply.code(422).send({ code: 'TARIFF_REJECTED', message: `${n} problem${n === 1 ? '' : 's'}${listed}; nothing was applied`, issues: result.issues.slice(0, ISSUES_LISTED_MAX) });
    }
    const applied = await deps.intake.apply(result.publication, principal.name);
    return reply.code(201).send({ ...applied, zones: result.zones });
  };

  app.post(
    '/api/v1/tariffs',
    {
      bodyLimit,
      schema: {
        tags,
        summary: 'Publish tariffs: our JSON or our CSV; all or nothing',
        description:
          'One zone, currency and resolution per JSON body; CSV columns zone,currency,resolution,start,end,price_per_kwh ' +
          '(several zones allowed). Every interval carries its UTC offset. Any broken rule: 422 with every offending row, ' +
          'and nothing is applied. Formats and rules: docs/prices.md.',
        security,
        body: {
          content: {
            'application/json': { schema: TariffPublicationBody },
            'text/csv': { schema: Type.String({ description: 'header zone,currency,resolution,start,end,price_per_kwh; one interval per row' }) },
          },
        },
        response: responses,
      },
    },
    async (request, reply) => {
      const csv = (request.headers['content-type'] ?? '').startsWith('text/csv');
      const input: PublicationInput = csv ? { format: 'csv', text: String(request.body) } : { format: 'json', body: request.body };
      return handle(input, request, reply);
    },
  );

  app.post(
    '/api/v1/tariffs/openadr3/events',
    {
      bodyLimit,
      schema: {
        tags,
        summary: 'Publish tariffs as an OpenADR 3.0 Event: prices and capacity limits',
        description:
          'PRICE payloads become price intervals of ?zone=; IMPORT_CAPACITY_LIMIT and EXPORT_CAPACITY_LIMIT payloads ' +
          'become capacity limits of the zone. ?currency= is needed when the event names none. Same rules as ' +
          'POST /api/v1/tariffs: any broken rule is 422 and nothing is applied.',
        security,
        querystring: Type.Object({
          zone: Type.Optional(Type.String({ description: 'the price zone the event is for' })),
          currency: Type.Optional(Type.String({ description: 'ISO 4217, when the event has no currency of its own' })),
        }),
        body: OpenAdrEventBody,
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
      return handle(input, request, reply);
    },
  );
};
