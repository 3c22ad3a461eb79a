// The Download menu of the list: the current filtered view as CSV or JSON through the download API, streamed with a
// progress indicator (rows and bytes as they arrive, out of the API's $count capped at the rows one file holds), saved
// under the chosen name, with "Download next part" when the API's Link header names a next file.
import { h } from './dom.js';
import { errorMessage } from './api.js';
import { graphUrl, listParameters, apiPathOf } from './query.js';

const maxRows = () => Number(document.body.dataset.downloadMaxRows) || 250000;
const today = () => new Date().toISOString().slice(0, 10);
const number = new Intl.NumberFormat();

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Counts complete rows in a stream of bytes: CSV records (line ends outside quotes, minus the header) or the objects
 * of a JSON array (a '{' at depth 1 outside strings). Only ASCII bytes matter, and UTF-8 never uses them inside a
 * multi-byte character, so counting bytes is exact.
 */
function rowCounter(format) {
  let quoted = false; let escaped = false; let depth = 0; let rows = 0;
  if (format === 'csv') {
    return (chunk) => {
      for (const b of chunk) {
        if (b === 0x22) quoted = !quoted;
        else if (b === 0x0a && !quoted) rows++;
      }
      return Math.max(0, rows - 1);
    };
  }
  return (chunk) => {
    for (const b of chunk) {
      if (quoted) {
        if (escaped) escaped = false;
        else if (b === 0x5c) escaped = true;
        else if (b === 0x22) quoted = false;
      } else if (b === 0x22) quoted = true;
      else if (b === 0x7b || b === 0x5b) { if (b === 0x7b && depth === 1) rows++; depth++; } else if (b === 0x7d || b === 0x5d) depth--;
    }
    return rows;
  };
}

/** The URL in a Link header with rel="next", as a same-origin path, or null. */
function nextLink(header) {
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header ?? '');
  if (!match) return null;
  const url = new URL(match[1], location.href);
  return url.origin === location.origin ? url.pathname + url.search : null;
}

/** The menu; `current()` gives { log, state, tab } of the list on screen, read when the menu opens and when a download starts. */
export function downloadMenu(current) {
  const csv = h('input', { type: 'radio', name: 'download-format', id: 'download-csv', value: 'csv', checked: true });
  const json = h('input', { type: 'radio', name: 'download-format', id: 'download-json', value: 'json' });
  const name = h('input', { type: 'text', id: 'download-name', autocomplete: 'off', spellcheck: false });
  const start = h('button', { type: 'submit', className: 'primary', id: 'download-start' }, 'Download');
  const cancel = h('button', { type: 'button', id: 'download-cancel', hidden: true }, 'Cancel');
  const next = h('button', { type: 'button', id: 'download-next', hidden: true }, 'Download next part');
  const progress = h('progress', { id: 'download-progress', hidden: true, max: 1, value: 0 });
  const status = h('p', { id: 'download-status', className: 'muted', role: 'status' });
  const error = h('p', { id: 'download-error', className: 'error', role: 'alert', hidden: true });
  const format = () => (json.checked ? 'json' : 'csv');
  let defaultName = '';
  const setDefaultName = () => {
    // Entra's file names (AuditLogs_…, InteractiveSignIns_…); they follow the format unless the user typed a name of their own.
    const { log, tab } = current();
    if (!name.value || name.value === defaultName) name.value = defaultName = `${tab?.downloadName ?? log.downloadName}_${today()}.${format()}`;
  };
  setDefaultName();
  csv.addEventListener('change', setDefaultName);
  json.addEventListener('change', setDefaultName);

  /** Where the next part continues: its URL, the rows already saved, the part number and the total of all parts. */
  let pending = null;
  let controller = null;

  async function run(url, part, before, total) {
    controller = new AbortController();
    const fmt = url.includes('format=json') ? 'json' : 'csv';
    const fileName = part === 1 ? name.value.trim() || defaultName : name.value.trim().replace(/(\.[^.]*)?$/, (ext) => `_part${part}${ext}`);
    const expected = Math.min(Math.max(total - before, 0), maxRows());
    start.disabled = next.disabled = true;
    next.hidden = true;
    cancel.hidden = false;
    error.hidden = true;
    progress.hidden = false;
    progress.max = Math.max(expected, 1);
    progress.value = 0;
    status.textContent = `Starting ${fileName}…`;
    menu.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(url, { credentials: 'same-origin', signal: controller.signal });
      if (!response.ok) throw new Error(await errorMessage(response));
      const reader = response.body.getReader();
      const count = rowCounter(fmt);
      const chunks = [];
      let size = 0; let rows = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        size += value.length;
        rows = count(value);
        progress.value = Math.min(rows, progress.max);
        status.textContent = `${number.format(rows)} of ${number.format(expected)} rows (${bytes(size)})`;
      }
      const blob = new Blob(chunks, { type: fmt === 'csv' ? 'text/csv' : 'application/json' });
      const href = URL.createObjectURL(blob);
      const a = h('a', { href, download: fileName, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 60000);
      progress.value = progress.max;
      const link = nextLink(response.headers.get('Link'));
      pending = link ? { url: link, part: part + 1, before: before + rows, total } : null;
      status.textContent = `Saved ${fileName}: ${number.format(rows)} ${rows === 1 ? 'row' : 'rows'} (${bytes(size)}).`
        + (pending ? ` More rows match than one file holds (${number.format(maxRows())}).` : '');
      status.dataset.rows = String(rows);
      next.hidden = !pending;
    } catch (e) {
      progress.hidden = true;
      if (e.name === 'AbortError') {
        status.textContent = 'Download cancelled.';
      } else {
        status.textContent = '';
        error.textContent = e.message;
        error.hidden = false;
      }
    } finally {
      controller = null;
      start.disabled = next.disabled = false;
      cancel.hidden = true;
      menu.removeAttribute('aria-busy');
    }
  }

  const form = h('form', { className: 'stack', id: 'download-form' },
    h('fieldset', { className: 'inline-choice' }, h('legend', {}, 'Format'),
      h('div', { className: 'choices' },
        h('div', { className: 'check' }, csv, h('label', { htmlFor: 'download-csv' }, 'CSV (Entra columns)')),
        h('div', { className: 'check' }, json, h('label', { htmlFor: 'download-json' }, 'JSON')))),
    h('label', { htmlFor: 'download-name' }, 'File name'), name,
    h('p', { className: 'muted small' }, `The rows of the current filters${current().tab ? ' and tab' : ''} and order, up to ${number.format(maxRows())} per file, times in UTC.`),
    h('div', { className: 'actions' }, start, cancel, next),
    progress, status, error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (controller) return;
    const { log, state } = current();
    const now = new Date();
    const query = listParameters(log, state, now);
    error.hidden = true;
    status.textContent = 'Counting rows…';
    let total;
    try {
      const countQuery = new URLSearchParams();
      if (query.has('$filter')) countQuery.set('$filter', query.get('$filter'));
      const response = await fetch(graphUrl(`${apiPathOf(log, state)}/$count`, countQuery), { credentials: 'same-origin' });
      if (!response.ok) throw new Error(await errorMessage(response));
      total = Number(await response.text());
    } catch (e) {
      status.textContent = '';
      error.textContent = e.message;
      error.hidden = false;
      return;
    }
    query.set('format', format());
    await run(graphUrl(`${apiPathOf(log, state)}/download`, query), 1, 0, total);
  });
  cancel.addEventListener('click', () => controller?.abort());
  next.addEventListener('click', () => { if (pending && !controller) run(pending.url, pending.part, pending.before, pending.total); });

  const menu = h('details', { className: 'menu', id: 'download-menu' }, h('summary', { id: 'download-button' }, 'Download'),
    h('div', { className: 'menu-body download-body' }, h('h2', { className: 'menu-title' }, 'Download the filtered view'), form));
  return menu;
}
