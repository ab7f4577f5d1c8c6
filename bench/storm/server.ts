/**
 * The product as its own process for bench/storm.bench.ts, so that the bench can kill it with SIGKILL (kill -9) and
 * start it again on the same database and ports. The configuration comes from CHARGEPLAN_CONFIG, as in production,
 * and the process installs the same last-resort handler as src/main.ts.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../../src/config.js';
import { start } from '../../src/main.js';
import { createLogger } from '../../src/platform/logger.js';
import { installLastResort } from '../../src/platform/last-resort.js';
import type { ServerMessage } from './protocol.js';
import { IterationMeter } from './iterations.js';

const t0 = performance.now();
// `--profile`: a CPU profile of this process from its first line (the storm starts as soon as the port listens).
const profileUs = Number(process.env.CHARGEPLAN_STORM_PROFILE_US ?? 0);
const inspector = profileUs > 0 ? new Session() : null;
if (inspector) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: profileUs });
  await inspector.post('Profiler.start');
}
const config = loadConfig();
const logger = createLogger({ level: config.log.level });
installLastResort(process, logger);
const running = await start(config, { logger });
/** The profile's clock (V8's TimeTicks and uv_hrtime both read CLOCK_MONOTONIC), in microseconds. */
const readyUs = Number(process.hrtime.bigint() / 1000n);
process.send?.({
  type: 'ready', ocppPort: running.ports.ocpp!, httpPort: running.ports.http, startMs: performance.now() - t0,
} satisfies ServerMessage);
// How long this process's event loop was blocked: what every connected station's messages waited for at most.
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
// The longest iterations in CPU time (iterations.ts): the figure the machine's other load hardly changes.
const iterations = new IterationMeter();
process.on('message', (m: { type: string; file?: string }) => {
  if (m.type === 'profile' && inspector && m.file) {
    const file = m.file;
    void inspector.post('Profiler.stop').then(({ profile }) => {
      writeFileSync(file, JSON.stringify(profile));
      process.send?.({ type: 'profile', file, readyUs } satisfies ServerMessage);
    });
  }
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
    const { top, maxWallMs } = iterations.report();
    process.send?.({ type: 'loop', p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6, iterations: top.map((it) => ({ ...it, atS: (it.startUs - readyUs) / 1e6 })), iterationMaxWallMs: maxWallMs } satisfies ServerMessage);
    loop.reset();
    iterations.reset();
  }
});
