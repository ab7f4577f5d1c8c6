/** The planning horizon cut into slots (built in problem.ts; read by the limits, demand and charging-mode steps). */
export interface SlotGrid {
  /** slot i is [starts[i], starts[i+1]); the last ends at endMs. */
  starts: number[];
  endMs: number;
  slotMs: number;
  /** The fraction of slot 0 that remains (0, 1]. */
  firstFraction: number;
  /** Each slot's length as a fraction of slotMs (0, 1]: below 1 for slot 0 and for the parts of a cut slot. */
  fractions: number[];
}
