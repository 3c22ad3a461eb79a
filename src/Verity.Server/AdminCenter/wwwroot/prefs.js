// Small per-user choices (columns, time zone) kept on the server per tenant and user, so they follow the user to any
// browser: GET/PUT /admin/api/preferences/{name}. Each is read once per page and saved at once when it changes.
import { fetchJson, putJson } from './api.js';

const url = (name) => `/admin/api/preferences/${encodeURIComponent(name)}`;
const cache = new Map();
let saving = Promise.resolve();

/** The saved value, or undefined when there is none (or it cannot be read: the page then shows its defaults). */
export async function loadPreference(name) {
  if (!cache.has(name)) {
    cache.set(name, fetchJson(url(name)).then((v) => v ?? undefined, () => undefined));
  }
  return cache.get(name);
}

/** Saves a value, one save after another so the last choice is the one kept; `status` says how it went. */
export function savePreference(name, value, status) {
  cache.set(name, Promise.resolve(value));
  if (status) status.textContent = 'Saving…';
  saving = saving.then(() => putJson(url(name), value)).then(
    () => { if (status) status.textContent = 'Saved for your account.'; },
    (e) => { if (status) status.textContent = `Not saved: ${e.message}`; });
  return saving;
}
