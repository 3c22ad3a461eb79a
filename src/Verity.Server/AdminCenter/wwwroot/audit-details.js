// The details of an audit entry (reference §6.4) in Entra's tabs: Activity (with the initiator and additional
// details), Target(s), and Modified properties with old and new values side by side.
import { h, time } from './dom.js';
import { row, rows, table } from './details.js';
import { resultText } from './labels.js';

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

const userAgent = (entry) => (entry.additionalDetails ?? []).find((d) => d.key === 'User-Agent')?.value;

/** The tabs of an entry; `links.correlation` is the list filtered by the entry's correlation id. */
export function auditDetails(entry, links) {
  const targets = entry.targetResources ?? [];
  const correlation = entry.correlationId
    ? h('a', { href: links.correlation, id: 'correlation-link', title: 'Every entry with this correlation id' }, entry.correlationId)
    : '';
  const modified = targets.flatMap((t) => (t.modifiedProperties ?? []).map((p) =>
    [t.displayName || t.userPrincipalName || t.id, p.displayName, p.oldValue, p.newValue]));
  return [
    { key: 'activity', label: 'Activity', content: [
      rows('details-activity', 'None', row('Date', time(entry.activityDateTime)), row('Date (UTC)', entry.activityDateTime),
        row('Activity type', entry.activityDisplayName), row('Correlation ID', correlation), row('Category', entry.category),
        row('Service', entry.loggedByService), row('Operation type', entry.operationType), row('Status', resultText(entry.result)),
        row('Status reason', entry.resultReason), row('User agent', userAgent(entry)), row('ID', entry.id)),
      h('h3', { id: 'details-initiator' }, 'Initiated by (actor)'), rows('details-initiator-list', 'Unknown', initiator(entry)),
      h('h3', { id: 'details-additional' }, 'Additional details'),
      table('details-additional-table', ['Key', 'Value'], (entry.additionalDetails ?? []).map((d) => [d.key, d.value])),
    ] },
    { key: 'targets', label: `Target(s) (${targets.length})`, content: [
      table('details-targets-table', ['Type', 'Display name', 'Object ID', 'User principal name'],
        targets.map((t) => [t.type, t.displayName, t.id, t.userPrincipalName])),
    ] },
    { key: 'modified', label: `Modified properties (${modified.length})`, content: [
      table('details-modified-table', ['Target', 'Property', 'Old value', 'New value'], modified),
    ] },
  ];
}
