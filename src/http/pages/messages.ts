import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IntlMessageFormat } from 'intl-messageformat';
import { LANGUAGES, type Language, type PageLocale } from './locale.js';

/**
 * The pages' words (issue 18, languages): one catalog per language, assets/i18n/<language>.json, key -> ICU
 * MessageFormat message ("{count, plural, one {# car} other {# cars}}"), formatted by FormatJS's intl-messageformat.
 * The same files are served to the browser (assets/i18n.js formats with the same library), so the server-rendered
 * shell and the scripts that fill it use one catalog. Every sentence with a value in it is one message with
 * placeholders, so that a translator can move the value: nothing is joined from pieces.
 * test/http/pages/i18n.test.ts checks that every catalog has English's keys, that every message parses, and that
 * its placeholders are English's.
 */
export const CATALOG_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets', 'i18n');

export type Catalog = Readonly<Record<string, string>>;

const catalogs = new Map<Language, Catalog>();

export function catalog(language: Language): Catalog {
  let c = catalogs.get(language);
  if (!c) {
    c = JSON.parse(readFileSync(join(CATALOG_DIR, `${language}.json`), 'utf8')) as Catalog;
    catalogs.set(language, c);
  }
  return c;
}

/** Values for placeholders; a function fills a tag (`<code>npm start</code>`) with HTML the code writes. */
export type Values = Record<string, string | number | Date | ((chunks: string[]) => string)>;
export type Translate = (key: string, values?: Values) => string;

/** Compiled messages by tag and key; tags come from Accept-Language, so the map is emptied past a bound. */
const compiled = new Map<string, IntlMessageFormat>();
const MAX_COMPILED = 10_000;

/** The translator for a page: t('login.title'), t('home.siteAt', { site }). An unknown key is a programming error. */
export function translator(locale: Pick<PageLocale, 'language' | 'tag'>): Translate {
  const messages = catalog(locale.language);
  return (key, values) => {
    const id = `${locale.tag}|${key}`;
    let m = compiled.get(id);
    if (!m) {
      const source = messages[key] ?? catalog('en')[key];
      if (source === undefined) throw new Error(`i18n: no message "${key}"`);
      m = new IntlMessageFormat(source, locale.tag);
      if (compiled.size >= MAX_COMPILED) compiled.clear();
      compiled.set(id, m);
    }
    const out = m.format<string>(values);
    return Array.isArray(out) ? out.join('') : String(out);
  };
}

/** English, for pages rendered without a request's locale (the admin pages this stop leaves in English). */
export const ENGLISH: PageLocale = { language: 'en', tag: 'en-GB', here: '/' };

export { LANGUAGES };
