import type { PageLocale } from './locale.js';
import { ENGLISH, translator } from './messages.js';
import { attr, shell } from './views.js';

/**
 * The fleet dashboard's shell (issue 6; issue 18: in the page's language), filled by assets/fleet.js from the API:
 * the site plan with its table alternative, cost and saving, the vehicles, bulk upload, stations and the decision log.
 */
export function fleetPage(locale: PageLocale = ENGLISH): string {
  const t = translator(locale);
  return shell({
    locale,
    title: t('fleet.title'),
    script: 'fleet.js',
    charts: true,
    signedIn: true,
    body: `<div class="site-bar">
<label for="site">${t('fleet.site')}</label>
<select id="site"></select>
<a href="/utilisation" id="utilisation-link">${t('fleet.utilisation')}</a>
<p id="site-facts" class="muted"></p>
</div>
<div id="page-error" class="alert" role="alert" hidden></div>
<link rel="stylesheet" href="/assets/alerts.css"><section id="alerts-panel" class="card wide" hidden></section><script type="module" src="/assets/alerts.js"></script>
<div id="content" class="stack fleet-grid" aria-busy="true">
<section class="card wide" aria-labelledby="site-plan-h">
<h1 id="site-plan-h">${t('fleet.sitePlan')}</h1>
<dl id="plan-summary" class="summary"></dl>
<figure id="plan-figure" class="chart-figure" data-plan-id="">
<div id="plan-chart" class="chart" role="img" aria-labelledby="plan-caption"></div>
<figcaption id="plan-caption" class="muted"></figcaption>
</figure>
<details>
<summary>${t('fleet.planTable')}</summary>
<div class="scroll" role="region" tabindex="0" aria-label="${attr(t('fleet.planTable'))}"><table id="plan-table" class="data">
<thead><tr><th scope="col">${t('home.plan.colSlot')}</th><th scope="col">${t('fleet.colPlanned')}</th><th scope="col">${t('fleet.colLimit')}</th><th scope="col">${t('home.plan.colPrice')}</th></tr></thead>
<tbody></tbody>
</table></div>
</details>
</section>

<section class="card wide" aria-labelledby="savings-h">
<h2 id="savings-h">${t('fleet.savings')}</h2>
<p id="savings-headline" class="car-status">${t('common.loading')}</p>
<div class="scroll"><table id="savings" class="data cards">
<thead><tr><th scope="col">${t('fleet.colPeriod')}</th><th scope="col">${t('fleet.colSessions')}</th><th scope="col">${t('home.history.colEnergy')}</th><th scope="col">${t('home.history.colCost')}</th><th scope="col">${t('fleet.colFullPower')}</th><th scope="col">${t('home.history.colSaved')}</th></tr></thead>
<tbody></tbody>
</table></div>
<p class="hint">${t('fleet.savingsHint')}</p>
</section>

<section class="card wide" aria-labelledby="vehicles-h">
<h2 id="vehicles-h">${t('vehicles.title')}</h2>
<p><a href="/fleet/vehicles">${t('fleet.vehiclesLink')}</a></p>
<div id="warnings" class="alert warning-list" role="status" hidden></div>
<div class="scroll"><table id="vehicles" class="data cards">
<thead><tr><th scope="col">${t('vehicles.colVehicle')}</th><th scope="col">${t('vehicles.colCharger')}</th><th scope="col">${t('fleet.colStatus')}</th><th scope="col">${t('home.target.departure')}</th><th scope="col">${t('fleet.colTarget')}</th><th scope="col">${t('fleet.colAtDeparture')}</th><th scope="col">${t('fleet.colMakeIt')}</th></tr></thead>
<tbody></tbody>
</table></div>
<p class="hint">${t('fleet.vehiclesHint')}</p>
<p id="vehicles-status" class="status-line" role="status" aria-live="polite"></p>
</section>

<section class="card" aria-labelledby="bulk-h">
<h2 id="bulk-h">${t('fleet.bulk')}</h2>
<p class="muted">${t('fleet.bulkHint', { code: (c: string[]) => `<code>${c.join('')}</code>` })}</p>
<form id="bulk-form" novalidate>
<div class="field">
<label for="bulk-file">${t('fleet.file')}</label>
<input id="bulk-file" name="file" data-field="file" type="file" accept=".csv,.json,text/csv,application/json" required aria-describedby="bulk-file-error">
<p class="error" id="bulk-file-error" hidden></p>
</div>
<div class="actions"><button type="submit">${t('fleet.upload')}</button></div>
<div id="bulk-result" role="status" aria-live="polite"></div>
</form>
</section>

<section class="card" aria-labelledby="stations-h">
<h2 id="stations-h">${t('fleet.stations')}</h2>
<div class="scroll"><table id="stations" class="data cards">
<thead><tr><th scope="col">${t('fleet.colStation')}</th><th scope="col">${t('fleet.colEvse')}</th><th scope="col">${t('fleet.colStatus')}</th><th scope="col">${t('fleet.colProfiles')}</th><th scope="col">${t('fleet.colPower')}</th></tr></thead>
<tbody></tbody>
</table></div>
</section>

<section class="card wide" aria-labelledby="log-h">
<h2 id="log-h">${t('fleet.log')}</h2>
<ol id="decisions" class="log" aria-live="polite" tabindex="0" aria-labelledby="log-h"></ol>
</section>
</div>`,
  });
}
