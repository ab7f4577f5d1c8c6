/**
 * Bounds for values that someone outside the process chose (a station's action name, a URL, an error text) before
 * they reach a log line: a station may send up to the frame limit in one string, and a 1 MB log line per frame
 * fills the disk and the log pipeline long before anything notices (issue 20, finding 10).
 */

/** Longest outside-controlled string written to a log line, in UTF-16 code units. */
export const LOG_STRING_MAX = 200;

/** The string itself when short enough; otherwise its head and its full length, e.g. `ABC… (1048576 chars)`. */
export function truncateForLog(text: string, max: number = LOG_STRING_MAX): string {
  if (text.length <= max) return text;
  // Never cut a surrogate pair in half: a lone surrogate is not valid UTF-8 in the log line.
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}… (${text.length} chars)`;
}

/**
 * Any value as a bounded, non-recursive description for a log line: strings truncated, numbers and booleans as
 * they are, objects and arrays only by kind and size. Nothing is walked, so no depth of nesting can recurse.
 */
export function describeForLog(value: unknown, max: number = LOG_STRING_MAX): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return truncateForLog(value, max);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return `(array of ${value.length})`;
  if (typeof value === 'object') return `(object with ${Object.keys(value).length} keys)`;
  return `(${typeof value})`;
}
