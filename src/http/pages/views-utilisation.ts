import type { PageLocale } from './locale.js';
import { ENGLISH } from './messages.js';
import { adminTranslator } from './admin-messages.js';
import { shell } from './views.js';

/**
 * The utilisation page (issue 17): how busy a site's chargers were over a period, where to add stations. The shell
 * only; assets/utilisation.js fills it from GET /api/v1/sites/:id/utilisation, which decides who may see a site.
 */
export function utilisationPage(locale: PageLocale = ENGLISH): string {
  const t = adminTranslator(locale);
  return shell({
    locale,
    title: t('util.title'),
    script: 'utilisation.js',
    signedIn: true,
    body: `<link rel="stylesheet" href="/assets/utilisation.css">
<p><a href="/fleet">← ${t('admin.nav.fleet')}</a></p>
<form id="util-form" class="site-bar" novalidate>
<span class="pair"><label for="site">${t('sites.site')}</label>
<select id="site" name="site" data-field="siteId"></select></span>
<span class="pair"><label for="from">${t('stations.colFrom')}</label>
<input id="from" name="from" data-field="from" type="date" required aria-describedby="period-error"></span>
<span class="pair"><label for="to">${t('util.until')}</label>
<input id="to" name="to" data-field="to" type="date" required aria-describedby="period-error"></span>
<button type="submit" class="small">${t('util.show')}</button>
<a id="csv" href="#" download>${t('util.csv')}</a>
<p class="error" id="period-error" hidden></p>
</form>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="util-h">
<h1 id="util-h">${t('util.heading', { site: () => '<span id="util-site" class="muted"></span>' })}</h1>
<p id="saturation" class="car-status" role="status" aria-live="polite">${t('common.loading')}</p>
<dl id="util-summary" class="summary"></dl>
</section>

<section class="card wide" aria-labelledby="heat-h">
<h2 id="heat-h">${t('util.heatHeading')}</h2>
<p class="hint" id="heat-hint">${t('util.heatHint')}</p>
<div class="scroll" role="region" tabindex="0" aria-labelledby="heat-h"><table id="heat" class="heat" aria-describedby="heat-hint">
<thead><tr><th scope="col">${t('util.day')}</th></tr></thead>
<tbody></tbody>
</table></div>
</section>

<section class="card wide" aria-labelledby="stations-h">
<h2 id="stations-h">${t('util.stations')}</h2>
<div class="scroll" role="region" tabindex="0" aria-labelledby="stations-h"><table id="util-stations" class="data">
<thead><tr><th scope="col">${t('util.colStation')}</th><th scope="col" class="num">${t('util.inUse')}</th><th scope="col" class="num">${t('util.charging')}</th><th scope="col" class="num">${t('util.colIdle')}</th><th scope="col" class="num">${t('util.sessions')}</th><th scope="col" class="num">${t('util.colEnergy')}</th><th scope="col" class="num">${t('util.available')}</th><th scope="col" class="num">${t('util.colOut')}</th><th scope="col" class="num">${t('util.colOffline')}</th></tr></thead>
<tbody></tbody>
</table></div>
<p class="hint">${t('util.hint')}</p>
</section>
</div>`,
  });
}
