import { shell } from './views.js';

/**
 * The utilisation page (issue 17): how busy a site's chargers were over a period, where to add stations. The shell
 * only; assets/utilisation.js fills it from GET /api/v1/sites/:id/utilisation, which decides who may see a site.
 */
export function utilisationPage(): string {
  return shell({
    title: 'Utilisation',
    script: 'utilisation.js',
    signedIn: true,
    body: `<link rel="stylesheet" href="/assets/utilisation.css">
<p><a href="/fleet">← Fleet</a></p>
<form id="util-form" class="site-bar" novalidate>
<span class="pair"><label for="site">Site</label>
<select id="site" name="site" data-field="siteId"></select></span>
<span class="pair"><label for="from">From</label>
<input id="from" name="from" data-field="from" type="date" required aria-describedby="period-error"></span>
<span class="pair"><label for="to">Until (not included)</label>
<input id="to" name="to" data-field="to" type="date" required aria-describedby="period-error"></span>
<button type="submit" class="small">Show</button>
<a id="csv" href="#" download>Download CSV</a>
<p class="error" id="period-error" hidden></p>
</form>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="util-h">
<h1 id="util-h">Utilisation <span id="util-site" class="muted"></span></h1>
<p id="saturation" class="car-status" role="status" aria-live="polite">Loading…</p>
<dl id="util-summary" class="summary"></dl>
</section>

<section class="card wide" aria-labelledby="heat-h">
<h2 id="heat-h">Hour of the week</h2>
<p class="hint" id="heat-hint">Share of the chargers in use (a car plugged in), on the site’s wall clock. A marked hour had every charger taken at some point.</p>
<div class="scroll" role="region" tabindex="0" aria-labelledby="heat-h"><table id="heat" class="heat" aria-describedby="heat-hint">
<thead><tr><th scope="col">Day</th></tr></thead>
<tbody></tbody>
</table></div>
</section>

<section class="card wide" aria-labelledby="stations-h">
<h2 id="stations-h">Stations</h2>
<div class="scroll" role="region" tabindex="0" aria-labelledby="stations-h"><table id="util-stations" class="data">
<thead><tr><th scope="col">Station / EVSE</th><th scope="col" class="num">In use</th><th scope="col" class="num">Charging while plugged in</th><th scope="col" class="num">Idle (h)</th><th scope="col" class="num">Sessions</th><th scope="col" class="num">Energy (kWh)</th><th scope="col" class="num">Available</th><th scope="col" class="num">Out of service (h)</th><th scope="col" class="num">Offline (h)</th></tr></thead>
<tbody></tbody>
</table></div>
<p class="hint">In use: share of the period with a car plugged in. Available: connected and not Unavailable or Faulted, of the time the connection is known. Energy of a session across the period’s edge counts by its time inside.</p>
</section>
</div>`,
  });
}
