/**
 * Bulk targets' data limits (issue 20, finding 6; listed in docs/security.md, "Data limits"): a 200,000-row upload
 * held /health for 8.1 s.
 */

/** Rows per upload: a depot of 5,000 vans, each with a one-off and a weekly target. */
export const BULK_ROWS_MAX = 10_000;
/** Request body limit: 10,000 rows as indented JSON are under 3 MiB (as CSV about 1 MiB). */
export const BULK_BODY_LIMIT_BYTES = 3 * 1024 * 1024;
/** Rows checked between two turns of the event loop. */
export const BULK_CHUNK_ROWS = 250;
/** Issues listed in one 422 answer (the message counts them all). */
export const BULK_ISSUES_LISTED_MAX = 1_000;
