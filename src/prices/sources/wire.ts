import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseFailed } from '../errors.js';

/**
 * Checks a wire payload against the source's TypeBox schema of the fields we read (extra fields are ignored, so a
 * feed adding a field does not break us) and names the first offending path when it does not fit.
 */
export function checkWire<T extends TSchema>(schema: T, value: unknown, source: string): Static<T> {
  if (Value.Check(schema, value)) return value;
  const first = Value.Errors(schema, value).First();
  throw parseFailed(source, `unexpected payload at ${first?.path || '/'}: ${first?.message ?? 'invalid'}`);
}
