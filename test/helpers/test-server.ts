/** Starts the real product (SQLite file in a temp dir, OCPP and HTTP on port 0, 127.0.0.1) on a manual clock. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { start, type Running } from '../../src/main.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger, type Logger } from '../../src/platform/logger.js';
import { hashPassword } from '../../src/ocpp/auth/password.js';

export interface TestServer {
  running: Running;
  clock: ManualClock;
  dir: string;
  dbPath: string;
  wsUrl: string;
  /** Restarts the product on the same database file (what a process restart does). */
  restart(): Promise<TestServer>;
  stop(): Promise<void>;
  /** Profile 3 stores no password (the station authenticates by its certificate). */
  addStation(id: string, password: string, profile?: 0 | 1 | 2 | 3): Promise<void>;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export async function startTestServer(
  overrides: DeepPartial<Config> = {},
  opts: { clock?: ManualClock; dir?: string; logger?: Logger } = {},
): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'chargeplan-test-'));
  const dbPath = join(dir, 'test.sqlite');
  const clock = opts.clock ?? new ManualClock('2026-03-29T00:00:00Z');
  const config = loadConfig({}, {
    database: { path: dbPath },
    http: { host: '127.0.0.1', port: 0 },
    ...overrides,
    ocpp: { host: '127.0.0.1', port: 0, pingIntervalSeconds: 0, ...(overrides.ocpp ?? {}) },
    log: { level: 'silent' },
  });
  const running = await start(config, { clock, logger: opts.logger ?? (process.env.TEST_LOG ? (await import('../../src/platform/logger.js')).createLogger({ level: process.env.TEST_LOG }) : silentLogger()) });
  const server: TestServer = {
    running,
    clock,
    dir,
    dbPath,
    wsUrl: `ws://127.0.0.1:${running.ports.ocpp}`,
    async restart() {
      await running.close();
      return startTestServer(overrides, { clock, dir, ...(opts.logger ? { logger: opts.logger } : {}) });
    },
    async stop() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
    async addStation(id, password, profile = 1) {
      running.repositories.stations.register(
        { id, passwordHash: profile === 0 || profile === 3 ? null : await hashPassword(password), securityProfile: profile },
        new Date(clock.now()).toISOString(),
      );
    },
  };
  return server;
}
