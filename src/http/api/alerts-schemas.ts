import { Type, type Static } from '@sinclair/typebox';
import { ALERT_KINDS, MAX_ALERT_PAGE, MAX_GROUP_MEMBERS, MAX_WEBHOOKS } from '../../domain/alerts.js';
import { Iso, Nullable, Words } from './schema-kit.js';

/** The alert and webhook bodies of the API (issue 17): one schema, one type (convention 4). */

export const AlertView = Type.Object({
  id: Type.Integer(),
  kind: Words(ALERT_KINDS),
  siteId: Nullable(Type.String()),
  stationId: Nullable(Type.String({ description: 'the station it concerns; null for a grouped or site-wide alert' })),
  subject: Type.String({ description: 'what within the kind: a station, a connector (station/evse/connector), a zone...; "*" for a grouped alert' }),
  grouped: Type.Boolean({ description: 'one alert for many stations with the same condition at one site' }),
  members: Type.Array(Type.String(), { maxItems: MAX_GROUP_MEMBERS }),
  memberCount: Type.Integer({ minimum: 0 }),
  severity: Words(['critical', 'warning', 'info'] as const),
  title: Type.String(),
  message: Type.String(),
  details: Nullable(Type.Object({}, { additionalProperties: true })),
  state: Words(['open', 'closed'] as const),
  openedAt: Iso(),
  updatedAt: Iso(),
  closedAt: Nullable(Iso()),
});
export type AlertView = Static<typeof AlertView>;

export const AlertPage = Type.Object({
  alerts: Type.Array(AlertView, { maxItems: MAX_ALERT_PAGE }),
  nextBefore: Nullable(Type.Integer({ description: 'pass as `before` for the next (older) page; null: no more' })),
});

export const AlertDetail = Type.Object({
  alert: AlertView,
  history: Type.Array(Type.Object({ at: Iso(), event: Words(['opened', 'updated', 'closed'] as const), message: Type.String() }), { maxItems: MAX_ALERT_PAGE }),
});

export const AlertQuery = Type.Object({
  state: Type.Optional(Words(['open', 'closed'] as const)),
  siteId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  stationId: Type.Optional(Type.String({ minLength: 1, maxLength: 48 })),
  kind: Type.Optional(Words(ALERT_KINDS)),
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ALERT_PAGE, default: 50 })),
}, { additionalProperties: false });
export type AlertQuery = Static<typeof AlertQuery>;

export const AlertParams = Type.Object({ alertId: Type.Integer({ minimum: 1 }) });
export type AlertParams = Static<typeof AlertParams>;

export const WebhookView = Type.Object({
  id: Type.String(),
  scope: Type.Object({ kind: Words(['site', 'fleet', 'all'] as const), id: Type.String() }),
  url: Type.String(),
  description: Type.String(),
  createdAt: Iso(),
  lastSuccessAt: Nullable(Iso()),
  lastFailureAt: Nullable(Iso()),
  lastError: Nullable(Type.String()),
});

export const WebhookList = Type.Object({ webhooks: Type.Array(WebhookView, { maxItems: MAX_WEBHOOKS }) });

export const WebhookCreated = Type.Object({
  webhook: WebhookView,
  secret: Type.String({ description: 'the HMAC-SHA256 key of the X-Chargeplan-Signature header: shown once, never again' }),
});

export const WebhookBody = Type.Object({
  url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000, description: 'http(s) URL that receives a POST per alert opened or closed' }),
  scope: Type.Object({
    kind: Words(['site', 'fleet', 'all'] as const, 'site: one site’s alerts; fleet: the alerts of the fleet’s sites; all: every alert'),
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._-]+$', description: 'the site id or fleet name (absent for all)' })),
  }, { additionalProperties: false }),
  description: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });
export type WebhookBody = Static<typeof WebhookBody>;

export const WebhookParams = Type.Object({ webhookId: Type.String({ minLength: 1, maxLength: 64 }) });
export type WebhookParams = Static<typeof WebhookParams>;
