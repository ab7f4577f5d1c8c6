/**
 * Where the login page may send a person afterwards (issue 20, finding 5: `/login?next=%2F%09%2Fevil.example`
 * went to evil.example, because browsers drop TAB, CR and LF from a URL and read `\` as `/`, so a path that looks
 * relative becomes `//host`). The one rule, applied on the server: `next` must be one of our own pages, as a plain
 * same-origin path with an optional query; anything else is "/" (which picks the person's page by role). The login
 * page's script gets the checked value from the server (views.ts, `data-next`) and never reads the URL itself.
 */
const PAGES: ReadonlySet<string> = new Set(['/', '/home', '/fleet']);
/** Printable ASCII only, no backslash: no control characters or lookalikes a browser would strip or reinterpret. */
const PLAIN = /^\/[!#-[\]-~]*$/;
const MAX_LENGTH = 1024;
const BASE = 'http://chargeplan.invalid';

export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || next.length > MAX_LENGTH || !PLAIN.test(next) || next.startsWith('//')) return '/';
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return '/';
  }
  // The exact path, not a normalised one: "/home/..//x" or "/%2F%2Fx" are not ours even if a parser tidies them.
  const path = next.split('?', 1)[0]!;
  if (url.origin !== BASE || url.pathname !== path || !PAGES.has(path)) return '/';
  return `${path}${url.search}`;
}
