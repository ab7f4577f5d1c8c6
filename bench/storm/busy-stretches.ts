/**
 * The longest busy stretches of an event loop, read from a V8 CPU profile (bench/storm.bench.ts `--profile`): a
 * stretch is a run of consecutive samples that are not "(idle)", i.e. time in which the loop never waited for I/O, so
 * a station's message that arrived meanwhile waited for all of it. For each stretch: its span, its samples (at a
 * 100 us interval, the CPU the loop spent, roughly, when the machine is not starved) and what it was made of (the
 * product's and ws' functions on the stack, by inclusive share). Runs on its own too:
 * `npx tsx bench/storm/busy-stretches.ts file.cpuprofile [top]`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
export interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface Stretch {
  /** Start, in ms from `fromUs`. */
  atMs: number;
  spanMs: number;
  samples: number;
  /** Frames of the product (src/) and of ws on the stack, with the share of the stretch's samples that held each. */
  top: { frame: string; share: number }[];
}

const IDLE = '(idle)';

function frameName(n: ProfileNode): string | null {
  const { functionName, url } = n.callFrame;
  const m = /\/(src\/.*|node_modules\/(?:ws|better-sqlite3|kysely)\/.*)$/.exec(url);
  if (!m) return null;
  const file = m[1]!.replace(/^node_modules\//, '').replace(/^src\//, '');
  // Line numbers are left out: under tsx they are the transpiled file's.
  return `${functionName || '(anonymous)'} ${file}`;
}

/** The `top` longest busy stretches of the profile that start at or after `fromUs` (the profile's own clock). */
export function busyStretches(profile: CpuProfile, top = 5, fromUs = 0): Stretch[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackCache = new Map<number, string[]>();
  const stack = (id: number): string[] => {
    let s = stackCache.get(id);
    if (s) return s;
    const names = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = frameName(byId.get(at)!);
      if (name) names.add(name);
    }
    s = [...names];
    stackCache.set(id, s);
    return s;
  };
  const runs: { start: number; end: number; first: number; last: number }[] = [];
  let t = profile.startTime;
  let open: { start: number; end: number; first: number; last: number } | null = null;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    const idle = byId.get(profile.samples[i]!)!.callFrame.functionName === IDLE;
    if (t < fromUs || idle) {
      if (open) runs.push(open);
      open = null;
      continue;
    }
    if (open) {
      open.end = t;
      open.last = i;
    } else open = { start: t, end: t, first: i, last: i };
  }
  if (open) runs.push(open);
  runs.sort((a, b) => b.end - b.start - (a.end - a.start));
  return runs.slice(0, top).map((r) => {
    const counts = new Map<string, number>();
    for (let i = r.first; i <= r.last; i++) for (const f of stack(profile.samples[i]!)) counts.set(f, (counts.get(f) ?? 0) + 1);
    const samples = r.last - r.first + 1;
    return {
      atMs: (r.start - fromUs) / 1000,
      spanMs: (r.end - r.start) / 1000,
      samples,
      top: [...counts].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([frame, n]) => ({ frame, share: n / samples })),
    };
  });
}

/**
 * What the samples between two instants (profile clock, us) were made of: how the loop entered JavaScript (the
 * outermost frame: a timer, an immediate, a socket's data, a connection, the microtask queue...) and the product's
 * and ws' frames on the stack, each with its share of the window's samples.
 */
export function breakdown(profile: CpuProfile, fromUs: number, toUs: number): { samples: number; entries: { frame: string; share: number }[]; top: { frame: string; share: number }[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const entryOf = (id: number): string => {
    let at = id;
    for (let up = parent.get(at); up !== undefined && parent.get(up) !== undefined; up = parent.get(at)) at = up;
    const f = byId.get(at)!.callFrame;
    return `${f.functionName || '(anonymous)'}${f.url ? ` ${f.url.replace(/^.*\/(node_modules\/|src\/)?/, '')}` : ''}`;
  };
  const entries = new Map<string, number>();
  const frames = new Map<string, number>();
  let t = profile.startTime;
  let n = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    if (t < fromUs || t > toUs) continue;
    const id = profile.samples[i]!;
    n++;
    const e = entryOf(id);
    entries.set(e, (entries.get(e) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = frameName(byId.get(at)!);
      if (name && !seen.has(name)) {
        seen.add(name);
        frames.set(name, (frames.get(name) ?? 0) + 1);
      }
    }
  }
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([frame, c]) => ({ frame, share: c / Math.max(1, n) }));
  return { samples: n, entries: top(entries, 8), top: top(frames, 14) };
}

export function formatStretches(stretches: Stretch[]): string {
  return stretches.map((s, i) => [
    `  #${i + 1}: ${s.spanMs.toFixed(1)} ms busy at +${(s.atMs / 1000).toFixed(2)} s (${s.samples} samples)`,
    ...s.top.map((f) => `      ${(f.share * 100).toFixed(0).padStart(3)} %  ${f.frame}`),
  ].join('\n')).join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CpuProfile;
  process.stdout.write(`${formatStretches(busyStretches(profile, Number(process.argv[3] ?? 5)))}\n`);
}
