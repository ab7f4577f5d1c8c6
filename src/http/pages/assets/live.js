// Server-sent events from /api/v1/live?site=...: `plan`, `status` and `decision`. EventSource reconnects by
// itself; every (re)connection calls `open`, which refetches, so that nothing missed while away stays stale.
// document.body.dataset.live says whether the stream is open (shown as a dot; tests wait for it).

import { t } from './i18n.js';

export function live(siteId, handlers) {
  const es = new EventSource(`/api/v1/live?site=${encodeURIComponent(siteId)}`, { withCredentials: true });
  const mark = (state) => {
    document.body.dataset.live = state;
    const dot = document.getElementById('live');
    if (dot) dot.title = state === 'open' ? t('live.open') : t('live.reconnecting');
  };
  let opened = false;
  es.addEventListener('open', () => {
    mark('open');
    // The first open follows the page's own load; later ones follow a gap in which events may have been missed.
    if (opened && handlers.open) handlers.open();
    opened = true;
  });
  es.addEventListener('error', () => mark(es.readyState === EventSource.CLOSED ? 'closed' : 'connecting'));
  for (const type of ['plan', 'status', 'decision']) {
    const fn = handlers[type];
    if (!fn) continue;
    es.addEventListener(type, (e) => {
      let data = null;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      if (!data || data.siteId === undefined || data.siteId === siteId) fn(data);
    });
  }
  mark('connecting');
  return () => {
    es.close();
    mark('closed');
  };
}
