/** The demo's command line: `npm run demo -- [--speed N] [--start LOCAL] [--hours H] [--step-seconds S]`. */
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run demo -- [options]

  --speed N          simulated seconds per real second (default 360: the 24-hour day in 4 minutes)
  --start DATETIME   the day's start, wall clock in Copenhagen, between 2025-10-23 and 2025-10-29
                     (default: noon of the busiest weekday of the sessions, 2025-10-27T12:00)
  --hours H          how long the day runs (default 24)
  --step-seconds S   simulated seconds per lock-step of the product and the chargers (default 60)
  -h, --help

Ports: CHARGEPLAN_HTTP_PORT (default 8080) and CHARGEPLAN_OCPP_PORT (default 9000). The database is
data/demo.sqlite, made anew on every start.`;

export interface DemoArgs {
  help: boolean;
  speed: number;
  start?: string;
  hours: number;
  stepSeconds: number;
}

export class DemoUsageError extends Error {}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new DemoUsageError(`--${name}: must be a number above 0, got "${text}"`);
  return n;
}

export function parseDemoArgs(argv: string[]): DemoArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        speed: { type: 'string' },
        start: { type: 'string' },
        hours: { type: 'string' },
        'step-seconds': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new DemoUsageError((e as Error).message);
  }
  return {
    help: values.help ?? false,
    speed: positive('speed', values.speed, 360),
    ...(values.start !== undefined ? { start: values.start } : {}),
    hours: positive('hours', values.hours, 24),
    stepSeconds: positive('step-seconds', values['step-seconds'], 60),
  };
}
