import { createHash } from 'node:crypto';

/**
 * A short content version of a JSON value (16 hex digits of the SHA-256 of its JSON text): equal values built with
 * their keys in the same order hash equal. Used as an ETag, to tell an edit based on an older read (issue 16).
 */
export function contentVersion(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value) ?? 'undefined').digest('hex').slice(0, 16);
}
