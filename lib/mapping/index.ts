/** The Contact Mapper engine: configuration, scope filters, E.164 phones, text hygiene, fingerprints. */
export { parseListNames, parseSeedConfiguration, resolveContactField } from './config';
export { fingerprint } from './fingerprint';
export type { MapResult, MapUser, RuleValues } from './mapper';
export { compileMapper, isRejected } from './mapper';
export { splitDisplayName } from './names';
export { compileAttributePath } from './paths';
export type { PhoneOptions, PhoneResult } from './phone';
export { isCountryCode, normalisePhone, resolveCountry } from './phone';
export type { ScopePredicate } from './scope';
export { compileScope } from './scope';
export { FIELD_LIMITS, cleanText, truncateText } from './text';
export * from './types';
