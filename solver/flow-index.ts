// The (node, slot) -> vehicles index of the flow (FlowState.atOff / atVeh: CSR, vehicles ascending within a list)
// patched after a warm change instead of rebuilt (flow-warm.ts reindex). A rebuild walks every vehicle's window and
// allocates both arrays (O(vehicles x slots), ~0.5 ms and 160 kB of garbage per arrival at 1,000 x 96); a patch
// copies the lists no moved vehicle touches and merges the others, into buffers it keeps and alternates. The
// result is the array a rebuild would give, entry for entry (the search's picks depend on the order).
import type { Instance } from "./instance.js";

export class IndexPatch {
  /** Each vehicle's node and window as the index holds them. */
  private readonly node: Int32Array;
  private readonly from: Int32Array;
  private readonly to: Int32Array;
  private readonly cnt: Int32Array;
  private readonly hit: Uint8Array;
  private readonly moving: Uint8Array;
  private readonly moved: number[] = [];
  private spareOff: Int32Array;
  private spareVeh: Int32Array = new Int32Array(0);

  constructor(private readonly inst: Instance) {
    this.node = inst.node.slice();
    this.from = inst.from.slice();
    this.to = inst.to.slice();
    const S = inst.nNodes * inst.T;
    this.cnt = new Int32Array(S);
    this.hit = new Uint8Array(S);
    this.moving = new Uint8Array(inst.V);
    this.spareOff = new Int32Array(S + 1);
  }

  /** The index after the vehicles whose node or window moved since the last call; undefined if none did. */
  patch(off: Int32Array, veh: Int32Array): [Int32Array, Int32Array] | undefined {
    const { inst, node, from, to, cnt, hit, moving, moved } = this;
    const { T, V } = inst;
    const S = inst.nNodes * T;
    moved.length = 0;
    for (let v = 0; v < V; v++) if (inst.node[v] !== node[v] || inst.from[v] !== from[v] || inst.to[v] !== to[v]) moved.push(v);
    if (moved.length === 0) return undefined;
    for (let s = 0; s < S; s++) cnt[s] = off[s + 1]! - off[s]!;
    hit.fill(0);
    for (const v of moved) {
      moving[v] = 1;
      for (let t = from[v]!; t < to[v]!; t++) if (!this.isIn(v, node[v]!, t)) (cnt[node[v]! * T + t]!--, (hit[node[v]! * T + t] = 1));
      for (let t = inst.from[v]!; t < inst.to[v]!; t++) if (!this.wasIn(v, inst.node[v]!, t)) (cnt[inst.node[v]! * T + t]!++, (hit[inst.node[v]! * T + t] = 1));
    }
    const out = this.spareOff.length === S + 1 ? this.spareOff : new Int32Array(S + 1);
    out[0] = 0;
    for (let s = 0; s < S; s++) out[s + 1] = out[s]! + cnt[s]!;
    let dst = this.spareVeh;
    if (dst.length < out[S]!) dst = new Int32Array(out[S]! + (out[S]! >>> 3) + 16);
    for (let s = 0; s < S; s++) {
      const a = off[s]!;
      const b = off[s + 1]!;
      let o = out[s]!;
      if (!hit[s]) {
        if (b > a) dst.set(veh.subarray(a, b), o);
        continue;
      }
      const n = (s / T) | 0;
      const t = s - n * T;
      // Merge: the kept entries (ascending) with the moved vehicles that join this list (ascending).
      let j = 0;
      const nextIn = (): number => {
        for (; j < moved.length; j++) {
          const v = moved[j]!;
          if (this.isIn(v, n, t) && !this.wasIn(v, n, t)) return v;
        }
        return -1;
      };
      let ins = nextIn();
      for (let i = a; i < b; i++) {
        const w = veh[i]!;
        if (moving[w] && !this.isIn(w, n, t)) continue;
        while (ins >= 0 && ins < w) (dst[o++] = ins), j++, (ins = nextIn());
        dst[o++] = w;
      }
      while (ins >= 0) (dst[o++] = ins), j++, (ins = nextIn());
    }
    for (const v of moved) (moving[v] = 0), (node[v] = inst.node[v]!), (from[v] = inst.from[v]!), (to[v] = inst.to[v]!);
    this.spareOff = off;
    this.spareVeh = veh;
    return [out, dst];
  }

  /** Whether the index holds vehicle v in the list of (n, t). */
  private wasIn(v: number, n: number, t: number): boolean {
    return this.node[v] === n && this.from[v]! <= t && t < this.to[v]!;
  }

  /** Whether v belongs in the list of (n, t) now. */
  private isIn(v: number, n: number, t: number): boolean {
    return this.inst.node[v] === n && this.inst.from[v]! <= t && t < this.inst.to[v]!;
  }
}
