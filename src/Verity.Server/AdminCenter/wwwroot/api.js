// Calls from the page to the server: Graph reads with the session cookie, and the admin center's own small API.

/** Sends the user to sign in again when the session has ended (401), keeping the current page as the way back. */
function signInAgain() {
  location.assign(`/admin/signin?returnUrl=${encodeURIComponent(location.pathname + location.search)}`);
  return new Error('Your session has ended.');
}

/** The message of a Graph error body, or a generic one with the status. */
export async function errorMessage(response) {
  const body = await response.json().catch(() => null);
  return body?.error?.message ?? `The request failed (HTTP ${response.status}).`;
}

export async function fetchJson(url, options = {}) {
  const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', ...options });
  if (response.status === 401) throw signInAgain();
  if (!response.ok) throw new Error(await errorMessage(response));
  return response.status === 204 ? null : response.json();
}

/** A PUT of JSON to the admin center's API, with the page's anti-forgery token. */
export async function putJson(url, value) {
  const response = await fetch(url, {
    method: 'PUT',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-Verity-Antiforgery': document.body.dataset.antiforgery ?? '' },
    body: JSON.stringify(value),
  });
  if (response.status === 401) throw signInAgain();
  if (!response.ok) throw new Error(await errorMessage(response));
}
