/**
 * The profiling hook of bench:ocpp and the cycle CPU probe (issue 15's storage attribution, before-after.ts): with
 * CHARGEPLAN_BENCH_CPU_PROFILE=dir, profile(name) starts V8's sampling profiler in this process (the inspector's
 * Profiler, so the forked load generator is not profiled) and the function it returns stops it and writes
 * dir/<name>.cpuprofile, with the marks it is given (µs on the profile's clock, process.hrtime's) as its field "marks".
 * Without the variable both are no-ops. Node built-ins only: before-after.ts copies this file
 * into the last synchronous build's worktree, so both builds are profiled by the same code.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const DIR = process.env.CHARGEPLAN_BENCH_CPU_PROFILE;
/** Sampling interval, µs (as --cpu-prof-interval's default). */
const INTERVAL_US = 1000;

function post(session: Session, method: string, params?: object): Promise<any> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
}

export async function profile(name: string): Promise<(marks?: Record<string, number>) => Promise<void>> {
  if (!DIR) return async () => {};
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: INTERVAL_US });
  await post(session, 'Profiler.start');
  return async (marks = {}) => {
    const { profile: p } = await post(session, 'Profiler.stop');
    session.disconnect();
    writeFileSync(join(DIR, `${name.replace(/[^\w-]/g, '')}.cpuprofile`), JSON.stringify({ ...p, marks }));
  };
}
