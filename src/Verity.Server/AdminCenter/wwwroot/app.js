// The activity-log list view of the page's log (logs.js): its tabs, filters in the URL, the Graph request they make,
// the rows it returns, paging by the API's nextLink, a column chooser, local time or UTC, a details pane, downloads and
// live updates. Reads the log only through the Graph API.
import { currentLog, scopeOf, filtersOf, columnSetOf } from './logs.js';
import { h, time, copyButton, timeZoneMode } from './dom.js';
import { RANGES, readState, writeState, graphRequest, apiPathOf, buildFilter, timeZoneLabel, localZoneLabel, isoSeconds } from './query.js';
import { loadColumns, columnChooser } from './columns.js';
import { tabbed } from './details.js';
import { fetchJson } from './api.js';
import { downloadMenu } from './download.js';
import { goLive, liveIndicator } from './live.js';
import { loadTimeZone, timeZoneSwitch } from './timezone.js';

const log = currentLog();
const root = document.getElementById('log');
const tabs = document.getElementById('log-tabs');
let catalogue = { services: [], categories: [], activities: [] };
/** The view on screen: its state, tab, columns, loaded entries and the next page's link. */
let view = null;
/** Counts renders, so a render that waited for a preference gives way to a newer one. */
let renders = 0;

function navigate(params) {
  const query = params.toString();
  history.pushState(null, '', query ? `?${query}` : location.pathname);
  render();
}

async function render() {
  const ticket = ++renders;
  const state = readState(log, new URLSearchParams(location.search));
  const scope = scopeOf(log, state);
  const columnSet = columnSetOf(log, state);
  const columns = await loadColumns(columnSet);
  if (ticket !== renders) return;
  view?.stopLive?.();
  closeDetails(false);
  view = { state, tab: scope.tab, columnSet, columns, entries: [], ids: new Set(), next: null, loading: false, loaded: false, early: [],
    unseen: 0, stopLive: null };
  renderTabs(state, scope.tab);
  document.title = `${scope.tab && log.tabs.includes(scope.tab) ? `${scope.tab.title} · ` : ''}${log.title} · Verity`;
  root.replaceChildren(
    h('h1', {}, log.title),
    tabs,
    h('div', { className: 'toolbar', id: 'toolbar' },
      columnChooser(columnSet, view.columns, (keys) => { view.columns = keys; renderTable(); }),
      h('div', { id: 'toolbar-actions', className: 'toolbar-actions' }, downloadMenu(() => ({ log, state: view.state, tab: view.tab }))),
      h('button', { type: 'button', id: 'refresh', onclick: () => render() }, 'Refresh'),
      timeZoneSwitch(localZoneLabel(), redrawTimes),
      liveIndicator()),
    filterForm(state),
    advancedChip(state),
    h('div', { id: 'error', className: 'error', role: 'alert', hidden: true }),
    graphBox(),
    h('div', { className: 'table-wrap' }, h('table', { id: 'entries', className: 'grid entries' }, h('thead'), h('tbody'))),
    h('div', { className: 'footer' },
      h('p', { id: 'count', className: 'muted', 'aria-live': 'polite' }),
      h('button', { type: 'button', id: 'load-more', hidden: true, onclick: () => load(true) }, 'Load more')),
    h('button', { type: 'button', id: 'new-entries', className: 'pill', hidden: true, onclick: showNewest }),
    detailsPane());
  renderTable();
  startLive();
  load(false);
}

/**
 * The log's tabs (Entra's three sign-in tabs), each a link to the same filters in its scope; none for a log without
 * tabs. A list scoped by its advanced filter alone has no current tab.
 */
function renderTabs(state, current) {
  tabs.hidden = !log.tabs;
  if (!log.tabs) return;
  // With an advanced filter every tab names itself: the first one without `tab=` would mean "the filter's own kinds".
  tabs.replaceChildren(...log.tabs.map((t) => h('a', { href: `?${writeState(log, { ...state, tab: t === log.tabs[0] && !state.advanced ? '' : t.key })}`,
    id: `tab-${t.key}`, 'aria-current': t === current ? 'page' : null }, t.title)));
}

/** The time zone changed: every time on screen is drawn again, nothing is reloaded. */
function redrawTimes() {
  document.getElementById('timezone').textContent = `Times are shown in ${timeZoneLabel()}.`;
  for (const id of ['from', 'to']) {
    const input = document.getElementById(id);
    input.value = toInput(input.dataset.iso ?? '');
  }
  renderTable();
  if (openEntry) showDetails(openEntry.entry, false);
}

// ---- filters -------------------------------------------------------------------------------------------------------

/** A datetime-local value (in the chosen time zone) for an ISO instant, and back. */
function toInput(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  const shift = timeZoneMode() === 'utc' ? 0 : d.getTimezoneOffset() * 60000;
  return new Date(d.getTime() - shift).toISOString().slice(0, 16);
}
const fromInput = (value) => (!value ? '' : isoSeconds(new Date(timeZoneMode() === 'utc' ? `${value}Z` : value)));

/** A text box wide enough for its placeholder and for typical values, so neither is cut off. */
const sizeFor = (f) => Math.max(16, (f.placeholder ?? '').length + 2);

function filterForm(state) {
  const field = (id, label, ...controls) => h('div', { className: 'field' }, h('label', { htmlFor: id }, label), ...controls);
  const range = h('select', { id: 'range', name: 'range' },
    RANGES.map(([key, label]) => h('option', { value: key, selected: key === state.range }, label)));
  // The inputs keep the instant they show (data-iso), so switching between local time and UTC redraws the same instant.
  const datetime = (id, iso) => {
    const input = h('input', { type: 'datetime-local', id, value: toInput(iso), dataset: { iso } });
    input.addEventListener('change', () => { input.dataset.iso = fromInput(input.value); });
    return input;
  };
  const from = datetime('from', state.from);
  const to = datetime('to', state.to);
  const custom = h('div', { className: 'custom-range', id: 'custom-range', hidden: state.range !== 'custom' },
    field('from', 'From', from), field('to', 'To', to));
  range.addEventListener('change', () => { custom.hidden = range.value !== 'custom'; });

  const shown = filtersOf(log, state);
  const controls = shown.map((f) => {
    const value = state.values[f.key] ?? '';
    if (f.kind === 'select') {
      const options = f.options(catalogue).map((o) => (Array.isArray(o) ? o : [o, o]));
      if (value && !options.some(([v]) => v === value)) options.push([value, value]);
      return field(`filter-${f.key}`, f.label, h('select', { id: `filter-${f.key}`, name: f.key },
        h('option', { value: '' }, 'All'), options.map(([v, label]) => h('option', { value: v, selected: v === value }, label))));
    }
    const input = h('input', { type: 'text', id: `filter-${f.key}`, name: f.key, value, placeholder: f.placeholder ?? '', autocomplete: 'off',
      size: sizeFor(f), pattern: f.pattern, inputMode: f.inputMode, title: f.pattern ? f.placeholder : null });
    if (f.kind !== 'typeahead') return field(input.id, f.label, input);
    input.setAttribute('list', `${input.id}-options`);
    return field(input.id, f.label, input, h('datalist', { id: `${input.id}-options` }, f.options(catalogue).map((o) => h('option', { value: o }))));
  });

  const form = h('form', { id: 'filters', className: 'filters', role: 'search', method: 'get' },
    field('range', 'Date', range), custom,
    h('p', { className: 'muted timezone', id: 'timezone' }, `Times are shown in ${timeZoneLabel()}.`),
    ...controls,
    h('div', { className: 'actions' },
      h('button', { type: 'submit', className: 'primary', id: 'apply' }, 'Apply'),
      h('button', { type: 'button', id: 'reset', onclick: () => navigate(new URLSearchParams(state.tab ? { tab: state.tab } : {})) }, 'Reset')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = { range: range.value, from: fromInput(from.value), to: fromInput(to.value), sort: view.state.sort, values: {},
      advanced: view.state.advanced, tab: view.state.tab };
    for (const f of log.filters) {
      // Filters of other tabs keep their values, so they apply again on their tab.
      const v = shown.includes(f) ? form.elements[f.key].value.trim() : view.state.values[f.key];
      if (v) next.values[f.key] = v;
    }
    navigate(writeState(log, next));
  });
  return form;
}

/** A raw OData filter from the URL (e.g. a link from Insights), shown as a chip that removes it; nothing without one. */
function advancedChip(state) {
  if (!state.advanced) return document.createDocumentFragment();
  return h('div', { className: 'chips', id: 'advanced-filter' },
    h('span', { className: 'chip' },
      h('span', { className: 'chip-label' }, 'Advanced filter: '),
      h('code', { id: 'advanced-filter-text' }, state.advanced),
      h('button', { type: 'button', id: 'advanced-filter-remove', 'aria-label': 'Remove the advanced filter',
        onclick: () => navigate(writeState(log, { ...state, advanced: '' })) }, '✕')),
    view.tab && log.tabs && !log.tabs.includes(view.tab)
      ? h('span', { className: 'muted small', id: 'advanced-filter-scope' }, 'It names the kinds of sign-in itself; choose a tab to narrow it further.')
      : null);
}

// ---- the Graph request ---------------------------------------------------------------------------------------------

function graphBox() {
  const url = h('code', { id: 'graph-url' });
  return h('details', { className: 'graph', id: 'graph-request' }, h('summary', {}, 'Graph API request'),
    h('p', { className: 'muted' }, 'The same query with a bearer token (Authorization: Bearer …):'),
    h('div', { className: 'graph-line' }, h('span', { className: 'verb' }, 'GET'), url, copyButton('copy-graph-url', url)));
}

// ---- loading -------------------------------------------------------------------------------------------------------

async function load(more) {
  const mine = view;
  const url = more ? mine.next : graphRequest(log, mine.state);
  if (!url || mine.loading) return;
  if (!more) document.getElementById('graph-url').textContent = location.origin + url;
  mine.loading = true;
  root.setAttribute('aria-busy', 'true');
  document.getElementById('load-more').disabled = true;
  const error = document.getElementById('error');
  try {
    const page = await fetchJson(url);
    if (mine !== view) return;
    error.hidden = true;
    const entries = (page.value ?? []).filter((e) => !mine.ids.has(e.id));
    for (const e of entries) mine.ids.add(e.id);
    mine.entries.push(...entries);
    addRows(entries, 'bottom');
    if (!more) {
      mine.loaded = true;
      if (mine.early.length) showLive(mine.early.splice(0));
    }
    const next = page['@odata.nextLink'];
    mine.next = next ? (({ pathname, search }) => pathname + search)(new URL(next, location.href)) : null;
  } catch (e) {
    if (mine !== view) return;
    error.textContent = e.message;
    error.hidden = false;
    mine.next = null;
  } finally {
    mine.loading = false;
    if (mine === view) {
      root.removeAttribute('aria-busy');
      updateFooter();
    }
  }
}

function updateFooter() {
  const more = document.getElementById('load-more');
  more.hidden = !view.next;
  more.disabled = false;
  const n = view.entries.length;
  document.getElementById('count').textContent = n === 0 ? 'No entries match these filters.'
    : `${n} ${n === 1 ? 'entry' : 'entries'} shown${view.next ? '; more are available' : ''}.`;
}

// ---- the table -----------------------------------------------------------------------------------------------------

function visibleColumns() {
  return view.columnSet.columns.filter((c) => view.columns.includes(c.key));
}

function renderTable() {
  const table = document.getElementById('entries');
  const head = h('tr', {}, visibleColumns().map((c) => {
    if (!c.sortable) return h('th', { scope: 'col', dataset: { column: c.key } }, c.label);
    const descending = view.state.sort !== 'asc';
    return h('th', { scope: 'col', dataset: { column: c.key }, 'aria-sort': descending ? 'descending' : 'ascending' },
      h('button', { type: 'button', id: `sort-${c.key}`, className: 'sort', title: descending ? 'Newest first; select for oldest first' : 'Oldest first; select for newest first',
        onclick: () => navigate(writeState(log, { ...view.state, sort: descending ? 'asc' : 'desc' })) },
      c.label, h('span', { 'aria-hidden': 'true' }, descending ? ' ↓' : ' ↑')));
  }));
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren();
  addRows(view.entries, 'bottom');
}

/** Adds entries at the bottom (paging) or the top (new entries arriving while the page is open); returns the rows. */
function addRows(entries, position) {
  const body = document.getElementById('entries').tBodies[0];
  const columns = visibleColumns();
  const rows = entries.map((entry) => {
    const tr = h('tr', { tabIndex: 0, className: 'entry', dataset: { id: entry.id } },
      columns.map((c) => (c.format === 'date'
        ? h('td', { dataset: { column: c.key } }, time(c.value(entry)))
        : h('td', { dataset: { column: c.key }, title: c.value(entry) }, c.value(entry)))));
    tr.addEventListener('click', () => openDetails(entry, tr));
    tr.addEventListener('keydown', (event) => rowKey(event, entry, tr));
    return tr;
  });
  if (position === 'top') body.prepend(...rows); else body.append(...rows);
  return rows;
}

// ---- live updates --------------------------------------------------------------------------------------------------

function startLive() {
  const indicator = document.getElementById('live-status');
  if (view.state.sort === 'asc') {
    indicator.dataset.state = 'off';
    indicator.textContent = 'Live updates only in newest-first order';
    return;
  }
  const mine = view;
  mine.stopLive = goLive(apiPathOf(log, mine.state), log.dateField, buildFilter(log, mine.state), indicator, (entries) => {
    if (mine !== view) return;
    if (mine.loaded) showLive(entries); else mine.early.push(...entries);
  });
}

/**
 * Puts new entries at the top without moving what the user looks at: focus, selection and the details pane stay;
 * if the user has scrolled past the top of the table, the page scrolls by the height of the new rows and a pill
 * offers to go to them.
 */
function showLive(entries) {
  const fresh = entries.filter((e) => !view.ids.has(e.id));
  if (!fresh.length) return;
  for (const e of fresh) view.ids.add(e.id);
  view.entries.unshift(...fresh);
  const table = document.getElementById('entries');
  const scrolledDown = table.tHead.getBoundingClientRect().bottom < 0;
  const height = document.documentElement.scrollHeight;
  const y = window.scrollY;
  for (const tr of addRows(fresh, 'top')) {
    tr.classList.add('fresh');
    tr.addEventListener('animationend', () => tr.classList.remove('fresh'), { once: true });
  }
  if (scrolledDown) {
    window.scrollTo(window.scrollX, y + document.documentElement.scrollHeight - height);
    view.unseen += fresh.length;
    const pill = document.getElementById('new-entries');
    pill.textContent = `${view.unseen} new ${view.unseen === 1 ? 'entry' : 'entries'} ↑`;
    pill.hidden = false;
  }
  updateFooter();
}

function showNewest() {
  view.unseen = 0;
  document.getElementById('new-entries').hidden = true;
  window.scrollTo({ top: 0, behavior: 'smooth' });
  document.querySelector('#entries tr.entry')?.focus({ preventScroll: true });
}

window.addEventListener('scroll', () => {
  const pill = document.getElementById('new-entries');
  if (pill && !pill.hidden && document.getElementById('entries').tHead.getBoundingClientRect().bottom >= 0) {
    view.unseen = 0;
    pill.hidden = true;
  }
}, { passive: true });

function rowKey(event, entry, tr) {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    openDetails(entry, tr);
  } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    (event.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling)?.focus();
  }
}

// ---- details -------------------------------------------------------------------------------------------------------

/** The entry in the pane and the row it opened from (focus returns there); the tab chosen stays for the next entry. */
let openEntry = null;
let detailsTab = null;

function detailsPane() {
  return h('aside', { id: 'details', className: 'details', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'details-title', hidden: true },
    h('div', { className: 'details-head' },
      h('h2', { id: 'details-title', tabIndex: -1 }, log.detailsTitle),
      h('button', { type: 'button', id: 'details-close', 'aria-label': 'Close details', onclick: () => closeDetails(true) }, '✕')),
    h('div', { id: 'details-body' }));
}

function showDetails(entry, focus) {
  const correlation = writeState(log, { range: 'all', sort: 'desc', values: { correlationId: entry.correlationId }, tab: view.state.tab });
  const focused = document.activeElement?.closest?.('#details-body [role=tab]')?.dataset.tab;
  document.getElementById('details-body').replaceChildren(
    ...tabbed(log.details(entry, { correlation: `?${correlation}` }), detailsTab, (key) => { detailsTab = key; }));
  if (focused) document.getElementById(`details-tab-${focused}`)?.focus();
  document.getElementById('details').hidden = false;
  if (focus) document.getElementById('details-title').focus();
}

function openDetails(entry, tr) {
  for (const other of document.querySelectorAll('tr.entry[aria-selected]')) other.removeAttribute('aria-selected');
  tr.setAttribute('aria-selected', 'true');
  openEntry = { entry, row: tr };
  showDetails(entry, true);
}

function closeDetails(returnFocus) {
  const pane = document.getElementById('details');
  if (pane) pane.hidden = true;
  openEntry?.row.removeAttribute('aria-selected');
  if (returnFocus) openEntry?.row.focus();
  openEntry = null;
}

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !document.getElementById('details')?.hidden) {
    event.preventDefault();
    closeDetails(true);
  }
});

window.addEventListener('popstate', render);
Promise.all([
  log.usesCatalogue ? fetchJson('/admin/api/catalogue').then((c) => { catalogue = c; }, () => { /* filters still work as free text */ }) : null,
  loadTimeZone(),
]).finally(render);
