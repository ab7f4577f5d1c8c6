/**
 * The product as its own process for bench/storm.bench.ts, so that the bench can kill it with SIGKILL (kill -9) and
 * start it again on the same database and ports. The configuration comes from CHARGEPLAN_CONFIG, as in production,
 * and the process installs the same last-resort handler as src/main.ts.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
// How long this process's event loop was blocked: what every connected station's messages waited for at most.
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
process.on('message', (m: { type: string }) => {
  if (m.type === 'stop') {
    void running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stopping failed');
        process.exit(1);
      },
    );
  }
  if (m.type === 'loop') {
    process.send?.({ type: 'loop', p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 } satisfies ServerMessage);
    loop.reset();
  }
});
