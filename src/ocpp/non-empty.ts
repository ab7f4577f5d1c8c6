/** The generated types model `minItems: 1` as a non-empty tuple; this checks and narrows a list to it. */
export function nonEmpty<T>(items: T[], what = 'list'): [T, ...T[]] {
  if (items.length === 0) throw new Error(`${what} must not be empty`);
  return items as [T, ...T[]];
}
