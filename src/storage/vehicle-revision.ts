/**
 * ChangeRevision: one counter for the vehicle, target and assignment stores, in this process (every repository
 * instance on any database shares it, so a write through the scheduler's instance is seen by the API's). It rises
 * before a write starts and again once it has ended, so a reader that built a view while the write ran sees a newer
 * number after. Other processes' and nodes' writes are StoredVersion's (vehicle-data-version.ts).
 */
let revisionCounter = 0;
export async function counted<T>(write: () => Promise<T>): Promise<T> {
  revisionCounter++;
  try {
    return await write();
  } finally {
    revisionCounter++;
  }
}
export const revision = (): number => revisionCounter;
