/**
 * `npm start`: the product as an operating-system process. Loads the config, starts, prints the first-run setup link,
 * and stops cleanly on SIGINT and SIGTERM. A configuration error (a bad database.url, an unreachable server, a
 * cluster setting) is one line naming the setting, not a stack.
 */
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../platform/logger.js';
import { installLastResort } from '../platform/last-resort.js';
import { DatabaseConfigError } from '../storage/index.js';
import { ClusterConfigError } from '../cluster/nats-transport.js';
import { DeploymentError } from '../cluster/deployment.js';
import type { Running } from './running.js';

export async function runAsProcess(start: (config: Config) => Promise<Running>): Promise<void> {
  const config = loadConfig();
  // Issue 20, finding 1: a socket error that escapes every listener is logged and the server keeps serving.
  installLastResort(process, createLogger({ level: config.log.level }));
  let running: Running;
  try {
    running = await start(config);
  } catch (err) {
    // A bad database.url or an unreachable server: the message names the setting; a stack would only bury it.
    if (!(err instanceof DatabaseConfigError) && !(err instanceof ClusterConfigError) && !(err instanceof DeploymentError)) throw err;
    process.stderr.write(`chargeplan: ${err.message}\n`);
    process.exit(1);
  }
  if (running.setupLink) {
    process.stderr.write(`\nNo account yet. To create the first admin, open (once, within 24 hours):\n\n  ${running.setupLink}\n\n`);
  }
  const stop = async (signal: string) => {
    try {
      await running.close();
    } catch (err) {
      process.stderr.write(`stopping on ${signal}: ${(err as Error).message}\n`);
      process.exit(1);
    }
    process.stderr.write(`stopped on ${signal}\n`);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
