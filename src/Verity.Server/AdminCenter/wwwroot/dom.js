// Element building without innerHTML: every piece of log data reaches the page as textContent.

/** h('td', { className: 'x', dataset: { id } }, 'text', child) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name in el) el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Times are shown in the browser's time zone or in UTC, as the user chose (timezone.js keeps the choice).
let mode = 'local';
const formats = {
  local: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }),
  utc: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }),
};

export const timeZoneMode = () => mode;
export function setTimeZoneMode(value) { mode = value === 'utc' ? 'utc' : 'local'; }

/** A date as text in the chosen time zone ("UTC" added in UTC mode, where the reader may expect local time). */
export function formatTime(date) {
  return mode === 'utc' ? `${formats.utc.format(date)} UTC` : formats.local.format(date);
}

/** A timestamp in the chosen time zone, with the exact UTC value as its tooltip and machine-readable datetime. */
export function time(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return h('time', { dateTime: iso, title: iso }, Number.isNaN(date.getTime()) ? iso : formatTime(date));
}

/** A "Copy" button for the text of `source`; without a clipboard (plain http) it selects the text so Ctrl+C copies it. */
export function copyButton(id, source, label = 'Copy') {
  const button = h('button', { type: 'button', id, onclick: async () => {
    try {
      await navigator.clipboard.writeText(source.textContent);
      button.textContent = 'Copied';
    } catch {
      getSelection().selectAllChildren(source);
      button.textContent = 'Press Ctrl+C';
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  } }, label);
  return button;
}
