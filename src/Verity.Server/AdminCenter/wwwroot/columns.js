// Which columns a user sees, remembered per log, tenant and user in this browser (localStorage).
import { h } from './dom.js';

const storageKey = (log) => `verity.columns.v1.${log.key}.${document.body.dataset.tenant}.${document.body.dataset.user}`;

export function loadColumns(log) {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey(log)) ?? 'null');
    if (Array.isArray(saved)) {
      const known = log.columns.filter((c) => c.locked || saved.includes(c.key));
      if (known.length) return known.map((c) => c.key);
    }
  } catch { /* unreadable preference: fall back to the defaults */ }
  return log.columns.filter((c) => c.isDefault).map((c) => c.key);
}

function saveColumns(log, keys) {
  try { localStorage.setItem(storageKey(log), JSON.stringify(keys)); } catch { /* storage full or disabled: choice lasts this page */ }
}

/** The "Columns" menu: a checkbox per column of the log; locked ones stay on. Calls onChange with the new keys. */
export function columnChooser(log, visible, onChange) {
  const list = h('fieldset', { className: 'column-list' }, h('legend', {}, 'Show columns'));
  for (const column of log.columns) {
    const box = h('input', { type: 'checkbox', id: `col-${column.key}`, checked: visible.includes(column.key), disabled: column.locked,
      dataset: { column: column.key } });
    box.addEventListener('change', () => {
      const keys = log.columns.filter((c) => c.locked || list.querySelector(`#col-${c.key}`).checked).map((c) => c.key);
      saveColumns(log, keys);
      onChange(keys);
    });
    list.append(h('div', { className: 'check' }, box, h('label', { htmlFor: `col-${column.key}` }, column.label)));
  }
  const reset = h('button', { type: 'button', id: 'columns-reset', onclick: () => {
    const keys = log.columns.filter((c) => c.isDefault).map((c) => c.key);
    for (const c of log.columns) list.querySelector(`#col-${c.key}`).checked = keys.includes(c.key);
    saveColumns(log, keys);
    onChange(keys);
  } }, 'Reset to defaults');
  return h('details', { className: 'menu', id: 'columns-menu' }, h('summary', { id: 'columns-button' }, 'Columns'),
    h('div', { className: 'menu-body' }, list, reset));
}
