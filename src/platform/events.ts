/**
 * A small typed event bus. Adapters publish what happened (a transaction started, charging needs arrived);
 * main.ts subscribes the scheduler. Tests await events instead of sleeping (convention 8).
 */
export type Listener<T> = (payload: T) => void;

export class TypedEvents<E extends { [K in keyof E]: unknown }> {
  private listeners = new Map<keyof E, Set<Listener<never>>>();

  on<K extends keyof E>(event: K, fn: Listener<E[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(fn as Listener<never>);
    return () => set.delete(fn as Listener<never>);
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) (fn as Listener<E[K]>)(payload);
  }

  /** Resolves with the next payload of `event` that satisfies `filter`. */
  once<K extends keyof E>(event: K, filter: (payload: E[K]) => boolean = () => true): Promise<E[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (payload) => {
        if (!filter(payload)) return;
        off();
        resolve(payload);
      });
    });
  }
}
