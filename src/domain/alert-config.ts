import { Type, type Static } from '@sinclair/typebox';

/**
 * Config `alerts` (issue 17, README "Alerts"): when conditions count, how alerts are grouped, and how they are
 * delivered. Every field has a default; `email` exists only when an SMTP server is configured.
 */
const Email = Type.String({ pattern: '^[^\\s@<>]{1,64}@[^\\s@<>]+$', maxLength: 254 });
export const AlertsConfig = Type.Object(
  {
    /** A station without an OCPP connection this long is offline (default 5). */
    offlineMinutes: Type.Optional(Type.Number({ minimum: 0, maximum: 1440 })),
    /** The periodic evaluation (default 60 s). */
    tickSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    /** Events within this window are evaluated together (default 5 s). */
    settleSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 300 })),
    /** This many stations with one condition at one site at once become one grouped alert (default 5). */
    groupThreshold: Type.Optional(Type.Integer({ minimum: 2, maximum: 10_000 })),
    /** A station's security events hold this long after its latest (default 60). */
    securityQuietMinutes: Type.Optional(Type.Number({ minimum: 1, maximum: 10_080 })),
    /** A failed firmware update or log upload holds until a success, at most this long (default 24). */
    failureHoldHours: Type.Optional(Type.Number({ minimum: 1, maximum: 720 })),
    /** Metered power above the site's grid limit by more than this counts (default 0.5 kW). */
    siteLimitToleranceKw: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    /** Webhook and email delivery: timeout per attempt, attempts, backoff and queue bound. */
    delivery: Type.Optional(Type.Object({
      timeoutSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 120 })),
      maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
      initialBackoffSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 3600 })),
      maxBackoffSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 86_400 })),
      queueSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
      concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    }, { additionalProperties: false })),
    /** Email through this SMTP server (nodemailer); absent: no email. */
    email: Type.Optional(Type.Object({
      host: Type.String({ minLength: 1, maxLength: 253 }),
      port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535, description: 'default 587 (465 when secure)' })),
      secure: Type.Optional(Type.Boolean({ description: 'TLS from the first byte (port 465); default false (STARTTLS when offered)' })),
      user: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      password: Type.Optional(Type.String({ maxLength: 256 })),
      from: Email,
      to: Type.Optional(Type.Array(Email, { maxItems: 50, description: 'receive every alert' })),
      fleets: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9._-]+$' }), Type.Array(Email, { maxItems: 50 }), { description: 'fleet -> addresses that receive the alerts of its sites' })),
    }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type AlertsConfig = Static<typeof AlertsConfig>;

/** Every setting with its default filled in. */
export function alertSettings(c: AlertsConfig = {}) {
  const d = c.delivery ?? {};
  return {
    offlineMs: (c.offlineMinutes ?? 5) * 60_000,
    tickMs: (c.tickSeconds ?? 60) * 1000,
    settleMs: (c.settleSeconds ?? 5) * 1000,
    groupThreshold: c.groupThreshold ?? 5,
    securityQuietMs: (c.securityQuietMinutes ?? 60) * 60_000,
    failureHoldMs: (c.failureHoldHours ?? 24) * 3_600_000,
    siteLimitToleranceKw: c.siteLimitToleranceKw ?? 0.5,
    delivery: {
      timeoutMs: (d.timeoutSeconds ?? 10) * 1000,
      maxAttempts: d.maxAttempts ?? 8,
      initialBackoffMs: (d.initialBackoffSeconds ?? 10) * 1000,
      maxBackoffMs: (d.maxBackoffSeconds ?? 3600) * 1000,
      capacity: d.queueSize ?? 1000,
      concurrency: d.concurrency ?? 4,
    },
    email: c.email
      ? { host: c.email.host, port: c.email.port ?? (c.email.secure ? 465 : 587), secure: c.email.secure ?? false, user: c.email.user, password: c.email.password, from: c.email.from, to: c.email.to ?? [], fleets: c.email.fleets ?? {} }
      : null,
  };
}
export type AlertSettings = ReturnType<typeof alertSettings>;
