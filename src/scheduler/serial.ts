/**
 * Async work run one at a time per key, in call order. A read-then-write the scheduler does on shared state (a
 * charger's compliance: read, compare, store; a boost: still the one planned?, then clear) was one synchronous step
 * before the stores became asynchronous (issue 15); queued per key it is one step again within this process, which is
 * the one that plans the site.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    // The next in line waits for this one to settle either way; a failure is its caller's to handle.
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
