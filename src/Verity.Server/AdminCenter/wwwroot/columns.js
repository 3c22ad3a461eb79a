// Which columns a user sees, remembered per log and tab on the server (prefs.js), so the choice follows the user to
// any browser. A column set is { key, columns }: the preference name's suffix and the columns with their defaults.
import { h } from './dom.js';
import { loadPreference, savePreference } from './prefs.js';

const preferenceName = (set) => `columns.${set.key}`;

/** The saved choice of a column set, within its columns (locked ones always); the defaults without one. */
export async function loadColumns(set) {
  const keys = await loadPreference(preferenceName(set));
  if (Array.isArray(keys)) {
    const known = set.columns.filter((c) => c.locked || keys.includes(c.key));
    if (known.length) return known.map((c) => c.key);
  }
  return set.columns.filter((c) => c.isDefault || c.locked).map((c) => c.key);
}

/** The "Columns" menu: a checkbox per column; locked ones stay on. Calls onChange with the new keys. */
export function columnChooser(set, visible, onChange) {
  const status = h('p', { className: 'muted menu-status', id: 'columns-status', role: 'status' });
  const save = (keys) => {
    savePreference(preferenceName(set), keys, status);
    onChange(keys);
  };
  const list = h('fieldset', { className: 'column-list' }, h('legend', {}, 'Show columns'));
  for (const column of set.columns) {
    const box = h('input', { type: 'checkbox', id: `col-${column.key}`, checked: visible.includes(column.key), disabled: column.locked,
      dataset: { column: column.key } });
    box.addEventListener('change', () => save(set.columns.filter((c) => c.locked || list.querySelector(`#col-${c.key}`).checked).map((c) => c.key)));
    list.append(h('div', { className: 'check' }, box, h('label', { htmlFor: `col-${column.key}` }, column.label)));
  }
  const reset = h('button', { type: 'button', id: 'columns-reset', onclick: () => {
    const keys = set.columns.filter((c) => c.isDefault || c.locked).map((c) => c.key);
    for (const c of set.columns) list.querySelector(`#col-${c.key}`).checked = keys.includes(c.key);
    save(keys);
  } }, 'Reset to defaults');
  return h('details', { className: 'menu', id: 'columns-menu' }, h('summary', { id: 'columns-button' }, 'Columns'),
    h('div', { className: 'menu-body' }, list, reset, status));
}
