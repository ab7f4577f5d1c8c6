import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Which language a page is in (issue 18, languages): English, Danish, Swedish, German or Portuguese, the markets
 * whose prices we read and the languages the first users wrote in. The person's choice from the switcher in the
 * page header (a cookie) wins; otherwise the browser's Accept-Language, negotiated against the five; otherwise
 * English. The page's `<html lang>` carries the full tag (da-DK, en-GB), which the browser scripts read to pick
 * the catalog (assets/i18n/<language>.json) and to format numbers, dates and currency with Intl in that locale.
 */
export const LANGUAGES = ['en', 'da', 'sv', 'de', 'pt'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language in its own words, for the switcher. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', da: 'Dansk', sv: 'Svenska', de: 'Deutsch', pt: 'Português' };

/** The region a bare language formats in when the browser names none: our markets (English as written in Europe). */
const DEFAULT_TAG: Readonly<Record<Language, string>> = { en: 'en-GB', da: 'da-DK', sv: 'sv-SE', de: 'de-DE', pt: 'pt-PT' };

export const LANGUAGE_COOKIE = 'cp_lang';
/** At most this many Accept-Language entries are read (a header is a list without bound). */
const MAX_RANGES = 20;

export interface PageLocale {
  language: Language;
  /** BCP 47 tag for `<html lang>` and Intl: the browser's own region when it asked for this language, else ours. */
  tag: string;
  /** The page's own path and query, where the switcher comes back to. */
  here: string;
}

const isLanguage = (v: unknown): v is Language => typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);

/** A tag we pass on to Intl and HTML: letters, digits and hyphens, short; anything else is not used. */
const TAG = /^[a-z]{2,3}(?:-[a-z0-9]{2,8}){0,3}$/i;

interface Range {
  tag: string;
  q: number;
  order: number;
}

/** Accept-Language as RFC 9110 says: comma-separated ranges with optional `;q=`, highest q first, ties in order. */
export function parseAcceptLanguage(header: string | undefined): Range[] {
  if (!header) return [];
  const ranges: Range[] = [];
  for (const [order, part] of header.split(',').slice(0, MAX_RANGES).entries()) {
    const [rawTag, ...params] = part.trim().split(';');
    const tag = (rawTag ?? '').trim();
    if (!tag) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (q > 0 && (tag === '*' || TAG.test(tag))) ranges.push({ tag, q, order });
  }
  return ranges.sort((a, b) => b.q - a.q || a.order - b.order);
}

/** The tag to format in for `language`: the browser's most wanted tag of that language that names a region, else ours. */
function tagFor(language: Language, ranges: Range[]): string {
  const own = ranges.find((r) => r.tag.toLowerCase().startsWith(`${language}-`));
  if (!own) return DEFAULT_TAG[language];
  const [lang, ...rest] = own.tag.split('-');
  return [lang!.toLowerCase(), ...rest.map((s) => (s.length === 2 ? s.toUpperCase() : s))].join('-');
}

/**
 * The language for a browser's Accept-Language and an optional choice (the cookie): the choice if it is one of
 * ours; else the first range (by q) whose primary language we have ("da-DK" and "da" both pick Danish; "*" picks
 * English); else English.
 */
export function negotiate(acceptLanguage: string | undefined, chosen?: string): { language: Language; tag: string } {
  const ranges = parseAcceptLanguage(acceptLanguage);
  if (isLanguage(chosen)) return { language: chosen, tag: tagFor(chosen, ranges) };
  for (const r of ranges) {
    const primary = r.tag === '*' ? 'en' : r.tag.split('-')[0]!.toLowerCase();
    if (isLanguage(primary)) return { language: primary, tag: tagFor(primary, ranges) };
  }
  return { language: 'en', tag: tagFor('en', ranges) };
}

/** The language cookie from the Cookie header (read here, not through @fastify/cookie: pages work without auth). */
export function chosenLanguage(cookieHeader: string | undefined): string | undefined {
  const m = new RegExp(`(?:^|;\\s*)${LANGUAGE_COOKIE}=([a-z]{2})(?:;|$)`).exec(cookieHeader ?? '');
  return m ? m[1] : undefined;
}

export function pageLocale(request: FastifyRequest): PageLocale {
  const { language, tag } = negotiate(request.headers['accept-language'], chosenLanguage(request.headers.cookie));
  return { language, tag, here: request.url };
}

/** Printable ASCII only, no backslash, one leading slash: a path on this server (the same rule as login's `next`). */
const PLAIN = /^\/[!#-[\]-~]*$/;

/** Where the switcher goes back to: a path on this server, else "/". */
export function samePath(next: unknown): string {
  if (typeof next !== 'string' || next.length > 1024 || !PLAIN.test(next) || next.startsWith('//')) return '/';
  const base = 'http://chargeplan.invalid';
  try {
    const url = new URL(next, base);
    return url.origin === base && url.pathname === next.split('?', 1)[0] ? next : '/';
  } catch {
    return '/';
  }
}

/** A year: the choice is a preference of this browser, not a secret (readable by scripts is fine; not sent cross-site). */
const COOKIE_MAX_AGE = 365 * 24 * 3600;

/**
 * GET /language?lang=da&next=/home: the switcher's links. Stores the choice in a cookie and goes back to the page.
 * A GET because it changes nothing but this browser's preference, so that the switcher is plain links.
 */
export const languageRoute: FastifyPluginAsync = async (app) => {
  app.get('/language', { schema: { hide: true } }, async (request: FastifyRequest<{ Querystring: { lang?: unknown; next?: unknown } }>, reply: FastifyReply) => {
    const { lang, next } = request.query;
    if (!isLanguage(lang)) {
      return reply.code(400).type('text/plain; charset=utf-8').send(`lang: must be one of ${LANGUAGES.join(', ')}`);
    }
    void reply.header('set-cookie', `${LANGUAGE_COOKIE}=${lang}; Path=/; Max-Age=${COOKIE_MAX_AGE}; SameSite=Lax`);
    return reply.header('cache-control', 'no-store').redirect(samePath(next));
  });
};
