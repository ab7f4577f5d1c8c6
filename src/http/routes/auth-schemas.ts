import { Type, type TSchema } from '@sinclair/typebox';
import { ErrorBody, ensureErrorSchema } from '../errors.js';
import { ROLES } from '../auth/roles.js';

/** TypeBox schemas of the auth routes (src/http/routes/auth.ts): the request types and the OpenAPI document. */

export const Grant = Type.Object(
  {
    role: Type.String({ description: `one of ${Object.keys(ROLES).join(', ')}` }),
    scopeKind: Type.String({ description: 'all (admin), fleet, home or price-zone' }),
    scopeId: Type.String({ description: "the fleet, home or price zone; '*' for all of them" }),
  },
  { description: 'a role over a scope' },
);

export const GrantInput = Type.Object(
  {
    role: Type.Union(Object.keys(ROLES).map((r) => Type.Literal(r))),
    scopeId: Type.String({ minLength: 1, maxLength: 100, description: "the fleet, home or price zone; '*' for all (admin: always '*')" }),
    scopeKind: Type.Optional(Type.String({ description: 'may be left out: it follows from the role' })),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const LoginResult = Type.Object({
  user: Type.Object({ id: Type.String(), username: Type.String(), name: Type.String() }),
  grants: Type.Array(Grant),
  csrfToken: Type.String({ description: 'send it back as X-CSRF-Token on every POST, PUT, PATCH and DELETE' }),
});

export const Me = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('token')], { description: 'login session (cookie) or API token (Bearer)' }),
  id: Type.String({ description: 'user id or token id' }),
  name: Type.String(),
  grants: Type.Array(Grant),
  csrfToken: Type.Optional(Type.String({ description: 'login sessions only: the X-CSRF-Token for unsafe requests' })),
});

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'what the token is for, e.g. "depot telematics"' }),
    grants: Type.Optional(Type.Array(GrantInput, { minItems: 1, maxItems: 50, description: 'default: all of your own grants' })),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'default: no expiry' })),
    _csrf: Type.Optional(Type.String({ description: 'form posts only: the CSRF token, instead of the header' })),
  },
  { additionalProperties: false },
);

const nullableInstant = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const TokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  grants: Type.Array(Grant),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: nullableInstant,
  revokedAt: nullableInstant,
  lastUsedAt: nullableInstant,
  ownerUserId: Type.Union([Type.String(), Type.Null()], { description: 'null: made with the CLI' }),
  expired: Type.Boolean({ description: 'past its expiry by the server’s clock: it no longer authenticates (revoked is separate)' }),
});

export const TokenCreated = Type.Composite([
  TokenInfo,
  Type.Object({ token: Type.String({ description: 'cpk_<id>_<secret>: shown this once, only its hash is stored' }) }),
]);

export const TokenParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$', description: 'the token id (16 hex digits)' }) });

const ERROR_TEXT: Record<number, string> = {
  400: 'the body or a parameter breaks the schema or a rule (REQUEST_INVALID): message and field name it',
  401: 'no credentials, wrong ones, or an ended login session (AUTH_MISSING, AUTH_INVALID)',
  403: 'beyond your grants (AUTH_FORBIDDEN), or a cookie request without the right X-CSRF-Token (CSRF_INVALID)',
  404: 'no such token (TOKEN_UNKNOWN)',
  415: 'a body that is neither JSON nor a form (FST_ERR_CTP_INVALID_MEDIA_TYPE)',
  429: 'too many requests (RATE_LIMITED); the Retry-After header says how many seconds to wait',
};

/**
 * The error answers a route can give, each a reference to the shared ErrorBody ($id "Error") so the OpenAPI
 * document has one Error component. `ensureErrorSchema` (errors.ts) adds it where the app has not.
 */
export const errors = (...statuses: number[]): Record<number, TSchema> =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref(ErrorBody.$id!, { description: ERROR_TEXT[s] ?? 'error' })]));

export { ensureErrorSchema };

/** A success answer with its description for the OpenAPI document (swagger says "Default Response" otherwise). */
export const described = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });
