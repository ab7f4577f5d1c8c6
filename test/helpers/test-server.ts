/**
 * Starts the real product (OCPP and HTTP on port 0, 127.0.0.1) on a manual clock, on a database of its own: an
 * SQLite file in a temp dir, or under `npm run test:postgres` a fresh PostgreSQL schema (test/helpers/test-database.ts).
 */
import { loadConfig, type Config } from '../../src/config.js';
import { start, type Running } from '../../src/main.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger, type Logger } from '../../src/platform/logger.js';
import { hashPassword } from '../../src/ocpp/auth/password.js';
import { testDatabase, type TestDatabase } from './test-database.js';

export interface TestServer {
  running: Running;
  clock: ManualClock;
  /** The product's database; restart() reopens it, stop() drops it. */
  database: TestDatabase;
  wsUrl: string;
  /** Restarts the product on the same database (what a process restart does). */
  restart(): Promise<TestServer>;
  stop(): Promise<void>;
  /** Profile 3 stores no password (the station authenticates by its certificate). */
  addStation(id: string, password: string, profile?: 0 | 1 | 2 | 3): Promise<void>;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export async function startTestServer(
  overrides: DeepPartial<Config> = {},
  opts: { clock?: ManualClock; database?: TestDatabase; logger?: Logger } = {},
): Promise<TestServer> {
  const database = opts.database ?? (await testDatabase({ file: true }));
  const clock = opts.clock ?? new ManualClock('2026-03-29T00:00:00Z');
  const config = loadConfig({}, {
    http: { host: '127.0.0.1', port: 0 },
    ...overrides,
    database: database.options,
    ocpp: { host: '127.0.0.1', port: 0, pingIntervalSeconds: 0, ...(overrides.ocpp ?? {}) },
    log: { level: 'silent' },
  });
  const logger = opts.logger ?? (process.env.TEST_LOG ? (await import('../../src/platform/logger.js')).createLogger({ level: process.env.TEST_LOG }) : silentLogger());
  let running: Running;
  try {
    running = await start(config, { clock, logger });
  } catch (err) {
    if (!opts.database) await database.drop();
    throw err;
  }
  const server: TestServer = {
    running,
    clock,
    database,
    wsUrl: `ws://127.0.0.1:${running.ports.ocpp}`,
    async restart() {
      await running.close();
      return startTestServer(overrides, { clock, database, ...(opts.logger ? { logger: opts.logger } : {}) });
    },
    async stop() {
      await running.close();
      await database.drop();
    },
    async addStation(id, password, profile = 1) {
      await running.repositories.stations.register(
        { id, passwordHash: profile === 0 || profile === 3 ? null : await hashPassword(password), securityProfile: profile },
        new Date(clock.now()).toISOString(),
      );
    },
  };
  return server;
}
