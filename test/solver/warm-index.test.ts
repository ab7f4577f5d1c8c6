// The warm flow's (node, slot) -> vehicles index is patched after windows or circuits move (solver/flow-index.ts)
// instead of rebuilt: the patched lists must be the rebuilt ones entry for entry (the search's picks follow their
// order). Seeded random sequences of cars leaving, arriving in freed places and moving window or circuit.
import { describe, expect, it } from "vitest";
import { buildInstance } from "../../solver/instance.js";
import { WarmFlow } from "../../solver/flow-warm.js";
import { mulberry32 } from "./helpers/prng.js";
import { randomProblem } from "./helpers/random-problem.js";

/** The index a rebuild gives (FlowState.byNodeSlot, protected). */
function rebuilt(flow: WarmFlow): [Int32Array, Int32Array] {
  return (flow as unknown as { byNodeSlot(keep: (v: number) => boolean): [Int32Array, Int32Array] }).byNodeSlot(() => true);
}

describe("WarmFlow.reindex patches the index", () => {
  it("equals a rebuild after every step of random window and circuit moves", () => {
    for (const [seed, circuits] of [[31, 0], [32, 4], [33, 9]] as const) {
      const rnd = mulberry32(seed);
      const inst = buildInstance(randomProblem(seed, { vehicles: 60, slots: 24, siteFraction: 0.3, circuits }));
      const flow = new WarmFlow(inst);
      let checked = 0;
      flow.solveCold();
      for (let step = 0; step < 40; step++) {
        const moves = 1 + Math.floor(rnd() * 3);
        let put = false;
        for (let m = 0; m < moves; m++) {
          const v = Math.floor(rnd() * inst.V);
          flow.clearVehicle(v);
          if (rnd() < 0.2) continue; // left: its place stays empty until an arrival takes it
          const from = Math.floor(rnd() * inst.T);
          const to = Math.min(inst.T, from + Math.floor(rnd() * inst.T));
          const node = Math.floor(rnd() * inst.nNodes);
          flow.setVehicle(v, { id: `v${step}-${m}`, from, to, node, cls: 0, need: 5, capAt: () => 2 }, false);
          put = true;
        }
        expect(flow.reindex(), `seed ${seed} step ${step}`).toBe(true);
        // Cars that only left stay listed (no flags: never picked) until the next change of windows, as before.
        if (!put) continue;
        const [off, veh] = rebuilt(flow);
        expect(Array.from(flow.atOff), `seed ${seed} step ${step}: offsets`).toEqual(Array.from(off));
        expect(Array.from(flow.atVeh.subarray(0, off[off.length - 1]!)), `seed ${seed} step ${step}: lists`).toEqual(Array.from(veh));
        flow.reoptimize();
        checked++;
      }
      expect(checked, `seed ${seed}: steps compared`).toBeGreaterThan(25);
    }
  });
});
