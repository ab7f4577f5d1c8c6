/**
 * Which part of a V8 CPU profile is the storage layer (issue 15, before-after.ts). A sample is storage when any frame
 * of its stack is in STORAGE_RULE's files; idle samples are dropped; a sample weighs the time to the next one. The
 * same rule is applied to both builds' profiles. `tsx bench/storage/attribution.ts file.cpuprofile [phase]` lists the
 * top storage frames (the outermost storage frame of each stack: the call into the layer, and the innermost: where
 * the time went) and the top non-storage leaf frames, to check the attribution by hand.
 */
import { readFileSync } from 'node:fs';

/** The storage layer: the project's src/storage/**, Kysely, better-sqlite3 and the PostgreSQL client. */
export const STORAGE_RULE = /\/src\/storage\/|\/node_modules\/(kysely|better-sqlite3|pg|pg-pool|pg-protocol)\//;
export const STORAGE_RULE_TEXT = 'a sample is storage when any frame of its stack has a URL matching ' +
  '`/src/storage/` or `/node_modules/{kysely,better-sqlite3,pg,pg-pool,pg-protocol}/`';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
export interface Profile { nodes: Node[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[]; marks?: Record<string, number> }

export interface Attribution {
  /** Main-thread time in samples that are not (idle), µs. */
  busyUs: number;
  storageUs: number;
  gcUs: number;
  /** µs by the outermost / innermost storage frame of the stack, and by the leaf frame of non-storage samples. */
  entry: Map<string, number>;
  inner: Map<string, number>;
  otherLeaf: Map<string, number>;
}

const label = (n: Node) => {
  const f = n.callFrame;
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(src|node_modules|bench)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
};

/** Attributes the samples taken in [from, to) (µs on the profile's clock; the whole profile by default). */
export function attribute(p: Profile, from = -Infinity, to = Infinity): Attribution {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const outer = new Map<number, string | null>();
  const innerOf = new Map<number, string | null>();
  const resolve = (id: number): void => {
    if (outer.has(id)) return;
    const n = byId.get(id)!;
    const up = parent.get(id);
    if (up !== undefined) resolve(up);
    const mine = STORAGE_RULE.test(n.callFrame.url) ? label(n) : null;
    outer.set(id, (up !== undefined ? outer.get(up) : null) ?? mine);
    innerOf.set(id, mine ?? (up !== undefined ? innerOf.get(up)! : null));
  };
  const a: Attribution = { busyUs: 0, storageUs: 0, gcUs: 0, entry: new Map(), inner: new Map(), otherLeaf: new Map() };
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us);
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    const us = i + 1 < p.samples.length ? p.timeDeltas[i + 1]! : p.endTime - t;
    if (t < from || t >= to || us <= 0) continue;
    const id = p.samples[i]!;
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    a.busyUs += us;
    if (n.callFrame.functionName === '(garbage collector)') a.gcUs += us;
    resolve(id);
    const e = outer.get(id);
    if (e) {
      a.storageUs += us;
      add(a.entry, e, us);
      add(a.inner, innerOf.get(id)!, us);
    } else add(a.otherLeaf, label(n), us);
  }
  return a;
}

export function readProfile(file: string): Profile {
  return JSON.parse(readFileSync(file, 'utf8')) as Profile;
}

/** The phase of a bench:ocpp profile: connect or load (its marks); a cycle profile is one phase. */
export function phase(p: Profile, name: 'connect' | 'load' | 'all'): [number, number] {
  const m = p.marks ?? {};
  if (name === 'connect' && m.connect !== undefined) return [m.connect, m.load!];
  if (name === 'load' && m.load !== undefined) return [m.load, m.end!];
  return [-Infinity, Infinity];
}

export function top(m: Map<string, number>, n: number, totalUs: number): string[] {
  return [...m].sort((x, y) => y[1] - x[1]).slice(0, n).map(([k, us]) => `  ${(100 * us / totalUs).toFixed(1).padStart(5)} %  ${k}`);
}

if (process.argv[1]?.endsWith('attribution.ts') && process.argv[2]) {
  const p = readProfile(process.argv[2]);
  const a = attribute(p, ...phase(p, (process.argv[3] ?? 'all') as 'all'));
  console.log(`${process.argv[2]}: busy ${(a.busyUs / 1000).toFixed(0)} ms, storage ${(100 * a.storageUs / a.busyUs).toFixed(1)} %, GC ${(100 * a.gcUs / a.busyUs).toFixed(1)} % of busy`);
  console.log(`${STORAGE_RULE_TEXT}.\nstorage, by the call into the layer (% of busy):`);
  console.log(top(a.entry, 15, a.busyUs).join('\n'));
  console.log('storage, by the innermost storage frame:');
  console.log(top(a.inner, 15, a.busyUs).join('\n'));
  console.log('not storage, by leaf frame:');
  console.log(top(a.otherLeaf, 25, a.busyUs).join('\n'));
}
