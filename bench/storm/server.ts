/**
 * The product as its own process for bench/storm.bench.ts, so that the bench can kill it with SIGKILL (kill -9) and
 * start it again on the same database and ports. The configuration comes from CHARGEPLAN_CONFIG, as in production,
 * and the process installs the same last-resort handler as src/main.ts.
 */
import { loadConfig } from '../../src/config.js';
import { start } from '../../src/main.js';
import { createLogger } from '../../src/platform/logger.js';
import { installLastResort } from '../../src/platform/last-resort.js';
import type { ServerMessage } from './protocol.js';

const t0 = performance.now();
const config = loadConfig();
const logger = createLogger({ level: config.log.level });
installLastResort(process, logger);
const running = await start(config, { logger });
process.send?.({
  type: 'ready', ocppPort: running.ports.ocpp!, httpPort: running.ports.http, startMs: performance.now() - t0,
} satisfies ServerMessage);
process.on('message', (m: { type: string }) => {
  if (m.type === 'stop') void running.close().then(() => process.exit(0));
});
