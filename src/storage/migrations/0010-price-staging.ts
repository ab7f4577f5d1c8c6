import type { Migration } from './migration.js';

/**
 * Price publications are staged, then switched live (issue 20, finding 6: a year of quarter-hours was written as one
 * transaction of ~35,000 rows and their indexes, and everybody else, stations included, waited for it). The rows of a
 * new publication are written in short transactions under a publication nobody reads yet; one small transaction then
 * makes it live. Readers see the whole old publication or the whole new one (src/storage/price-staging.ts).
 *
 * - price_publications.state: 'staged' while its rows are being written (readers ignore the publication and its
 *   rows), 'live' once switched (every row before this migration), 'discarded' when its staging failed or was
 *   abandoned (its rows are removed; the row stays, so that its id is never given to another publication).
 * - price_intervals.staged_by: set on the clipped remains of an older row that a staged publication writes (they
 *   belong to the older publication, but exist only once the staging one is live); cleared once it is.
 * - price_intervals.retired_by: the staged publication that supersedes this row once it is live; moved to
 *   superseded_by once it is (until then the row is current to everybody).
 * Both are transient, so their partial indexes hold only the rows of publications being staged or just switched.
 */
export const m0010PriceStaging: Migration = {
  version: 10,
  name: 'price-staging',
  sqlite: `
ALTER TABLE price_publications ADD COLUMN state TEXT NOT NULL DEFAULT 'live' CHECK (state IN ('staged', 'live', 'discarded'));
ALTER TABLE price_intervals ADD COLUMN staged_by INTEGER REFERENCES price_publications(id);
ALTER TABLE price_intervals ADD COLUMN retired_by INTEGER REFERENCES price_publications(id);
CREATE INDEX price_publications_staged ON price_publications (zone) WHERE state = 'staged';
CREATE INDEX price_intervals_staged ON price_intervals (zone, staged_by) WHERE staged_by IS NOT NULL;
CREATE INDEX price_intervals_retired ON price_intervals (zone, retired_by) WHERE retired_by IS NOT NULL;
`,
  postgres: `
ALTER TABLE price_publications ADD COLUMN state TEXT COLLATE "C" NOT NULL DEFAULT 'live' CHECK (state IN ('staged', 'live', 'discarded'));
ALTER TABLE price_intervals ADD COLUMN staged_by BIGINT REFERENCES price_publications(id);
ALTER TABLE price_intervals ADD COLUMN retired_by BIGINT REFERENCES price_publications(id);
CREATE INDEX price_publications_staged ON price_publications (zone) WHERE state = 'staged';
CREATE INDEX price_intervals_staged ON price_intervals (zone, staged_by) WHERE staged_by IS NOT NULL;
CREATE INDEX price_intervals_retired ON price_intervals (zone, retired_by) WHERE retired_by IS NOT NULL;
`,
};
