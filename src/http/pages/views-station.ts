import type { PageLocale } from './locale.js';
import { ENGLISH } from './messages.js';
import { adminTranslator } from './admin-messages.js';
import { attr, shell } from './views.js';
import { firmwareSections } from './views-station-firmware.js';

/**
 * The station page (issue 17): connection, last boot, EVSEs and connectors, capabilities, the operation buttons, the
 * device-model table and the last 100 messages in both directions (issue 16). The shell only; assets/station.js fills it from the API, which decides
 * who may see the station.
 */
export function stationPage(stationId: string, locale: PageLocale = ENGLISH): string {
  const t = adminTranslator(locale);
  return shell({
    locale,
    title: t('station.title', { id: attr(stationId) }),
    script: 'station.js',
    signedIn: true,
    body: `<div id="station-root" class="stack" data-station-id="${attr(stationId)}" aria-busy="true">
<p><a href="/fleet">← ${t('admin.nav.fleet')}</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<link rel="stylesheet" href="/assets/alerts.css"><section id="alerts-panel" class="card wide" data-station-id="${attr(stationId)}" hidden></section><script type="module" src="/assets/alerts.js"></script>
<section class="card wide" aria-labelledby="station-h">
<h1 id="station-h">${t('station.heading', { name: () => '<span id="station-name"></span>' })}</h1>
<dl id="station-facts" class="summary"></dl>
</section>

<section class="card wide" aria-labelledby="evses-h">
<h2 id="evses-h">${t('station.evsesHeading')}</h2>
<div class="scroll" role="region" tabindex="0" aria-labelledby="evses-h"><table id="evses" class="data">
<thead><tr><th scope="col">${t('station.colEvse')}</th><th scope="col">${t('station.colConnector')}</th><th scope="col">${t('station.colStatus')}</th><th scope="col">${t('station.colSince')}</th><th scope="col">${t('station.colTransaction')}</th><th scope="col">${t('admin.actions')}</th></tr></thead>
<tbody></tbody>
</table></div>
</section>

<section class="card" aria-labelledby="ops-h">
<h2 id="ops-h">${t('station.ops')}</h2>
<div class="actions" id="station-ops">
<button type="button" data-op="reset-onidle">${t('station.resetIdle')}</button>
<button type="button" data-op="reset-immediate">${t('station.resetNow')}</button>
<button type="button" data-op="trigger-status">${t('station.askStatus')}</button>
<button type="button" data-op="trigger-heartbeat">${t('station.askHeartbeat')}</button>
<button type="button" data-op="clear-cache">${t('station.clearCache')}</button>
<button type="button" data-op="report">${t('station.readDm')}</button>
</div>
<p id="op-result" class="status-line" role="status" aria-live="polite"></p>
</section>

<section class="card" aria-labelledby="caps-h">
<h2 id="caps-h">${t('station.caps')}</h2>
<dl id="capabilities" class="summary"></dl>
</section>

<section class="card wide" aria-labelledby="dm-h">
<h2 id="dm-h">${t('station.dm')}</h2>
<div class="scroll" role="region" tabindex="0" aria-labelledby="dm-h"><table id="device-model" class="data">
<thead><tr><th scope="col">${t('station.colComponent')}</th><th scope="col">${t('station.colVariable')}</th><th scope="col">${t('station.colValue')}</th><th scope="col">${t('station.colUnit')}</th><th scope="col">${t('station.colMutability')}</th><th scope="col">${t('station.colMeaning')}</th></tr></thead>
<tbody></tbody>
</table></div>
<p id="dm-status" class="status-line" role="status" aria-live="polite"></p>
</section>

${firmwareSections(stationId, t)}
<link rel="stylesheet" href="/assets/station.css">
<section class="card wide" aria-labelledby="log-h">
<h2 id="log-h">${t('station.logHeading')}</h2>
<p class="hint">${t('station.logHint')}</p>
<div class="scroll frames" role="region" tabindex="0" aria-label="${attr(t('station.logLabel'))}"><table id="frames" class="data">
<thead><tr><th scope="col">${t('station.colDirection')}</th><th scope="col">${t('station.colTime')}</th><th scope="col">${t('station.colMessage')}</th><th scope="col">${t('station.colAction')}</th><th scope="col">${t('station.colPayload')}</th></tr></thead>
<tbody></tbody>
</table></div>
<p id="frames-status" class="status-line" role="status" aria-live="polite"></p>
</section>
</div>`,
  });
}
