/** Every test file: close and drop the databases it opened (test/helpers/test-database.ts). */
import { afterAll } from 'vitest';
import { dropTestDatabases } from '../helpers/test-database.js';

afterAll(async () => {
  await dropTestDatabases();
});
