// The exchange pass's "slots dearer than tau" as a bit set over slots (flow-search.ts, 32 slots a word). The pass
// goes up the price order (flow.ts exchangePass), so after the first slot the set only loses tau itself: one bit,
// not a walk over every slot.
export class DearerSlots {
  /** Bit t of word t >>> 5: slot t is dearer than the current tau. */
  mask = new Int32Array(0);
  /** The price rank the mask was made for; -1: none (a new pass, or new scratch). */
  private rank = -1;

  /** New scratch of `words` words: the next set() builds the mask anew. */
  resize(words: number): void {
    this.mask = new Int32Array(words);
    this.rank = -1;
  }

  /** A new pass starts: prices may have moved since the last. */
  reset(): void {
    this.rank = -1;
  }

  /** The slots whose price rank is above tauRank (`rank` per slot, `order` the slots by rank). */
  set(tauRank: number, rank: ArrayLike<number>, order: ArrayLike<number>, T: number): void {
    if (this.rank >= 0 && this.rank === tauRank - 1) {
      const t = order[tauRank]!;
      this.mask[t >>> 5]! &= ~(1 << (t & 31));
    } else {
      this.mask.fill(0);
      for (let t = 0; t < T; t++) if (rank[t]! > tauRank) this.mask[t >>> 5]! |= 1 << (t & 31);
    }
    this.rank = tauRank;
  }
}
