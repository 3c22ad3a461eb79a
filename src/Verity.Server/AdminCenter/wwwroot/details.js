// The details pane of an audit entry (reference §6.4): activity, initiator, additional details, targets and the
// modified properties with old and new values side by side.
import { h, time } from './dom.js';

const row = (label, value) => h('div', { className: 'kv' }, h('dt', {}, label), h('dd', {}, value ?? ''));

function table(id, headings, rows) {
  if (!rows.length) return h('p', { className: 'muted', id }, 'None');
  return h('div', { className: 'table-wrap' }, h('table', { id, className: 'grid' },
    h('thead', {}, h('tr', {}, headings.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c ?? '')))))));
}

function initiator(entry) {
  const { user, app } = entry.initiatedBy ?? {};
  if (user) {
    return [row('Type', 'User'), row('Display name', user.displayName), row('Object ID', user.id),
      row('User principal name', user.userPrincipalName), row('IP address', user.ipAddress)];
  }
  if (app) {
    return [row('Type', 'Application'), row('Display name', app.displayName), row('App ID', app.appId),
      row('Service principal ID', app.servicePrincipalId), row('Service principal name', app.servicePrincipalName)];
  }
  return [row('Type', 'Unknown')];
}

/** Renders the pane's content for an entry; `correlationHref` is the list filtered by the entry's correlation id. */
export function renderDetails(entry, correlationHref) {
  const targets = entry.targetResources ?? [];
  const correlation = entry.correlationId
    ? h('a', { href: correlationHref, id: 'correlation-link', title: 'Every entry with this correlation id' }, entry.correlationId)
    : '';
  return [
    h('section', { 'aria-labelledby': 'details-activity' },
      h('h3', { id: 'details-activity' }, 'Activity'),
      h('dl', {}, row('Date', time(entry.activityDateTime)), row('Date (UTC)', entry.activityDateTime), row('Activity type', entry.activityDisplayName),
        row('Correlation ID', correlation), row('Category', entry.category), row('Service', entry.loggedByService),
        row('Operation type', entry.operationType), row('Status', entry.result), row('Status reason', entry.resultReason),
        row('ID', entry.id))),
    h('section', { 'aria-labelledby': 'details-initiator' },
      h('h3', { id: 'details-initiator' }, 'Initiated by (actor)'), h('dl', {}, initiator(entry))),
    h('section', { 'aria-labelledby': 'details-additional' },
      h('h3', { id: 'details-additional' }, 'Additional details'),
      table('details-additional-table', ['Key', 'Value'], (entry.additionalDetails ?? []).map((d) => [d.key, d.value]))),
    h('section', { 'aria-labelledby': 'details-targets' },
      h('h3', { id: 'details-targets' }, 'Target(s)'),
      table('details-targets-table', ['Type', 'Display name', 'Object ID', 'User principal name'],
        targets.map((t) => [t.type, t.displayName, t.id, t.userPrincipalName]))),
    h('section', { 'aria-labelledby': 'details-modified' },
      h('h3', { id: 'details-modified' }, 'Modified properties'),
      table('details-modified-table', ['Target', 'Property', 'Old value', 'New value'],
        targets.flatMap((t) => (t.modifiedProperties ?? []).map((p) =>
          [t.displayName || t.userPrincipalName || t.id, p.displayName, p.oldValue, p.newValue])))),
  ];
}
