// The details of a sign-in in the tabs of Entra's "Activity details: sign-ins" (reference §6.4): Basic info,
// Location, Device info, Authentication details, Conditional Access, and the raw entry as JSON for copy.
import { h, time, copyButton } from './dom.js';
import { row, rows, table, yesNo } from './details.js';
import { signInStatus, conditionalAccessText, locationText, eventTypeText } from './labels.js';

function basicInfo(e, links) {
  const correlation = e.correlationId
    ? h('a', { href: links.correlation, id: 'correlation-link', title: 'Every sign-in with this correlation id' }, e.correlationId)
    : '';
  const failed = e.status?.errorCode !== 0;
  return rows('details-basic', 'None',
    row('Date', time(e.createdDateTime)), row('Date (UTC)', e.createdDateTime), row('Request ID', e.id), row('Correlation ID', correlation),
    row('Sign-in type', eventTypeText(e)),
    row('User', e.userDisplayName), row('Username', e.userPrincipalName), row('User ID', e.userId),
    row('Service principal name', e.servicePrincipalName), row('Service principal ID', e.servicePrincipalId),
    row('Application', e.appDisplayName), row('Application ID', e.appId),
    row('Resource', e.resourceDisplayName), row('Resource ID', e.resourceId), row('Resource tenant ID', e.resourceTenantId),
    row('Home tenant ID', e.homeTenantId), row('Client app', e.clientAppUsed), row('User agent', e.userAgent),
    row('Status', signInStatus(e)), failed ? row('Sign-in error code', String(e.status?.errorCode ?? '')) : null,
    failed ? row('Failure reason', e.status?.failureReason) : null, row('Additional details', e.status?.additionalDetails));
}

function location(e) {
  const geo = e.location?.geoCoordinates ?? {};
  const known = locationText(e);
  return [
    rows('details-location', 'None', row('IP address', e.ipAddress), row('Location', known),
      row('Latitude', geo.latitude ?? ''), row('Longitude', geo.longitude ?? '')),
    known ? null : h('p', { className: 'muted small' }, 'No location: Verity does not look IP addresses up in a geolocation database.'),
  ];
}

function device(e) {
  const d = e.deviceDetail ?? {};
  return [
    rows('details-device', 'None', row('Device ID', d.deviceId), row('Device name', d.displayName), row('Browser', d.browser),
      row('Operating system', d.operatingSystem),
      // Entra shows an unregistered device (null) as neither compliant nor managed.
      row('Compliant', yesNo(d.isCompliant ?? false)), row('Managed', yesNo(d.isManaged ?? false)), row('Join type', d.trustType)),
    d.deviceId ? null : h('p', { className: 'muted small' }, 'The device is not registered in the directory: browser and operating system come from the user agent.'),
  ];
}

const authentication = (e) => [
  rows('details-authentication', 'None', row('Status', signInStatus(e)), row('Interactive', yesNo(e.isInteractive)), row('Client app', e.clientAppUsed)),
  h('p', { className: 'muted small', id: 'details-authentication-note' },
    'Verity records no per-method authentication details (Entra\'s authenticationDetails): users sign in with a password, applications with a '
    + 'client secret, and there is no multifactor authentication.'),
];

function conditionalAccess(e) {
  const policies = e.appliedConditionalAccessPolicies ?? [];
  return [
    rows('details-conditional-access', 'None', row('Conditional Access', conditionalAccessText(e.conditionalAccessStatus))),
    policies.length
      ? table('details-policies-table', ['Policy', 'Result', 'Grant controls', 'Session controls'],
        policies.map((p) => [p.displayName || p.id, p.result, (p.enforcedGrantControls ?? []).join(', '), (p.enforcedSessionControls ?? []).join(', ')]))
      : h('p', { className: 'muted small', id: 'details-policies-none' }, 'No Conditional Access policy applied to this sign-in.'),
  ];
}

function raw(e) {
  const text = h('pre', { className: 'raw', id: 'details-json' }, JSON.stringify(e, null, 2));
  return [h('div', { className: 'actions' }, copyButton('details-json-copy', text, 'Copy JSON')), text];
}

/** The tabs of a sign-in; `links.correlation` is the list filtered by its correlation id. */
export function signInDetails(entry, links) {
  return [
    { key: 'basic', label: 'Basic info', content: [basicInfo(entry, links)] },
    { key: 'location', label: 'Location', content: location(entry) },
    { key: 'device', label: 'Device info', content: device(entry) },
    { key: 'authentication', label: 'Authentication details', content: authentication(entry) },
    { key: 'conditionalAccess', label: 'Conditional Access', content: conditionalAccess(entry) },
    { key: 'json', label: 'Raw JSON', content: raw(entry) },
  ];
}
