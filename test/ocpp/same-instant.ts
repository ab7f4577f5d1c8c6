import { expect } from 'vitest';

/**
 * Matches the instant `iso` in whichever text the database gives it back: SQLite keeps the text the station sent
 * ("...T01:00:00Z"), PostgreSQL's timestamptz comes back as UTC with milliseconds ("...T01:00:00.000Z").
 */
export const instant = (iso: string): unknown =>
  expect.toSatisfy((v: unknown) => typeof v === 'string' && Date.parse(v) === Date.parse(iso), `the instant ${iso}`);
