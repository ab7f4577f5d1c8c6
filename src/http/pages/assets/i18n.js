// The pages' words in the page's language (issue 18, languages). The server negotiated the language (the switcher's
// cookie, else Accept-Language) and wrote it into <html lang> (a full tag: da-DK, en-GB); this module loads that
// language's catalog (/assets/i18n/<language>.json, the file the server renders the shell from) and formats its ICU
// messages with FormatJS's intl-messageformat (served from node_modules by pages/index.ts as one ES module file).
// Numbers, dates and currency in messages and in format.js use the same tag.
import { IntlMessageFormat } from './vendor/intl-messageformat.iife.js';

const TAGS = /^(en|da|sv|de|pt)(-[A-Za-z0-9]{2,8}){0,3}$/;
const declared = document.documentElement.lang;
/** The BCP 47 tag everything on the page is formatted in. */
export const locale = TAGS.test(declared) ? declared : 'en-GB';
/** The catalog's language: en, da, sv, de or pt. */
export const language = locale.slice(0, 2);

async function load(lang) {
  const res = await fetch(`/assets/i18n/${lang}.json`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`The page's words (${lang}) could not be loaded: ${res.status}`);
  return res.json();
}

const messages = await load(language);
const compiled = new Map();

/** Whether the catalog has this key (for words chosen by a value the server sends, such as a charger status). */
export const has = (key) => Object.hasOwn(messages, key);

/** t('home.title') or t('home.siteAt', { site: 'Hansen home' }): the message in the page's language. */
export function t(key, values) {
  let m = compiled.get(key);
  if (!m) {
    const source = messages[key];
    // A missing key shows itself rather than breaking the page (the catalog test keeps this from happening).
    if (source === undefined) return key;
    m = new IntlMessageFormat(source, locale);
    compiled.set(key, m);
  }
  return String(m.format(values));
}

/**
 * A message with elements in it, as a list of strings and nodes for el()/append: tags in the message
 * ("on <link>the setup page</link>") are filled by the functions given (chunks => node), so a translator can move
 * the link within the sentence. Plain values as in t().
 */
export function parts(key, values) {
  const source = messages[key];
  if (source === undefined) return [key];
  const out = new IntlMessageFormat(source, locale).format(values);
  return Array.isArray(out) ? out.flat() : [out];
}
