// The details pane's parts: label/value rows that leave out what is empty, tables, and tabs (WAI-ARIA tabs pattern:
// arrow keys, Home and End move between tabs). A log's details function (audit-details.js, signin-details.js) returns
// its tabs; app.js opens and closes the pane.
import { h } from './dom.js';

const empty = (value) => value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

/** A label and its value; nothing at all when the value is empty, so the pane shows no blank rows. */
export const row = (label, value) => (empty(value) ? null : h('div', { className: 'kv' }, h('dt', {}, label), h('dd', {}, value)));

/** A list of rows, or the `none` text when every row is empty. */
export function rows(id, none, ...items) {
  const kept = items.flat().filter(Boolean);
  return kept.length ? h('dl', { id }, kept) : h('p', { className: 'muted', id }, none);
}

export function table(id, headings, cells) {
  if (!cells.length) return h('p', { className: 'muted', id }, 'None');
  return h('div', { className: 'table-wrap' }, h('table', { id, className: 'grid' },
    h('thead', {}, h('tr', {}, headings.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, cells.map((line) => h('tr', {}, line.map((c) => h('td', {}, c ?? '')))))));
}

export const yesNo = (value) => (value === true ? 'Yes' : value === false ? 'No' : '');

/**
 * Tabs over panels: `tabs` is [{ key, label, content }]; the tab `selected` (a key) is shown first, else the first.
 * `onSelect(key)` hears the user's choice, so the pane can keep the tab when another entry opens.
 */
export function tabbed(tabs, selected, onSelect) {
  const current = tabs.some((t) => t.key === selected) ? selected : tabs[0].key;
  const buttons = tabs.map((t) => h('button', { type: 'button', role: 'tab', id: `details-tab-${t.key}`, 'aria-controls': `details-panel-${t.key}`,
    'aria-selected': String(t.key === current), tabIndex: t.key === current ? 0 : -1, dataset: { tab: t.key } }, t.label));
  const panels = tabs.map((t) => h('div', { role: 'tabpanel', id: `details-panel-${t.key}`, 'aria-labelledby': `details-tab-${t.key}`,
    tabIndex: 0, className: 'tab-panel', hidden: t.key !== current }, t.content));
  const show = (button, focus) => {
    for (const b of buttons) {
      const on = b === button;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      document.getElementById(b.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) button.focus();
    onSelect?.(button.dataset.tab);
  };
  const list = h('div', { role: 'tablist', className: 'pane-tabs', 'aria-label': 'Details' }, buttons);
  for (const [i, b] of buttons.entries()) {
    b.addEventListener('click', () => show(b, false));
    b.addEventListener('keydown', (event) => {
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      show(buttons[(next + buttons.length) % buttons.length], true);
    });
  }
  return [list, ...panels];
}
