/** How many lookups run together when looking for the first match: few reads past it, few round trips before it. */
const BATCH = 32;

/**
 * The first defined answer of `find` over `items` in their order, asking `BATCH` items at a time (the reads of a
 * batch run together). Stops at the batch holding the first match, as a loop that returns early would: a site whose
 * first EVSE has a session costs one batch, not one read per EVSE.
 */
export async function firstInOrder<T, R>(items: readonly T[], find: (item: T) => Promise<R | undefined>): Promise<R | undefined> {
  for (let i = 0; i < items.length; i += BATCH) {
    const answers = await Promise.all(items.slice(i, i + BATCH).map(find));
    const hit = answers.find((a) => a !== undefined);
    if (hit !== undefined) return hit;
  }
  return undefined;
}
