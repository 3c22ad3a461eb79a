// Which columns a user sees, remembered per log on the server (per tenant and user), so the choice follows the user
// to any browser. Loaded once when the page starts; each change is saved at once.
import { h } from './dom.js';
import { fetchJson, putJson } from './api.js';

const preferenceUrl = (log) => `/admin/api/preferences/columns.${log.key}`;
const saved = new Map();

/** Reads the saved choice of each log; a log without one (or an unreadable one) shows its defaults. */
export async function preloadColumns(logs) {
  await Promise.all(logs.map(async (log) => {
    try {
      const keys = await fetchJson(preferenceUrl(log));
      if (Array.isArray(keys)) saved.set(log.key, keys);
    } catch { /* no saved choice reachable: defaults */ }
  }));
}

export function loadColumns(log) {
  const keys = saved.get(log.key);
  if (keys) {
    const known = log.columns.filter((c) => c.locked || keys.includes(c.key));
    if (known.length) return known.map((c) => c.key);
  }
  return log.columns.filter((c) => c.isDefault).map((c) => c.key);
}

/** The "Columns" menu: a checkbox per column of the log; locked ones stay on. Calls onChange with the new keys. */
export function columnChooser(log, visible, onChange) {
  const status = h('p', { className: 'muted menu-status', id: 'columns-status', role: 'status' });
  let saving = Promise.resolve();
  const save = (keys) => {
    saved.set(log.key, keys);
    status.textContent = 'Saving…';
    // One save after another, so the last choice is the one kept.
    saving = saving.then(() => putJson(preferenceUrl(log), keys)).then(
      () => { status.textContent = 'Saved for your account.'; },
      (e) => { status.textContent = `Not saved: ${e.message}`; });
    onChange(keys);
  };
  const list = h('fieldset', { className: 'column-list' }, h('legend', {}, 'Show columns'));
  for (const column of log.columns) {
    const box = h('input', { type: 'checkbox', id: `col-${column.key}`, checked: visible.includes(column.key), disabled: column.locked,
      dataset: { column: column.key } });
    box.addEventListener('change', () => save(log.columns.filter((c) => c.locked || list.querySelector(`#col-${c.key}`).checked).map((c) => c.key)));
    list.append(h('div', { className: 'check' }, box, h('label', { htmlFor: `col-${column.key}` }, column.label)));
  }
  const reset = h('button', { type: 'button', id: 'columns-reset', onclick: () => {
    const keys = log.columns.filter((c) => c.isDefault).map((c) => c.key);
    for (const c of log.columns) list.querySelector(`#col-${c.key}`).checked = keys.includes(c.key);
    save(keys);
  } }, 'Reset to defaults');
  return h('details', { className: 'menu', id: 'columns-menu' }, h('summary', { id: 'columns-button' }, 'Columns'),
    h('div', { className: 'menu-body' }, list, reset, status));
}
