/**
 * `npm run demo`: the product on its embedded defaults with a depot of 20 chargers behind a 44 kW grid connection
 * and a home, a real day of DK1 prices, the vans of a real day of sessions, and the day run in minutes against real
 * time. It prints where to log in, updates one depot charger's firmware (its steps printed as they come, its station
 * page linked), then a line per simulated hour; when the day is over it keeps serving the final state until Ctrl-C.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { DateTime } from 'luxon';
import { systemClock } from '../platform/clock.js';
import { DemoUsageError, parseDemoArgs, USAGE, type DemoArgs } from './demo/options.js';
import { Pacer } from './demo/pacer.js';
import { DemoMonitor } from './demo/progress.js';
import { startDemo, type Demo } from './demo/start.js';
import { DEMO_FIRMWARE_VERSION, startDemoFirmware } from './demo/firmware.js';

const HOUR = 3_600_000;

export function banner(demo: Demo, args: Pick<DemoArgs, 'speed'>): string {
  const { window, depot, home } = demo;
  const local = (ms: number, fmt: string) => DateTime.fromMillis(ms, { zone: window.timeZone }).toFormat(fmt);
  const hours = (window.end - window.start) / HOUR;
  const realMin = (window.end - window.start) / args.speed / 60_000;
  const day = depot.day;
  const width = Math.max(...demo.users.map((u) => u.username.length));
  return [
    `chargeplan demo: ${local(window.start, 'cccc d LLLL yyyy, HH:mm')} to ${local(window.end, 'cccc HH:mm')} (${window.timeZone}), ` +
      `${hours} simulated hours at ${args.speed}x: about ${realMin < 1.5 ? `${Math.round(realMin * 60)} seconds` : `${Math.round(realMin)} minutes`}.`,
    `  ${depot.name}: ${depot.evses.length} chargers of ${depot.evses[0]!.maxKw} kW behind a ${depot.gridLimitKw} kW grid connection; ` +
      `${day.visits.length} real sessions of ${day.vans.length} vans (Trondheim, Oct 2019, shifted onto Oct 2025)` +
      (day.turnedAway.length ? `, ${day.turnedAway.length} more turned away while every charger was taken.` : '.'),
    `  ${home.name}: one ${home.evses[0]!.maxKw} kW wallbox; the family car comes home ${local(home.arriveAt, 'ccc HH:mm')} and leaves ${local(home.departAt, 'ccc HH:mm')}.`,
    '  Prices: DK1 day-ahead, 15-minute (ENTSO-E), each next day published at 13:00.',
    '',
    `Open ${demo.urls.login} and log in as`,
    ...demo.users.map((u) => `  ${u.username.padEnd(width)}  ${u.password}   ${u.role}: ${demo.urls.base}${u.page}`),
    'Ctrl-C stops the demo.',
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof DemoUsageError)) throw e;
    process.stderr.write(`${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out('Starting the product and 21 simulated chargers...');
  const demo = await startDemo({ env: process.env, hours: args.hours, ...(args.start !== undefined ? { start: args.start } : {}) });
  out(banner(demo, args));
  const { world, window } = demo;
  // Issue 17: an admin updates one charger's firmware; its timeline prints here and shows on its station page.
  const firmware = await startDemoFirmware(world.running, { stationId: demo.depot.evses.at(-1)!.stationId, baseUrl: demo.urls.base, timeZone: window.timeZone, now: () => demo.clock.now(), out });
  out(`Firmware: ${firmware.stationId} is updated to ${DEMO_FIRMWARE_VERSION}; its station page (as admin) shows the timeline: ${firmware.pageUrl}\n`);
  const monitor = new DemoMonitor(world, demo.sites, window);
  let nextReport = window.start + HOUR;
  const pacer = new Pacer({
    step: (stepMs, until) => world.step(stepMs, until),
    simNow: () => demo.clock.now(),
    real: systemClock,
    speed: args.speed,
    stepMs: args.stepSeconds * 1000,
    until: window.end,
    onStep: async (now) => {
      monitor.observe();
      if (now < nextReport && now < window.end) return;
      while (nextReport <= now) nextReport += HOUR;
      out(await monitor.line(now));
    },
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    pacer.stop();
    void demo.stop().then(
      () => { process.stderr.write(`stopped on ${signal}\n`); process.exit(0); },
      (err: unknown) => { process.stderr.write(`stopping failed: ${String(err)}\n`); process.exit(1); },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  const result = await pacer.run();
  // Stopped by a signal: its handler closes everything and exits.
  if (!result.finished) return -1;
  out('');
  const behind = result.stalls === 0 ? '' : `; it fell behind real time ${result.stalls === 1 ? 'once' : `${result.stalls} times`}`;
  out(`The day is over after ${(result.realMs / 1000).toFixed(0)} s${behind}.`);
  for (const line of await monitor.summary()) out(`  ${line}`);
  out(`Still serving ${demo.urls.fleet} and ${demo.urls.home} with the final state; Ctrl-C stops.`);
  // The HTTP and OCPP servers keep the process alive until a signal ends it.
  return -1;
}

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().then(
    (code) => { if (code >= 0) process.exit(code); },
    (err: unknown) => {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE') process.stderr.write(`${e.message}: another program uses the port; set CHARGEPLAN_HTTP_PORT or CHARGEPLAN_OCPP_PORT\n`);
      else process.stderr.write(`${e.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
