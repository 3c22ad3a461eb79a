// How log values read on screen, the same in the list and the details pane (Entra's spellings).

/** A directory audit's result: Success, Failure. */
export const resultText = (result) => ({ success: 'Success', failure: 'Failure' })[result] ?? (result ? result[0].toUpperCase() + result.slice(1) : '');

/** A sign-in's status: error code 0 is Success, any other Failure. */
export const signInStatus = (e) => (e.status?.errorCode === 0 ? 'Success' : 'Failure');

/** conditionalAccessStatus as the portal writes it. */
export const conditionalAccessText = (status) =>
  ({ notApplied: 'Not applied', success: 'Success', failure: 'Failure' })[status] ?? (status ?? '');

/** "Redmond, Washington, US": the parts of a sign-in's location it has. */
export const locationText = (e) => [e.location?.city, e.location?.state, e.location?.countryOrRegion].filter(Boolean).join(', ');

const EVENT_TYPES = { interactiveUser: 'Interactive user', nonInteractiveUser: 'Non-interactive user', servicePrincipal: 'Service principal',
  managedIdentity: 'Managed identity' };

/** beta's signInEventTypes of a sign-in, in words. */
export const eventTypeText = (e) => (e.signInEventTypes ?? []).map((t) => EVENT_TYPES[t] ?? t).join(', ');
