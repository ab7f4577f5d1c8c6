import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PricesConfig } from './prices/tariff-config.js';
import { AlertsConfig } from './domain/alert-config.js';

/** The runtime configuration: one TypeBox schema is both the type and the start-up check (convention 4). */
export const ConfigSchema = Type.Object(
  {
    /**
     * Where the state lives (issue 15): `path` keeps the embedded SQLite file (the default); `url: postgres://...`
     * selects PostgreSQL, which several nodes can share; the other fields apply to PostgreSQL only.
     */
    database: Type.Object(
      {
        path: Type.Optional(Type.String({ minLength: 1, description: 'SQLite file; ":memory:" for none' })),
        url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'postgres://user:password@host:port/database' })),
        schema: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', description: 'PostgreSQL schema for the tables (default public)' })),
        poolSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        statementTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
        connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
        ssl: Type.Optional(
          Type.Object(
            {
              rejectUnauthorized: Type.Optional(Type.Boolean()),
              /** PEM file of the CA that signed the server's certificate (relative to the project root). */
              caFile: Type.Optional(Type.String({ minLength: 1 })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    http: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Integer({ minimum: 0, maximum: 65535 }),
        /** Mark the login cookie Secure (HTTPS only); false only for plain http on localhost (docs/auth.md). */
        cookieSecure: Type.Optional(Type.Boolean()),
        /** A login session ends after this many hours without a request... */
        sessionIdleHours: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        /** ...and this many hours after login, however busy. */
        sessionMaxHours: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        /**
         * fastify's trustProxy behind a reverse proxy: true, or the proxy's addresses/CIDRs (a string or list), so
         * the client's address and protocol come from X-Forwarded-For/-Proto (docs/security.md). Default false.
         */
        trustProxy: Type.Optional(Type.Union([Type.Boolean(), Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }))])),
      },
      { additionalProperties: false },
    ),
    ocpp: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()]),
        tlsPort: Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()]),
        tls: Type.Union([
          Type.Object(
            {
              certFile: Type.String({ minLength: 1 }),
              keyFile: Type.String({ minLength: 1 }),
              /** Security profile 3 (docs/security.md): the CA (PEM, may hold sub-CAs) that station certificates chain to. */
              caFile: Type.Optional(Type.String({ minLength: 1 })),
              /** Its private key (PKCS#8 PEM): lets SignCertificate issue certificates (A02/A03); without it, Rejected. */
              caKeyFile: Type.Optional(Type.String({ minLength: 1 })),
              /** A00.FR.404: the O (organizationName) station certificates must carry; unset = any non-empty O. */
              organizationName: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
              /** Validity of the certificates this CSMS issues. */
              certificateDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
            },
            { additionalProperties: false },
          ),
          Type.Null(),
        ]),
        path: Type.String({ pattern: '^/' }),
        callTimeoutSeconds: Type.Number({ exclusiveMinimum: 0 }),
        pingIntervalSeconds: Type.Number({ minimum: 0 }),
        maxBadMessages: Type.Integer({ minimum: 1 }),
        /** maxBadMessages invalid messages within this many seconds disconnect a station (close 1008). */
        badMessageWindowSeconds: Type.Number({ exclusiveMinimum: 0 }),
        replaceExistingConnection: Type.Boolean(),
        autoRegister: Type.Boolean(),
        /**
         * Issue 16: with autoRegister off, unknown station ids wait to be adopted (answered Pending, listed on
         * /admin/stations; absent = true). false: they are refused with 401 as before, and the handshake does not tell
         * which ids exist (docs/api.md, "Who waits").
         */
        waitingList: Type.Optional(Type.Boolean()),
        perMessageDeflate: Type.Boolean(),
        bootStatus: Type.Union([Type.Literal('Accepted'), Type.Literal('Pending')]),
        heartbeatIntervalSeconds: Type.Integer({ minimum: 1 }),
        bootRetryIntervalSeconds: Type.Integer({ minimum: 0 }),
        readCapabilitiesOnBoot: Type.Boolean(),
        acceptUnknownIdTokens: Type.Boolean(),
        dataTransferVendors: Type.Array(Type.String({ maxLength: 255 })),
        /** Handshake limits (docs/security.md, "OCPP connections"; src/ocpp/handshake-limits.ts). */
        limits: Type.Object(
          {
            handshakesPerAddressPerMinute: Type.Integer({ minimum: 1 }),
            failuresPerAddressPerMinute: Type.Integer({ minimum: 1 }),
            maxPendingHandshakes: Type.Integer({ minimum: 1 }),
            maxConnections: Type.Integer({ minimum: 1 }),
            listenBacklog: Type.Integer({ minimum: 1, maximum: 65535 }),
            handshakeTimeoutSeconds: Type.Number({ minimum: 1 }),
            backoffInitialSeconds: Type.Number({ minimum: 1 }),
            backoffMaxSeconds: Type.Number({ minimum: 1 }),
            /** Largest frame read (bytes, after inflating); larger closes with 1009 (src/ocpp/frame-limits.ts says why 1 MiB). */
            maxFrameBytes: Type.Integer({ minimum: 4096, maximum: 100 * 1024 * 1024 }),
            /** Per-station inbound byte budget: sustained per minute and burst; beyond it the station is closed with 1008. */
            inboundBytesPerMinute: Type.Integer({ minimum: 1 }),
            inboundBurstBytes: Type.Integer({ minimum: 4096 }),
            /** How much of one event-loop turn the connect path may take (src/ocpp/handshake-limits.ts, TurnLimits; defaults there). */
            connectionsPerTurn: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            handshakesPerTurn: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            handshakeTurnMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
            presenceBatchRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
            presenceBatchMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    /** Price zones, sources and site tariffs (docs/prices.md); defaults are filled in by parsePricesConfig. */
    prices: Type.Optional(Type.Unknown()),
    /** Sites: grid connections with circuits and placed EVSEs (src/domain/sites.ts); checked by resolveSites. */
    sites: Type.Optional(Type.Unknown()),
    /** What is kept of station messages, plans and decisions, and for how long (docs/security.md). */
    retention: Type.Object(
      {
        stationLogDays: Type.Number({ exclusiveMinimum: 0 }),
        maxStationLogRows: Type.Integer({ minimum: 1 }),
        planDays: Type.Number({ exclusiveMinimum: 0 }),
        maxPlanRows: Type.Integer({ minimum: 1 }),
        decisionDays: Type.Number({ exclusiveMinimum: 0 }),
        maxDecisionRows: Type.Integer({ minimum: 1 }),
        /** A station message larger than this (UTF-8 bytes of its JSON) keeps only this much head, its size and SHA-256. */
        stationLogPayloadBytes: Type.Integer({ minimum: 0 }),
        /** What one station may store per minute; beyond it only size and SHA-256 are kept. */
        stationLogBytesPerMinute: Type.Integer({ minimum: 0 }),
        /** Finished transactions (events, meter values) and meter values outside one are kept this long; never a running one. */
        transactionDays: Type.Number({ exclusiveMinimum: 0 }),
        /** The EVSE state log utilisation reads is kept this long (default 400); each EVSE's latest state never goes. */
        evseStateLogDays: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        waitingStationDays: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        /** Meter values: per series at most the earliest, latest (and highest power) sample of each bucket (src/storage/meter-thinning.ts)... */
        meterBucketSeconds: Type.Integer({ minimum: 1, maximum: 60 }),
        /** ...and at most this many new rows per station per minute; beyond it only each series' latest is updated. */
        meterRowsPerStationPerMinute: Type.Integer({ minimum: 1 }),
        /** Device-model variables (component/variable/attribute rows) stored per station; new ones beyond it are counted, not stored. */
        maxDeviceModelVariables: Type.Integer({ minimum: 1 }),
        pruneBatchRows: Type.Integer({ minimum: 1, maximum: 100_000 }),
        pruneIntervalMinutes: Type.Number({ exclusiveMinimum: 0 }),
      },
      { additionalProperties: false },
    ),
    /**
     * Several equal nodes (issue 19, README "Running a cluster"): set on every node, with database.url (PostgreSQL).
     * Absent: one process, as always.
     */
    cluster: Type.Optional(
      Type.Object(
        {
          /** nats://host:port (several separated by commas). */
          nats: Type.String({ pattern: '^nats://', maxLength: 2000, description: 'nats://host:port[,nats://...] (each checked at start)' }),
          /** This node's name in leases, presence and logs; default: host name, process id and a random suffix. */
          nodeId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
          /** Subjects of this cluster start with it (two clusters may share one NATS under different prefixes). */
          subjectPrefix: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$', description: 'dot-separated tokens, none empty' })),
          /** How long a node counts as alive without renewing its lease; its sites and stations move after it. */
          leaseSeconds: Type.Optional(Type.Integer({ minimum: 2, maximum: 300 })),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Firmware images and uploaded logs (issue 17, L01/N01): `dir` holds them (default: `files` beside the SQLite file;
     * set it for PostgreSQL); stations fetch and upload at `baseUrl` (default http://<http.host>:<port>), through links
     * that expire after `linkMinutes`; `maxFirmwareMB` and `maxLogMB` bound each file.
     */
    files: Type.Optional(Type.Object({
      dir: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
      baseUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s/]{1,253}(/[^\\s]*)?$', maxLength: 300, description: 'http(s)://host:port as stations reach the product, no trailing slash' })),
      linkMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 * 24 * 30 })),
      maxFirmwareMB: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
      maxLogMB: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
    }, { additionalProperties: false })),
    /** Alerts and their delivery (issue 17, README "Alerts"; src/domain/alert-config.ts). */
    alerts: Type.Optional(AlertsConfig),
    /** Prometheus /metrics (issue 17): admins read it; a scraper with this Bearer token too (at least 24 characters). */
    metrics: Type.Optional(Type.Object({ scrapeToken: Type.Optional(Type.String({ minLength: 24, maxLength: 256 })) }, { additionalProperties: false })),
    log: Type.Object({ level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))) }, { additionalProperties: false }),
  },
  { additionalProperties: true },
);
export type Config = Static<typeof ConfigSchema>;

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), fileURLToPath(import.meta.url).includes('/dist/') ? '../..' : '..');
export const DEFAULT_CONFIG_FILE = join(ROOT, 'config', 'default.json');

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`cannot read configuration ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** What the schema's simple patterns cannot say about `cluster` (patterns stay free of nested repetition: no ReDoS). */
function clusterConfigProblem(c: { nats: string; subjectPrefix?: string | undefined }): string | null {
  const servers = c.nats.split(',').map((x) => x.trim());
  const bad = servers.find((x) => !x.startsWith('nats://') || x.length <= 'nats://'.length || /\s/.test(x));
  if (bad !== undefined) return `/cluster/nats: "${bad}" is not nats://host:port (several are separated by commas)`;
  if (c.subjectPrefix !== undefined && c.subjectPrefix.split('.').some((t) => t.length === 0)) {
    return `/cluster/subjectPrefix: "${c.subjectPrefix}" has an empty token (no leading, trailing or double dots)`;
  }
  return null;
}

/** Checks a configuration object; the error lists every field that is wrong and why. */
export function checkConfig(raw: unknown, source: string): Config {
  if (Value.Check(ConfigSchema, raw)) {
    if (raw.database.path === undefined && raw.database.url === undefined) {
      throw new ConfigError(`configuration ${source} is invalid:\n  /database: set path (an SQLite file) or url (postgres://...)`);
    }
    const clusterProblem = raw.cluster ? clusterConfigProblem(raw.cluster) : null;
    if (clusterProblem) throw new ConfigError(`configuration ${source} is invalid:\n  ${clusterProblem}`);
    if (raw.cluster && raw.database.url === undefined) {
      throw new ConfigError(`configuration ${source} is invalid:\n  /cluster: nodes share their state in PostgreSQL: set database.url (postgres://...) with cluster.nats`);
    }
    return raw;
  }
  const problems = [...Value.Errors(ConfigSchema, raw)].slice(0, 10).map((e) => `  ${e.path || '/'}: ${e.message}`);
  throw new ConfigError(`configuration ${source} is invalid:\n${problems.join('\n')}`);
}

/**
 * Loads config/default.json, then the file named by CHARGEPLAN_CONFIG (merged over it), then a few
 * environment overrides for containers: CHARGEPLAN_DB, CHARGEPLAN_DATABASE_URL, CHARGEPLAN_HTTP_PORT, CHARGEPLAN_OCPP_PORT,
 * CHARGEPLAN_NATS_URL, CHARGEPLAN_NODE_ID, LOG_LEVEL.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: unknown = {}): Config {
  let raw = readJson(DEFAULT_CONFIG_FILE);
  const sources = [DEFAULT_CONFIG_FILE];
  if (env.CHARGEPLAN_CONFIG) {
    raw = merge(raw, readJson(env.CHARGEPLAN_CONFIG));
    sources.push(env.CHARGEPLAN_CONFIG);
  }
  const envOver: Record<string, Record<string, unknown>> = {};
  const int = (name: string, v: string) => {
    if (!/^\d+$/.test(v)) throw new ConfigError(`${name} must be a port number, got "${v}"`);
    return Number(v);
  };
  if (env.CHARGEPLAN_DB) envOver.database = { path: env.CHARGEPLAN_DB };
  if (env.CHARGEPLAN_DATABASE_URL) envOver.database = { ...envOver.database, url: env.CHARGEPLAN_DATABASE_URL };
  if (env.CHARGEPLAN_HTTP_PORT) envOver.http = { port: int('CHARGEPLAN_HTTP_PORT', env.CHARGEPLAN_HTTP_PORT) };
  if (env.CHARGEPLAN_OCPP_PORT) envOver.ocpp = { port: int('CHARGEPLAN_OCPP_PORT', env.CHARGEPLAN_OCPP_PORT) };
  if (env.LOG_LEVEL) envOver.log = { level: env.LOG_LEVEL };
  if (env.CHARGEPLAN_NATS_URL) envOver.cluster = { nats: env.CHARGEPLAN_NATS_URL };
  if (env.CHARGEPLAN_NODE_ID) envOver.cluster = { ...envOver.cluster, nodeId: env.CHARGEPLAN_NODE_ID };
  raw = merge(merge(raw, envOver), overrides);
  return checkConfig(raw, sources.join(' + '));
}
