/**
 * A version of stored data as the database holds it, whoever wrote it (issue 18): the fleet table and site plan keep
 * their serialized answers and compare this before serving one, so a vehicle renamed or a target set through another
 * cluster node, or by another process on the same SQLite file, is on the next answer. Equal strings mean nothing in
 * those tables changed; the string itself means nothing else.
 */
export interface StoredVersion {
  /** The version of the vehicles and their departure targets (rows added, changed or deleted). */
  vehicles(): Promise<string>;
}

/** A store that can say its StoredVersion (VehicleRepository). */
export interface StoredVersionSource {
  readonly stored: StoredVersion;
}
