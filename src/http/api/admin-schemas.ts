import { Type, type Static } from '@sinclair/typebox';
import { MAX_AUDIT_PAGE } from '../../domain/audit.js';
import { Grant, GrantInput } from '../routes/auth-schemas.js';
import { ROLES } from '../auth/roles.js';
import { Iso, Nullable } from './schema-kit.js';
import { PhraseView } from './schemas.js';

/** TypeBox schemas of the admin routes (admin-users.ts, admin-audit.ts, admin-get-started.ts): types and OpenAPI. */

export const UserInfo = Type.Object({
  id: Type.String(),
  username: Type.String(),
  name: Type.String(),
  createdAt: Iso(),
  disabledAt: Nullable(Iso('set while the account is disabled: no login, its sessions ended, its tokens revoked')),
  grants: Type.Array(Grant),
});
export type UserInfo = Static<typeof UserInfo>;

export const UserParams = Type.Object({ userId: Type.String({ pattern: '^[0-9a-f]{16}$', description: 'the user id (16 hex digits)' }) });
export type UserParams = Static<typeof UserParams>;

export const CreateUserBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64, description: 'letters, digits and . _ @ -; stored lower-case' }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: 1024, description: 'at least 12 characters; tell it to the person, who changes it' }),
    grants: Type.Optional(Type.Array(GrantInput, { maxItems: 20, description: 'default: none (grants can be added later)' })),
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const UserChange = Type.Object(
  { disabled: Type.Boolean({ description: 'true disables (sessions end, tokens revoked), false re-enables' }) },
  { additionalProperties: false },
);
export type UserChange = Static<typeof UserChange>;

export const PasswordReset = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: 1024, description: 'the new password, at least 12 characters; the person’s sessions end' }) },
  { additionalProperties: false },
);
export type PasswordReset = Static<typeof PasswordReset>;

export const GrantQuery = Type.Object(
  {
    role: Type.Union(Object.keys(ROLES).map((r) => Type.Literal(r))),
    scopeId: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);
export type GrantQuery = Static<typeof GrantQuery>;

export const RoleInfo = Type.Object({
  role: Type.String(),
  scopeKind: Type.String({ description: 'what the role is granted over: all (admin), fleet, home, price-zone' }),
});

export const AuditEntryInfo = Type.Object({
  id: Type.Integer(),
  at: Iso(),
  actor: Type.Object({
    kind: Type.String({ description: 'user, token, cli or setup' }),
    id: Nullable(Type.String()),
    name: Type.String(),
  }),
  action: Type.String({ description: 'e.g. user.created, grant.added, token.revoked, setup.completed' }),
  target: Type.Object({ kind: Type.String(), id: Type.String() }),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const AuditPage = Type.Object({
  entries: Type.Array(AuditEntryInfo, { description: 'newest first' }),
  nextBefore: Nullable(Type.Integer({ description: 'pass as `before` for the next, older page; null at the end' })),
});

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_PAGE, default: 100 })),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'only entries older than this id' })),
    targetKind: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const ChecklistItem = Type.Object({
  id: Type.Unsafe<'site' | 'tariff' | 'charger' | 'vehicle' | 'departure'>({ type: 'string', enum: ['site', 'tariff', 'charger', 'vehicle', 'departure'] }),
  done: Type.Boolean(),
  detail: Type.String({ description: 'what exists, or what is missing' }),
  phrase: Type.Optional(PhraseView),
});
export const Checklist = Type.Object({ items: Type.Array(ChecklistItem) });
