// Log definitions: what the list view needs to show one activity log. Sign-in and provisioning logs join as new
// entries of LOGS (API path, columns, filters); the list view, filters, paging and details stay as they are.

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

const capitalize = (text) => (text ? text[0].toUpperCase() + text.slice(1) : '');

export const directoryAudits = {
  key: 'directoryAudits',
  title: 'Audit logs',
  apiPath: '/v1.0/auditLogs/directoryAudits',
  dateField: 'activityDateTime',
  pageSize: 50,
  // Reference §6.2. Service, Category and Activity stay visible: their values explain each other.
  columns: [
    { key: 'date', label: 'Date', isDefault: true, locked: true, sortable: true, value: (e) => e.activityDateTime, format: 'date' },
    { key: 'service', label: 'Service', isDefault: true, locked: true, value: (e) => e.loggedByService ?? '' },
    { key: 'category', label: 'Category', isDefault: true, locked: true, value: (e) => e.category ?? '' },
    { key: 'activity', label: 'Activity', isDefault: true, locked: true, value: (e) => e.activityDisplayName ?? '' },
    { key: 'status', label: 'Status', isDefault: true, value: (e) => capitalize(e.result) },
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
    { key: 'activity', label: 'Activity', kind: 'typeahead', options: (c) => c.activities.map((a) => a.displayName),
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
  details: 'directoryAudit',
};

export const LOGS = [directoryAudits];
