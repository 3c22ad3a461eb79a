// Local time or UTC: the user's choice, saved on the server like the columns (prefs.js), applied to every time the
// admin center shows (dom.js). Entra's grid shows local time and its downloads UTC; an auditor comparing the two, or
// colleagues in several zones, want UTC on screen too.
import { h, setTimeZoneMode, timeZoneMode } from './dom.js';
import { loadPreference, savePreference } from './prefs.js';

const NAME = 'timeZone';

/** Reads the saved choice before the page draws times. */
export async function loadTimeZone() {
  setTimeZoneMode(await loadPreference(NAME));
}

/** The toolbar's switch; `onChange()` redraws what shows times. */
export function timeZoneSwitch(localLabel, onChange) {
  const select = h('select', { id: 'time-zone' },
    h('option', { value: 'local', selected: timeZoneMode() === 'local' }, `Local time: ${localLabel}`),
    h('option', { value: 'utc', selected: timeZoneMode() === 'utc' }, 'UTC'));
  const status = h('span', { className: 'muted menu-status', id: 'time-zone-status', role: 'status' });
  select.addEventListener('change', () => {
    setTimeZoneMode(select.value);
    savePreference(NAME, select.value, status);
    onChange();
  });
  return h('div', { className: 'time-zone' }, h('label', { htmlFor: 'time-zone' }, 'Times in'), select, status);
}
