// Log definitions: what the list view needs to show one activity log (its page, API path, columns, filters, tabs and
// details). The list view, filters, paging, details pane, column chooser, download and live rows are written once
// (app.js) and read everything log-specific from here; provisioning joins as one more entry of LOGS.
import { auditDetails } from './audit-details.js';
import { signInDetails } from './signin-details.js';
import { resultText, signInStatus, conditionalAccessText, locationText, eventTypeText } from './labels.js';

/** An OData string literal: single quotes doubled. */
export const literal = (text) => `'${String(text).replaceAll("'", "''")}'`;

const detail = (entry, key) => (entry.additionalDetails ?? []).find((d) => d.key === key)?.value ?? '';

const targetName = (t) => t.displayName || t.userPrincipalName || t.id || '';

const actorName = (entry) => {
  const { user, app } = entry.initiatedBy ?? {};
  if (user) return user.userPrincipalName || user.displayName || user.id || '';
  if (app) return app.displayName || app.servicePrincipalName || app.appId || '';
  return '';
};

export const directoryAudits = {
  key: 'directoryAudits',
  title: 'Audit logs',
  path: '/admin/',
  apiPath: '/v1.0/auditLogs/directoryAudits',
  dateField: 'activityDateTime',
  pageSize: 50,
  downloadName: 'AuditLogs',
  usesCatalogue: true,
  // Reference §6.2. Service, Category and Activity stay visible: their values explain each other.
  columns: [
    { key: 'date', label: 'Date', isDefault: true, locked: true, sortable: true, value: (e) => e.activityDateTime, format: 'date' },
    { key: 'service', label: 'Service', isDefault: true, locked: true, value: (e) => e.loggedByService ?? '' },
    { key: 'category', label: 'Category', isDefault: true, locked: true, value: (e) => e.category ?? '' },
    { key: 'activity', label: 'Activity', isDefault: true, locked: true, value: (e) => e.activityDisplayName ?? '' },
    { key: 'status', label: 'Status', isDefault: true, value: (e) => resultText(e.result) },
    { key: 'statusReason', label: 'Status reason', isDefault: false, value: (e) => e.resultReason ?? '' },
    { key: 'targets', label: 'Target(s)', isDefault: true, value: (e) => (e.targetResources ?? []).map(targetName).filter(Boolean).join(', ') },
    { key: 'initiatedBy', label: 'Initiated by (actor)', isDefault: true, value: actorName },
    { key: 'userAgent', label: 'User agent', isDefault: false, value: (e) => detail(e, 'User-Agent') },
  ],
  // Reference §6.3. Each filter becomes one clause of the Graph $filter; the API decides what is valid.
  filters: [
    { key: 'service', label: 'Service', kind: 'select', options: (c) => c.services,
      clause: (v) => `loggedByService eq ${literal(v)}` },
    { key: 'category', label: 'Category', kind: 'select', options: (c) => c.categories,
      clause: (v) => `category eq ${literal(v)}` },
    { key: 'activity', label: 'Activity', kind: 'typeahead', placeholder: 'Type to choose an activity', options: (c) => c.activities.map((a) => a.displayName),
      clause: (v) => `activityDisplayName eq ${literal(v)}` },
    { key: 'status', label: 'Status', kind: 'select', options: () => [['success', 'Success'], ['failure', 'Failure']],
      clause: (v) => `result eq ${literal(v)}` },
    { key: 'target', label: 'Target', kind: 'text', placeholder: 'Name or UPN starts with',
      clause: (v) => `targetResources/any(t: startswith(t/displayName, ${literal(v)}) or startswith(t/userPrincipalName, ${literal(v)}))` },
    { key: 'actor', label: 'Initiated by (actor)', kind: 'text', placeholder: 'Name or UPN starts with',
      clause: (v) => `(startswith(initiatedBy/user/userPrincipalName, ${literal(v)}) or startswith(initiatedBy/user/displayName, ${literal(v)})`
        + ` or startswith(initiatedBy/app/displayName, ${literal(v)}))` },
    { key: 'correlationId', label: 'Correlation ID', kind: 'text', placeholder: 'Exact id',
      clause: (v) => `correlationId eq ${literal(v)}` },
  ],
  detailsTitle: 'Audit log details',
  details: auditDetails,
};

// ---- sign-ins (reference §3) ----------------------------------------------------------------------------------------

const CLIENT_APPS = ['Browser', 'Mobile Apps and Desktop clients', 'Exchange ActiveSync', 'IMAP', 'MAPI', 'SMTP', 'POP', 'Other clients'];
const USER_TABS = ['interactive', 'nonInteractive'];
const USER_COLUMNS = ['date', 'requestId', 'user', 'application', 'status', 'ipAddress', 'location', 'conditionalAccess'];

export const signIns = {
  key: 'signIns',
  title: 'Sign-in logs',
  path: '/admin/signins',
  // v1.0 lists interactive user sign-ins; the other kinds are beta's signInEventTypes filter (reference §3.2).
  apiPath: '/v1.0/auditLogs/signIns',
  betaPath: '/beta/auditLogs/signIns',
  dateField: 'createdDateTime',
  pageSize: 50,
  // Entra's tabs: each is the same log scoped to one kind of sign-in, with its own default columns and file name.
  tabs: [
    { key: 'interactive', title: 'User sign-ins (interactive)', eventType: 'interactiveUser', columns: USER_COLUMNS, downloadName: 'InteractiveSignIns' },
    { key: 'nonInteractive', title: 'User sign-ins (non-interactive)', eventType: 'nonInteractiveUser', columns: USER_COLUMNS,
      downloadName: 'NonInteractiveSignIns' },
    { key: 'servicePrincipal', title: 'Service principal sign-ins', eventType: 'servicePrincipal',
      columns: ['date', 'requestId', 'servicePrincipalName', 'servicePrincipalId', 'appId', 'status', 'ipAddress', 'resource'],
      downloadName: 'ApplicationSignIns' },
  ],
  // A list whose advanced filter names the kinds itself (a link from Insights) shows every kind it names.
  allTab: { key: 'all', title: 'Sign-ins of the advanced filter', columns: ['date', 'requestId', 'eventType', 'user', 'application', 'status', 'ipAddress', 'resource'],
    downloadName: 'SignIns' },
  /**
   * The API path and scope clause of a state. The interactive tab asks v1.0, whose default is interactive user
   * sign-ins; the others ask beta with signInEventTypes. An advanced filter that names signInEventTypes replaces the
   * default scope on the server, so with one the interactive tab names its kind too, and without a chosen tab the
   * advanced filter's own kinds apply (so an Insights number opens exactly its $filter).
   */
  scope(state) {
    const namesKinds = /\bsignInEventTypes\//.test(state.advanced ?? '');
    const chosen = this.tabs.find((t) => t.key === state.tab);
    if (!chosen && namesKinds) return { tab: this.allTab, apiPath: this.betaPath, clause: '' };
    const tab = chosen ?? this.tabs[0];
    if (tab.eventType === 'interactiveUser' && !namesKinds) return { tab, apiPath: this.apiPath, clause: '' };
    return { tab, apiPath: this.betaPath, clause: `signInEventTypes/any(t: t eq ${literal(tab.eventType)})` };
  },
  // Entra's columns (reference §3.1 fields); each tab's `columns` are its defaults, the chooser offers all of them.
  columns: [
    { key: 'date', label: 'Date', locked: true, sortable: true, value: (e) => e.createdDateTime, format: 'date' },
    { key: 'requestId', label: 'Request ID', value: (e) => e.id ?? '' },
    { key: 'eventType', label: 'Sign-in type', value: eventTypeText },
    { key: 'user', label: 'User', value: (e) => e.userDisplayName || e.userPrincipalName || '' },
    { key: 'username', label: 'Username', value: (e) => e.userPrincipalName ?? '' },
    { key: 'userId', label: 'User ID', value: (e) => e.userId ?? '' },
    { key: 'servicePrincipalName', label: 'Service principal name', value: (e) => e.servicePrincipalName ?? '' },
    { key: 'servicePrincipalId', label: 'Service principal ID', value: (e) => e.servicePrincipalId ?? '' },
    { key: 'application', label: 'Application', value: (e) => e.appDisplayName || e.appId || '' },
    { key: 'appId', label: 'Application ID', value: (e) => e.appId ?? '' },
    { key: 'status', label: 'Status', value: signInStatus },
    { key: 'errorCode', label: 'Sign-in error code', value: (e) => String(e.status?.errorCode ?? '') },
    { key: 'failureReason', label: 'Failure reason', value: (e) => e.status?.failureReason ?? '' },
    { key: 'ipAddress', label: 'IP address', value: (e) => e.ipAddress ?? '' },
    { key: 'location', label: 'Location', value: locationText },
    { key: 'conditionalAccess', label: 'Conditional Access', value: (e) => conditionalAccessText(e.conditionalAccessStatus) },
    { key: 'resource', label: 'Resource', value: (e) => e.resourceDisplayName ?? '' },
    { key: 'resourceId', label: 'Resource ID', value: (e) => e.resourceId ?? '' },
    { key: 'clientApp', label: 'Client app', value: (e) => e.clientAppUsed ?? '' },
    { key: 'browser', label: 'Browser', value: (e) => e.deviceDetail?.browser ?? '' },
    { key: 'operatingSystem', label: 'Operating system', value: (e) => e.deviceDetail?.operatingSystem ?? '' },
    { key: 'correlationId', label: 'Correlation ID', value: (e) => e.correlationId ?? '' },
    { key: 'userAgent', label: 'User agent', value: (e) => e.userAgent ?? '' },
  ],
  // `tabs` limits a filter to the tabs where it means something (no user or client app on service principal sign-ins).
  filters: [
    { key: 'user', label: 'User', kind: 'text', placeholder: 'Name or UPN starts with', tabs: [...USER_TABS, 'all'],
      clause: (v) => `(startswith(userDisplayName, ${literal(v)}) or startswith(userPrincipalName, ${literal(v)}))` },
    { key: 'application', label: 'Application', kind: 'text', placeholder: 'Name starts with, or app ID',
      clause: (v) => `(startswith(appDisplayName, ${literal(v)}) or appId eq ${literal(v)})` },
    { key: 'status', label: 'Status', kind: 'select', options: () => [['success', 'Success'], ['failure', 'Failure']],
      clause: (v) => (v === 'success' ? 'status/errorCode eq 0' : v === 'failure' ? 'status/errorCode ne 0' : `status/errorCode eq ${literal(v)}`) },
    { key: 'ipAddress', label: 'IP address', kind: 'text', placeholder: 'Starts with',
      clause: (v) => `startswith(ipAddress, ${literal(v)})` },
    { key: 'errorCode', label: 'Sign-in error code', kind: 'text', placeholder: 'Exact number', pattern: '-?[0-9]+', inputMode: 'numeric',
      // Anything but a number goes to the API as a string, which answers what it accepts.
      clause: (v) => `status/errorCode eq ${/^-?\d+$/.test(v) ? v : literal(v)}` },
    { key: 'clientApp', label: 'Client app', kind: 'select', options: () => CLIENT_APPS, tabs: [...USER_TABS, 'all'],
      clause: (v) => `clientAppUsed eq ${literal(v)}` },
    { key: 'correlationId', label: 'Correlation ID', kind: 'text', placeholder: 'Exact id',
      clause: (v) => `correlationId eq ${literal(v)}` },
  ],
  detailsTitle: 'Activity details: sign-ins',
  details: signInDetails,
};

export const LOGS = [directoryAudits, signIns];

/** The log of the page (the server names it on <body data-log>), or the first. */
export const currentLog = () => LOGS.find((l) => l.key === document.body.dataset.log) ?? LOGS[0];

/** The API path, scope clause and tab of a state; a log without tabs has one scope, its own. */
export const scopeOf = (log, state) => log.scope?.(state) ?? { tab: null, apiPath: log.apiPath, clause: '' };

/** The filters a state's tab shows. */
export const filtersOf = (log, state) => {
  const tab = scopeOf(log, state).tab;
  return log.filters.filter((f) => !f.tabs || !tab || f.tabs.includes(tab.key));
};

/** The columns of a state's tab, each with isDefault for that tab, and the preference key its choice is saved under. */
export function columnSetOf(log, state) {
  const tab = scopeOf(log, state).tab;
  if (!tab) return { key: log.key, columns: log.columns };
  return { key: `${log.key}.${tab.key}`, columns: log.columns.map((c) => ({ ...c, isDefault: tab.columns.includes(c.key) })) };
}
