/**
 * The push intake's data limits (issue 20, finding 6; listed in docs/security.md, "Data limits"). A publication is
 * checked and stored in time linear in its rows, in chunks between which the server serves others. The limits the
 * HTTP route needs too are domain vocabulary (src/domain/prices.ts).
 */
export { TARIFF_BODY_LIMIT_BYTES, TARIFF_ISSUES_LISTED_MAX, TARIFF_ROWS_MAX } from '../domain/prices.js';

/** Rows checked between two turns of the event loop: a chunk costs a few milliseconds. */
export const INTAKE_CHUNK_ROWS = 500;
