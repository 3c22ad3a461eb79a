// The page's state lives in the URL (bookmarkable); this module turns it into the Graph request the page sends.
import { scopeOf, filtersOf } from './logs.js';
import { timeZoneMode } from './dom.js';

export const RANGES = [
  ['24h', 'Last 24 hours', 24],
  ['7d', 'Last 7 days', 24 * 7],
  ['30d', 'Last 30 days', 24 * 30],
  ['all', 'Any time', null],
  ['custom', 'Custom range', null],
];
export const DEFAULT_RANGE = '7d';

/** The time zone times are shown in: the browser's (localZoneLabel) or UTC. */
export const timeZoneLabel = (at = new Date()) => (timeZoneMode() === 'utc' ? 'UTC' : localZoneLabel(at));

/** The browser's time zone and current offset, e.g. "Europe/Berlin (UTC+01:00)". */
export function localZoneLabel(at = new Date()) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  const minutes = -at.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${zone} (UTC${sign}${hh}:${mm})`;
}

/** ISO 8601 UTC to the second, the literal form $filter takes for activityDateTime. */
export const isoSeconds = (date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Reads the state of one log from URL parameters. */
export function readState(log, params) {
  const state = { range: params.get('range') || DEFAULT_RANGE, from: params.get('from') || '', to: params.get('to') || '',
    sort: params.get('sort') === 'asc' ? 'asc' : 'desc', values: {}, advanced: (params.get('filter') || '').trim(),
    tab: (log.tabs ?? []).some((t) => t.key === params.get('tab')) ? params.get('tab') : '' };
  if (!RANGES.some(([key]) => key === state.range)) state.range = DEFAULT_RANGE;
  for (const f of log.filters) {
    const v = (params.get(f.key) || '').trim();
    if (v) state.values[f.key] = v;
  }
  return state;
}

/** URL parameters for a state: only what differs from the defaults, so links stay short. */
export function writeState(log, state) {
  const params = new URLSearchParams();
  if (state.tab) params.set('tab', state.tab);
  if (state.range !== DEFAULT_RANGE) params.set('range', state.range);
  if (state.range === 'custom') {
    if (state.from) params.set('from', state.from);
    if (state.to) params.set('to', state.to);
  }
  for (const f of log.filters) {
    if (state.values[f.key]) params.set(f.key, state.values[f.key]);
  }
  if (state.advanced) params.set('filter', state.advanced);
  if (state.sort === 'asc') params.set('sort', 'asc');
  return params;
}

/** The $filter text for a state, or '' for none: the tab's scope, the date range, the filters. Presets are relative to `now`. */
export function buildFilter(log, state, now = new Date()) {
  const clauses = [];
  const { clause: scope } = scopeOf(log, state);
  if (scope) clauses.push(scope);
  const preset = RANGES.find(([key]) => key === state.range);
  if (preset?.[2]) {
    clauses.push(`${log.dateField} ge ${isoSeconds(new Date(now.getTime() - preset[2] * 3600 * 1000))}`);
  } else if (state.range === 'custom') {
    if (state.from) clauses.push(`${log.dateField} ge ${state.from}`);
    if (state.to) clauses.push(`${log.dateField} le ${state.to}`);
  }
  for (const f of filtersOf(log, state)) {
    if (state.values[f.key]) clauses.push(f.clause(state.values[f.key]));
  }
  // An advanced filter (raw OData, e.g. from Insights) joins as one more clause; the API validates it like any other.
  if (state.advanced) clauses.push(clauses.length ? `(${state.advanced})` : state.advanced);
  return clauses.join(' and ');
}

/** The relative Graph URL (path and query) the page requests for a state. */
export function graphRequest(log, state, now = new Date()) {
  return graphUrl(apiPathOf(log, state), listParameters(log, state, now, { $top: String(log.pageSize) }));
}

/** The API path the list of a state reads (v1.0, or beta for what only beta lists), without query. */
export const apiPathOf = (log, state) => scopeOf(log, state).apiPath;

/** $filter and $orderby of the list for a state (plus `extra`), so a download or a count asks exactly the same. */
export function listParameters(log, state, now = new Date(), extra = {}) {
  const query = new URLSearchParams();
  const filter = buildFilter(log, state, now);
  if (filter) query.set('$filter', filter);
  for (const [k, v] of Object.entries(extra)) query.set(k, v);
  if (state.sort === 'asc') query.set('$orderby', `${log.dateField} asc`);
  return query;
}

/** path?query with the query written the way Graph's examples read. */
export function graphUrl(path, query) {
  // URLSearchParams writes spaces as '+' and escapes characters a query may hold as they are; Graph's own examples
  // read better: %20 for spaces, and $ ' ( ) : , / left alone (a literal % is %25, so no user text is altered).
  const readable = { '+': '%20', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%3A': ':', '%2C': ',', '%2F': '/' };
  const text = query.toString();
  if (!text) return path;
  return `${path}?${text.replace(/\+|%24|%27|%28|%29|%3A|%2C|%2F/g, (m) => readable[m])}`;
}
