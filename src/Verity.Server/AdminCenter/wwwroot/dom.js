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

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A timestamp in the browser's time zone, with the exact UTC value as its tooltip and machine-readable datetime. */
export function time(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return h('time', { dateTime: iso, title: iso }, Number.isNaN(date.getTime()) ? iso : dateFormat.format(date));
}
