import { createRequire } from 'node:module';
import { LANGUAGE_NAMES, LANGUAGES, type PageLocale } from './locale.js';
import { ENGLISH, translator, type Translate } from './messages.js';

/**
 * The pages' HTML shells. They hold no data and no inline script or style (the CSP forbids both): each loads
 * one ES module from /assets that fills it from the API. Every input has a label, every error an element next
 * to its field (`<id>-error`, linked with aria-describedby), and each form a status region that screen readers
 * announce. A table or list that may scroll sideways (or, the decision log, down) is a named region with
 * tabindex="0", so that a keyboard can scroll it too (issue 18; axe's scrollable-region-focusable).
 */

/** uPlot's version, in its URLs: a new version is a new address, so browsers may keep the files for a year. */
export const UPLOT_VERSION = (createRequire(import.meta.url)('uplot/package.json') as { version: string }).version;

export interface Shell {
  title: string;
  /** The module under /assets that runs the page. */
  script: string;
  /** uPlot's stylesheet for pages with charts. */
  charts?: boolean;
  /** A page's own stylesheets under /assets, after app.css. */
  styles?: string[];
  /** Show the signed-in person and the log-out button. */
  signedIn?: boolean;
  body: string;
  /**
   * The page's language (issue 18): `<html lang>`, the header's words and the language switcher. Pages rendered
   * without one (the admin pages, still in English) are English and show no switcher.
   */
  locale?: PageLocale;
}

const PRELOAD: Record<string, string[]> = {
  'home.js': ['api.js', 'format.js', 'phrases.js', 'old-notes.js', 'charts.js', 'live.js', 'home-state.js', 'home-words.js', 'home-status.js', 'home-target.js', 'home-weekly.js', 'home-modes.js', 'home-plan.js', 'home-history.js'],
  'fleet.js': ['api.js', 'format.js', 'phrases.js', 'charts.js', 'live.js', 'fleet-table.js', 'fleet-plan-table.js'],
  'login.js': ['api.js'],
  'session.js': ['api.js'],
};

/** Scripts in the pages' words (assets/i18n.js and the message library it imports), and their catalog. */
const I18N_PRELOAD = ['i18n.js', 'vendor/intl-messageformat.iife.js'];

/**
 * The language switcher: one link per language, each in its own language, to GET /language (locale.ts), which
 * stores the choice and comes back here. Plain links: no script, and a keyboard or screen reader uses them as is.
 */
function switcher(locale: PageLocale, t: Translate): string {
  const next = encodeURIComponent(locale.here);
  const links = LANGUAGES.map((l) => {
    const current = l === locale.language ? ' aria-current="true"' : '';
    // The visible code is for the eye; the language's own name is the link's accessible name (not an aria-label,
    // which would have to contain the visible text: axe's label-content-name-mismatch).
    return `<a href="/language?lang=${l}&amp;next=${next}" lang="${l}" hreflang="${l}" title="${LANGUAGE_NAMES[l]}"${current}><span aria-hidden="true">${l.toUpperCase()}</span><span class="visually-hidden">${LANGUAGE_NAMES[l]}</span></a>`;
  });
  return `<nav class="languages" aria-label="${attr(t('layout.language'))}">${links.join('')}</nav>`;
}

export function shell(s: Shell): string {
  const locale = s.locale ?? ENGLISH;
  const t = translator(locale);
  // modulepreload fetches the whole import graph at once instead of one round trip per import level (phones).
  const scripts = [...(PRELOAD[s.script] ?? []), ...(s.locale ? I18N_PRELOAD : [])];
  const preload = scripts.map((f) => `<link rel="modulepreload" href="/assets/${f}">`).join('\n');
  // The catalog the page's scripts fetch (assets/i18n.js), asked for at once rather than after the scripts ran.
  const catalog = s.locale ? `<link rel="preload" href="/assets/i18n/${locale.language}.json" as="fetch" type="application/json" crossorigin>` : '';
  // A page's own stylesheets: names the code gives, never input.
  const styles = (s.styles ?? []).map((f) => `<link rel="stylesheet" href="/assets/${f}">`).join('\n');
  return `<!doctype html>
<html lang="${attr(locale.tag)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${t('layout.title', { page: s.title })}</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
${styles}
${s.charts ? `<link rel="stylesheet" href="/assets/uplot/uPlot.min.css?v=${UPLOT_VERSION}">` : ''}
${preload}
${catalog}
${s.charts ? `<script defer src="/assets/uplot/uPlot.iife.min.js?v=${UPLOT_VERSION}"></script>` : ''}
<script type="module" src="/assets/${s.script}"></script>
</head>
<body>
<a class="skip" href="#main">${t('layout.skip')}</a>
<header class="top">
<a class="brand" href="/"><img src="/assets/icon.svg" alt="" width="24" height="24"> chargeplan</a>
${s.locale ? switcher(s.locale, t) : ''}
${s.signedIn ? `<span id="who" class="who"></span><a href="/account" class="account-link">${t('layout.myPassword')}</a><button id="logout" type="button" class="link">${t('layout.logout')}</button>` : ''}
</header>
<main id="main" tabindex="-1">
${s.body}
</main>
</body>
</html>
`;
}

/** The few characters that matter inside a double-quoted attribute. */
export const attr = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `next`: where to go after logging in, already checked by safeNextPath (src/http/auth/next-path.ts). */
export function loginPage(next = '/', locale: PageLocale = ENGLISH): string {
  const t = translator(locale);
  return shell({
    // The switcher comes back to the login with the checked destination, never the raw parameter (security finding 5).
    locale: { ...locale, here: next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}` },
    title: t('login.title'),
    script: 'login.js',
    body: `<section class="card narrow" aria-labelledby="login-h">
<h1 id="login-h">${t('login.title')}</h1>
<form id="login-form" novalidate data-next="${attr(next)}">
<div class="field">
<label for="username">${t('login.username')}</label>
<input id="username" name="username" data-field="username" autocomplete="username" autocapitalize="none" spellcheck="false" required aria-describedby="username-error">
<p class="error" id="username-error" hidden></p>
</div>
<div class="field">
<label for="password">${t('login.password')}</label>
<input id="password" name="password" data-field="password" type="password" autocomplete="current-password" required aria-describedby="password-error">
<p class="error" id="password-error" hidden></p>
</div>
<p class="error" id="login-form-error" hidden></p>
<button type="submit">${t('login.submit')}</button>
<p id="login-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>`,
  });
}

/** Mon…Sun in the page's language (Intl's short weekday names: Mon, man., mån, Mo., seg.). */
function weekdayNames(tag: string): string[] {
  const f = new Intl.DateTimeFormat(tag, { weekday: 'short', timeZone: 'UTC' });
  return [1, 2, 3, 4, 5, 6, 7].map((d) => f.format(new Date(Date.UTC(2024, 0, d))));
}

export function homePage(locale: PageLocale = ENGLISH): string {
  const t = translator(locale);
  const day = weekdayNames(locale.tag);
  return shell({
    locale,
    title: t('home.title'),
    script: 'home.js',
    charts: true,
    styles: ['home.css'],
    signedIn: true,
    body: `<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card" aria-labelledby="car-h">
<h1 id="car-h"><span id="vehicle-name">${t('home.yourCar')}</span> <span id="site-name" class="muted"></span></h1>
<p id="car-status" class="car-status">${t('common.loading')}</p>
<p><a href="/home/car">${t('home.editCar')}</a></p>
<p id="battery" hidden></p>
<p id="session-so-far" hidden></p>
<p id="last-session" hidden></p>
<dl id="charger-facts" class="facts"></dl>
<p id="charger-warning" class="warning" hidden></p>
<div class="boost" role="group" aria-labelledby="boost-h">
<h2 id="boost-h" class="sub">${t('home.boost.heading')}</h2>
<p class="muted">${t('home.boost.explain')}</p>
<form id="boost-form" novalidate>
<div class="field">
<label for="boost-kwh">${t('home.boost.energy')}</label>
<input id="boost-kwh" name="energyKwh" data-field="energyKwh" type="number" inputmode="decimal" min="1" max="200" step="any" value="10" required aria-describedby="boost-kwh-error">
<p class="error" id="boost-kwh-error" hidden></p>
</div>
<p class="error" id="boost-form-error" hidden></p>
<div class="actions"><button type="submit" id="boost-start">${t('home.boost.start')}</button>
<button type="button" id="boost-cancel" class="secondary" hidden>${t('home.boost.cancel')}</button></div>
<p id="boost-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</div>
</section>

<section class="card" aria-labelledby="mode-h">
<h2 id="mode-h">${t('home.mode.heading')}</h2>
<p id="mode-now" class="car-status"></p>
<form id="mode-form" novalidate>
<fieldset class="field">
<legend>${t('home.mode.legend')}</legend>
<div class="choices">
<label><input type="radio" name="mode" value="smart" checked> ${t('home.mode.smart')}</label>
<label><input type="radio" name="mode" value="paused"> ${t('home.mode.paused')}</label>
<label><input type="radio" name="mode" value="price-cap"> ${t('home.mode.priceCap')}</label>
<label><input type="radio" name="mode" value="minimum"> ${t('home.mode.minimum')}</label>
</div>
</fieldset>
<div class="field" id="mode-until-field" hidden>
<label for="mode-until">${t('home.mode.pauseUntil')}</label>
<input id="mode-until" name="until" data-field="until" type="datetime-local" aria-describedby="mode-until-error">
<p class="error" id="mode-until-error" hidden></p>
</div>
<div class="field" id="mode-cap-field" hidden>
<label for="mode-cap" id="mode-cap-label">${t('home.mode.capLabel')}</label>
<input id="mode-cap" name="maxPrice" data-field="maxPrice" type="number" inputmode="decimal" min="0" max="10" step="any" aria-describedby="mode-cap-hint mode-cap-error">
<p class="hint" id="mode-cap-hint">${t('home.mode.capHint')}</p>
<p class="error" id="mode-cap-error" hidden></p>
</div>
<fieldset class="field" id="mode-minimum-field" hidden>
<legend>${t('home.mode.minimumLegend')}</legend>
<div class="segmented">
<input type="radio" name="minUnit" id="min-unit-kwh" value="kwh" checked><label for="min-unit-kwh">kWh</label>
<input type="radio" name="minUnit" id="min-unit-percent" value="percent"><label for="min-unit-percent">%</label>
</div>
<label for="mode-minimum" id="mode-minimum-label">${t('home.mode.minimumKwh')}</label>
<input id="mode-minimum" name="minimum" data-field="energyKwh socPercent" type="number" inputmode="decimal" min="1" max="200" step="any" aria-describedby="mode-minimum-error">
<p class="error" id="mode-minimum-error" hidden></p>
</fieldset>
<p class="error" id="mode-form-error" hidden></p>
<div class="actions"><button type="submit" id="mode-apply">${t('home.mode.apply')}</button></div>
<p id="mode-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card" aria-labelledby="target-h">
<h2 id="target-h">${t('home.target.heading')}</h2>
<form id="target-form" novalidate>
<div class="field">
<label for="departure">${t('home.target.departure')}</label>
<input id="departure" name="departure" data-field="departure" type="datetime-local" required aria-describedby="departure-hint departure-error">
<p class="hint" id="departure-hint"></p>
<p class="error" id="departure-error" hidden></p>
</div>
<fieldset class="field">
<legend>${t('home.target.howMuch')}</legend>
<div class="segmented">
<input type="radio" name="unit" id="unit-kwh" value="kwh" checked><label for="unit-kwh">kWh</label>
<input type="radio" name="unit" id="unit-percent" value="percent"><label for="unit-percent">%</label>
</div>
<label for="amount" id="amount-label">${t('home.target.amountKwh')}</label>
<input id="amount" name="amount" data-field="energyKwh socPercent" type="number" inputmode="decimal" min="1" max="200" step="any" required aria-describedby="amount-hint amount-error">
<p class="hint" id="amount-hint">${t('home.target.hintKwh')}</p>
<p class="error" id="amount-error" hidden></p>
</fieldset>
<p class="error" id="target-form-error" hidden></p>
<div class="actions"><button type="submit">${t('common.save')}</button>
<button type="button" id="once-clear" class="secondary" hidden>${t('home.target.useWeekly')}</button></div>
<p id="target-status" class="status-line" role="status" aria-live="polite"></p>
</form>
<p id="rule-in-force" class="rule"></p>
<h3 id="weekly-h">${t('home.weekly.heading')}</h3>
<form id="weekly-form" novalidate aria-labelledby="weekly-h">
<fieldset class="field">
<legend>${t('home.weekly.days')}</legend>
<div class="days" id="weekly-days">
<label><input type="checkbox" name="days" value="mon"> ${day[0]}</label>
<label><input type="checkbox" name="days" value="tue"> ${day[1]}</label>
<label><input type="checkbox" name="days" value="wed"> ${day[2]}</label>
<label><input type="checkbox" name="days" value="thu"> ${day[3]}</label>
<label><input type="checkbox" name="days" value="fri"> ${day[4]}</label>
<label><input type="checkbox" name="days" value="sat"> ${day[5]}</label>
<label><input type="checkbox" name="days" value="sun"> ${day[6]}</label>
</div>
<p class="error" id="weekly-days-error" hidden></p>
</fieldset>
<div class="field">
<label for="weekly-time">${t('home.weekly.leaveAt')}</label>
<input id="weekly-time" name="time" data-field="time" type="time" aria-describedby="weekly-time-error">
<p class="error" id="weekly-time-error" hidden></p>
</div>
<div class="field">
<label for="weekly-amount" id="weekly-amount-label">${t('home.weekly.amountKwh')}</label>
<div class="segmented">
<input type="radio" name="weeklyUnit" id="weekly-unit-kwh" value="kwh" checked><label for="weekly-unit-kwh">kWh</label>
<input type="radio" name="weeklyUnit" id="weekly-unit-percent" value="percent"><label for="weekly-unit-percent">%</label>
</div>
<input id="weekly-amount" name="amount" data-field="energyKwh socPercent" type="number" inputmode="decimal" min="1" max="200" step="any" aria-describedby="weekly-amount-error">
<p class="error" id="weekly-amount-error" hidden></p>
</div>
<p class="error" id="weekly-form-error" hidden></p>
<div class="actions"><button type="submit" id="weekly-set">${t('home.weekly.set')}</button>
<button type="button" id="weekly-delete" class="secondary" hidden>${t('home.weekly.delete')}</button></div>
<p id="weekly-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card wide" aria-labelledby="plan-h">
<h2 id="plan-h">${t('home.plan.heading')}</h2>
<dl id="plan-summary" class="summary"></dl>
<figure id="plan-figure" class="chart-figure" data-plan-id="">
<div id="plan-chart" class="chart" role="img" aria-labelledby="plan-caption"></div>
<figcaption id="plan-caption" class="muted"></figcaption>
</figure>
<h3>${t('home.plan.whyHeading')}</h3>
<ul id="plan-why" class="why"></ul>
<details>
<summary>${t('home.plan.asTable')}</summary>
<div class="scroll" role="region" tabindex="0" aria-label="${attr(t('home.plan.asTable'))}"><table id="plan-table" class="data">
<thead><tr><th scope="col">${t('home.plan.colSlot')}</th><th scope="col">${t('home.plan.colPower')}</th><th scope="col">${t('home.plan.colPrice')}</th><th scope="col">${t('home.plan.colEnergy')}</th><th scope="col">${t('home.plan.colGridFees')}</th><th scope="col">${t('home.plan.colTaxes')}</th></tr></thead>
<tbody></tbody>
</table></div>
</details>
</section>

<section class="card wide" aria-labelledby="history-h">
<h2 id="history-h">${t('home.history.heading')}</h2>
<div class="history-bar">
<label for="history-month">${t('home.history.month')}</label>
<input id="history-month" type="month" aria-describedby="history-month-error">
<a id="history-csv" class="button secondary" href="#" download>${t('home.history.csv')}</a>
</div>
<p class="error" id="history-month-error" hidden></p>
<p id="history-totals" class="car-status" role="status" aria-live="polite"></p>
<div class="scroll"><table id="history" class="data cards">
<thead><tr><th scope="col">${t('home.history.colCharge')}</th><th scope="col">${t('home.history.colEnergy')}</th><th scope="col">${t('home.history.colCost')}</th><th scope="col">${t('home.history.colPricePaid')}</th><th scope="col">${t('home.history.colSaved')}</th><th scope="col">${t('home.history.colPlan')}</th></tr></thead>
<tbody></tbody>
</table></div>
<p class="hint">${t('home.history.hint')}</p>
</section>

</div>`,
  });
}

export function noPagePage(locale: PageLocale = ENGLISH): string {
  const t = translator(locale);
  return shell({
    locale,
    title: t('nopage.title'),
    script: 'session.js',
    signedIn: true,
    body: `<section class="card narrow"><h1>${t('nopage.heading')}</h1>
<p>${t('nopage.text')} <a href="/api/docs">${t('nopage.apiLink')}</a>.</p></section>`,
  });
}
