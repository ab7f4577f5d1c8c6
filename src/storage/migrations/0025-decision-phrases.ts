import type { Migration } from './migration.js';

/**
 * A decision's words as a message id and values (issue 18, languages; domain/phrases.ts), beside its English
 * message: the fleet page says the decision log in its reader's language. NULL for decisions written before, which
 * the page shows in their English words.
 */
export const m0025DecisionPhrases: Migration = {
  version: 25,
  name: 'decision-phrases',
  sqlite: `
ALTER TABLE decisions ADD COLUMN phrase_json TEXT;
`,
  postgres: `
ALTER TABLE decisions ADD COLUMN phrase_json TEXT COLLATE "C";
`,
};
