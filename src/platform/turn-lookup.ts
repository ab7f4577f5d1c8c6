import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Membership questions asked during one turn of the event loop, answered by one lookup for all of them in the next
 * turn. For a question asked at every event of a kind (a BootNotification) whose answer is almost always no: one
 * query per turn for every key asked in it (a reconnect storm asks for hundreds at once), not one per key. The answer
 * is read after the question was asked, never before, so it is as fresh as a query per key would have been.
 * A lookup that fails rejects every question of its keys.
 */
export class TurnBatchedLookup<K> {
  private batch: Map<K, { resolve: (found: boolean) => void; reject: (err: unknown) => void }[]> | null = null;

  /**
   * `lookup` answers which of the keys (distinct, at most `maxKeys`) are members; `yieldTurn` resolves in the event
   * loop's next turn (setImmediate, after pending I/O).
   */
  constructor(
    private readonly lookup: (keys: K[]) => Promise<ReadonlySet<K>>,
    private readonly maxKeys = 500,
    private readonly yieldTurn: () => Promise<unknown> = () => nextTurn(),
  ) {}

  has(key: K): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let batch = this.batch;
      if (batch === null) {
        batch = new Map();
        this.batch = batch;
        void this.answer(batch);
      }
      const waiting = batch.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else batch.set(key, [{ resolve, reject }]);
    });
  }

  private async answer(batch: NonNullable<typeof this.batch>): Promise<void> {
    await this.yieldTurn();
    // Questions asked from now on wait for the next lookup.
    this.batch = null;
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += this.maxKeys) {
      const chunk = keys.slice(i, i + this.maxKeys);
      try {
        const found = await this.lookup(chunk);
        for (const k of chunk) for (const w of batch.get(k)!) w.resolve(found.has(k));
      } catch (err) {
        for (const k of chunk) for (const w of batch.get(k)!) w.reject(err);
      }
    }
  }
}
