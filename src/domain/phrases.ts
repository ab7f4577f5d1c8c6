/**
 * A sentence for people as a stable message id and its values (issue 18, languages). The server keeps writing its
 * English text (the API, the logs and older clients read it) and stores this beside it; the pages say the id in
 * their language from their catalogs (src/http/pages/assets/i18n/<lang>.json, key `server.<id>`) and fall back to
 * the English text for an id their catalog lacks. Ids never change meaning: a new wording is a new id.
 *
 * Parameter names say how a page shows the value, so that no page needs to know each message:
 * - `...Kwh`, `...Kw`: a number of kWh or kW, shown with its unit in the page's locale;
 * - `...At`: an instant (UTC ISO-8601), shown in the site's time zone (time, with the weekday when not today);
 * - `...Price`: an amount per kWh in the plan's currency; `cost` with `currency`: an amount of money;
 * - `triggers`: what made a plan (comma-separated trigger names), each said in words;
 * - `count` and other plain numbers: numbers, for ICU plurals; anything else: a string shown as it is (ids).
 */
export interface Phrase {
  id: string;
  params: Record<string, string | number>;
}

export const phrase = (id: string, params: Record<string, string | number> = {}): Phrase => ({ id, params });

/** One decimal, as the English text shows it (a page formats the number itself). */
export const tenth = (x: number): number => Math.round(x * 10) / 10;
