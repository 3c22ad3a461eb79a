// Live updates of the list: an EventSource on the log's /live endpoint with the list's $filter. The server sends each
// new matching entry as `event: entry` with an id, so the browser's automatic reconnect (Last-Event-ID) resumes
// without gaps. Only newest-first lists go live: in oldest-first order new entries belong at the end, not the top.
import { h } from './dom.js';
import { graphUrl } from './query.js';

/**
 * Starts live updates for a list read from `apiPath` (whose entries are dated by `dateField`). `onEntries(entries)`
 * receives new entries, newest first; `indicator` shows the state. Returns a function that stops them.
 */
export function goLive(apiPath, dateField, filter, indicator, onEntries) {
  const query = new URLSearchParams();
  if (filter) query.set('$filter', filter);
  const source = new EventSource(graphUrl(`${apiPath}/live`, query));
  const show = (state, text) => { indicator.dataset.state = state; indicator.textContent = text; };
  show('connecting', 'Connecting…');
  // Entries that arrive together are shown together, newest first.
  let batch = [];
  let timer = null;
  source.addEventListener('open', () => show('live', 'Live'));
  source.addEventListener('entry', (event) => {
    try {
      batch.push(JSON.parse(event.data));
    } catch { return; }
    timer ??= setTimeout(() => {
      const entries = batch.sort((a, b) => (a[dateField] < b[dateField] ? 1 : -1));
      batch = [];
      timer = null;
      onEntries(entries);
    }, 50);
  });
  source.addEventListener('error', () => {
    // CLOSED: the server refused the stream (e.g. a filter it rejects) and the browser will not retry.
    if (source.readyState === EventSource.CLOSED) show('off', 'Live updates unavailable');
    else show('connecting', 'Reconnecting…');
  });
  return () => {
    source.close();
    clearTimeout(timer);
  };
}

/** The toolbar indicator: a dot and a word, announced politely when it changes. */
export function liveIndicator() {
  return h('span', { id: 'live-status', className: 'live-status', role: 'status', dataset: { state: 'off' } });
}
