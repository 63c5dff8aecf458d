import { ConfigurationError } from '../common/errors';
import type { ContactFields, FieldProvenance, RejectCode, RejectedItem, RemovalReason, SyncItem } from '../types';
import { isEmptyPlaceholder } from '../types';
import { fingerprint } from './fingerprint';
import { splitDisplayName } from './names';
import { compileAttributePath } from './paths';
import { isCountryCode, resolveCountry } from './phone';
import { compilePhoneReader } from './phone-sources';
import { compileScope } from './scope';
import { FIELD_LIMITS, cleanText, truncateText } from './text';
import type { MappedField, MappedItem, MappingConfig, MappingRule } from './types';
import { CONTACT_FIELDS, DEFAULT_PHONE_SOURCES } from './types';
import { INVALID, describeType, isPlainObject, toText, type Reader, type RuleValues } from './values';

/**
 * The Contact Mapper: directory user → sync item. Compile once per run (all configuration errors
 * surface here, naming the key), then call the returned function per user; it never throws.
 *
 * Per user, in this order:
 * 1. `{}` (n8n's Always Output Data placeholder) → `null` (skip silently).
 * 2. no `id` → Rejected `missingId`.
 * 3. delta `@removed` → remove, reason `deleted` (Graph's deleted/changed) or `outOfScope` (the trigger's
 *    group-scope leavers); always emitted.
 * Mapped fields that are empty in the directory come out as "" (clear it), except dateOfBirth.
 * 4. `accountEnabled === false` → remove, reason `disabled`, whatever the filters say.
 * 5. outside the scope filters → remove, reason `outOfScope`.
 *    (4 and 5 are dropped instead with `outOfScopeHandling: "drop"`.)
 * 6. map the fields; any unusable value → Rejected with a code and the field; else upsert.
 */

export type MapResult = MappedItem | RejectedItem | null;
export type { RuleValues } from './values';
/** A compiled mapping: one directory user (or delta entry) → a contact, a removal, a rejection or nothing. */
export type MapUser = (item: unknown, ruleValues?: RuleValues) => MapResult;

export function isRejected(result: MappedItem | RejectedItem): result is RejectedItem {
	return 'code' in result;
}

/** A top-level Graph user property: the only attribute paths the sync writes back (plus businessPhones[0]). */
const TOP_LEVEL_ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Graph allows one business phone, so the first one is reversible; other multi-valued attributes are not. */
const BUSINESS_PHONE = /^businessPhones(?:\[0\])?$/;

/** The attribute a write-back of `field` sets when it was read through `path`, or undefined. */
function writeBackAttributeOf(path: string, field: MappedField): string | undefined {
	if (field === 'phone' && BUSINESS_PHONE.test(path)) return 'businessPhones[0]';
	if (!TOP_LEVEL_ATTRIBUTE.test(path) || path === 'businessPhones') return undefined;
	return ['lists', 'fullName', 'dateOfBirth'].includes(field) ? undefined : path;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** `YYYY-MM-DD` from a date or date-time; Graph's "no date" (year 0001) is empty. */
function toDate(text: string): string | undefined | typeof INVALID {
	const match = DATE.exec(text);
	if (!match) return INVALID;
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	if (year <= 1) return undefined;
	const date = new Date(Date.UTC(year, month - 1, day));
	if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return INVALID;
	return `${match[1]}-${match[2]}-${match[3]}`;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type SimpleField = 'alias' | 'note' | 'country' | 'state' | 'location';
const SIMPLE_FIELDS: SimpleField[] = ['alias', 'note', 'country', 'state', 'location'];

class Rejection {
	constructor(
		readonly code: RejectCode,
		readonly reason: string,
		readonly field: string,
	) {}
}

export function compileMapper(config: MappingConfig): MapUser {
	const outOfScopeHandling = config.outOfScopeHandling ?? 'remove';
	if (outOfScopeHandling !== 'remove' && outOfScopeHandling !== 'drop') {
		throw new ConfigurationError(`outOfScopeHandling must be "remove" or "drop" (got ${JSON.stringify(outOfScopeHandling)})`, 'outOfScopeHandling');
	}
	const truncation = config.truncation ?? 'truncate';
	if (truncation !== 'truncate' && truncation !== 'reject') {
		throw new ConfigurationError(`truncation must be "truncate" or "reject" (got ${JSON.stringify(truncation)})`, 'truncation');
	}
	const defaultCountryText = (config.defaultCountry ?? '').trim().toUpperCase();
	if (defaultCountryText !== '' && !isCountryCode(defaultCountryText)) {
		throw new ConfigurationError(
			`defaultCountry: "${config.defaultCountry}" is not an ISO 3166-1 alpha-2 country code (e.g. AU, GB, US)`,
			'defaultCountry',
		);
	}
	const defaultCountry = isCountryCode(defaultCountryText) ? defaultCountryText : undefined;
	const readCountry = config.countryAttribute?.trim()
		? compileAttributePath(config.countryAttribute, 'countryAttribute')
		: undefined;
	const dropOutOfScope = outOfScopeHandling === 'drop';
	const rejectLong = truncation === 'reject';
	const inScope = compileScope(config.filters ?? [], config.combineFilters ?? 'and');

	if (!Array.isArray(config.mapping)) throw new ConfigurationError('mapping must be a list of rules', 'mapping');
	const readers = new Map<MappedField, Reader[]>();
	const customReaders = new Map<string, Reader[]>();
	const phoneAttributes = new Set<string>();
	config.mapping.forEach((rule: MappingRule, index) => {
		const key = rule.key ?? `mapping[${index}]`;
		if (!(CONTACT_FIELDS as readonly string[]).includes(rule.field)) {
			throw new ConfigurationError(`${key}: unknown contact field ${JSON.stringify(rule.field)} (use one of ${CONTACT_FIELDS.join(', ')})`, key);
		}
		let reader: Reader;
		if (rule.kind === 'value') {
			reader = { read: (_user, values) => values?.get(index), label: key };
		} else {
			reader = {
				read: compileAttributePath(rule.source, key),
				label: rule.source.trim(),
				writeBackAttribute: writeBackAttributeOf(rule.source.trim(), rule.field),
			};
			if (rule.field === 'phone') phoneAttributes.add(rule.source.trim());
		}
		if (rule.field === 'customField') {
			const customKey = rule.customFieldKey?.trim();
			if (!customKey) throw new ConfigurationError(`${key}: a custom field needs its label or merge tag (customFieldKey)`, key);
			if (customKey === '__proto__') {
				// n8n copies item JSON by assignment, where this one key sets the prototype instead: the value would vanish.
				throw new ConfigurationError(`${key}: "__proto__" cannot be a custom field label or merge tag in an n8n item (rename the field)`, key);
			}
			customReaders.set(customKey, [...(customReaders.get(customKey) ?? []), reader]);
		} else {
			readers.set(rule.field, [...(readers.get(rule.field) ?? []), reader]);
		}
	});
	const rulesFor = (field: MappedField): Reader[] => readers.get(field) ?? [];

	const phoneReaders = [...rulesFor('phone')];
	(config.phoneSources ?? DEFAULT_PHONE_SOURCES).forEach((source, index) => {
		const path = source.trim();
		if (path === '' || phoneAttributes.has(path)) return;
		phoneAttributes.add(path);
		phoneReaders.push({ read: compileAttributePath(path, `phoneSources[${index}]`), label: path, writeBackAttribute: writeBackAttributeOf(path, 'phone') });
	});
	if (phoneReaders.length === 0) {
		throw new ConfigurationError('phoneSources: no phone source (map an attribute to "phone" or list phone attributes)', 'phoneSources');
	}
	const phoneLabels = phoneReaders.map((reader) => reader.label).join(', ');
	const readPhone = compilePhoneReader(phoneReaders, {
		country: (user) => (readCountry && resolveCountry(readCountry(user))) || defaultCountry,
		mobileOnly: config.mobileOnly === true,
		allowFixedLine: config.allowFixedLine === true,
	});
	/**
	 * A removal carries the user's number when the directory still has it (disabled, out of scope), so an
	 * incremental sync finds the contact with one look-up instead of reading every contact.
	 */
	const removal = (user: Record<string, unknown>, id: string, reason: RemovalReason, ruleValues: RuleValues | undefined): SyncItem => {
		const { phone } = readPhone(user, ruleValues);
		const item: SyncItem =
			phone === undefined ? { sourceId: id, action: 'remove', reason } : { sourceId: id, action: 'remove', reason, contact: { phone } };
		return stamp(item, user);
	};
	// reverse/bidirectional: every item says so; one-way items stay as they always were.
	const direction = config.direction === 'reverse' || config.direction === 'bidirectional' ? config.direction : undefined;
	// Write-back needs the user's own attributes (onPremisesSyncEnabled); otherwise `source` is opt-in,
	// as it repeats every user in the run's data (n8n keeps every node's items).
	const withSource = config.includeSource === true || direction !== undefined;
	const withFingerprint = config.includeFingerprint === true;
	function stamp<T extends SyncItem>(item: T, user: Record<string, unknown>): T {
		if (direction !== undefined) item.direction = direction;
		if (withSource) item.source = user;
		return item;
	}

	const fixedLists = (config.fixedLists ?? []).map((name, index) => {
		const cleaned = cleanText(name);
		if (cleaned.length > FIELD_LIMITS.listName) {
			throw new ConfigurationError(`fixedLists[${index}]: "${cleaned}" is longer than ${FIELD_LIMITS.listName} characters`, 'fixedLists');
		}
		return cleaned;
	});
	const listReaders = rulesFor('lists');
	const hasLists = listReaders.length > 0 || fixedLists.length > 0;
	const fullNameReaders = rulesFor('fullName');
	const firstNameReaders = rulesFor('firstName');
	const lastNameReaders = rulesFor('lastName');
	const emailReaders = rulesFor('email');
	const dateReaders = rulesFor('dateOfBirth');
	const simpleReaders = SIMPLE_FIELDS.map((field) => [field, rulesFor(field)] as const).filter(([, list]) => list.length > 0);

	return (item, ruleValues) => {
		if (!isPlainObject(item)) {
			return { code: 'invalidInput', reason: `The item is ${describeType(item)}, not a directory user object`, source: { value: item } };
		}
		if (isEmptyPlaceholder(item)) return null;
		const user = item;
		const id = user.id;
		if (typeof id !== 'string' || id.trim() === '') {
			return { code: 'missingId', reason: 'The user has no "id" (Entra object id) to link a contact to', field: 'id', source: user };
		}
		if (user['@removed'] !== undefined) {
			// Graph says `deleted` or `changed` (soft-deleted); the trigger says `outOfScope` for a user who left the group scope.
			const removedReason = (user['@removed'] as { reason?: unknown } | null)?.reason;
			return stamp({ sourceId: id, action: 'remove', reason: removedReason === 'outOfScope' ? 'outOfScope' : 'deleted' }, user);
		}
		if (user.accountEnabled === false) return dropOutOfScope ? null : removal(user, id, 'disabled', ruleValues);
		if (!inScope(user)) return dropOutOfScope ? null : removal(user, id, 'outOfScope', ruleValues);

		const truncated: string[] = [];
		const provenance: Record<string, FieldProvenance> = {};
		/** Records where `field` came from: the reader that gave the value, else the first one (an empty value is written there). */
		const trace = (field: string, reader: Reader | undefined, value: string | undefined) => {
			const attribute = reader?.writeBackAttribute;
			if (direction !== undefined && attribute !== undefined) provenance[field] = { attribute, value: value ?? null };
		};
		const firstText = (list: Reader[], field: string): string | undefined => {
			for (const reader of list) {
				const raw = reader.read(user, ruleValues);
				const text = toText(raw);
				if (text === INVALID) {
					throw new Rejection('invalidValue', `${reader.label} is ${describeType(raw)}, not text, so it cannot fill ${field}`, field);
				}
				if (text !== undefined) {
					// A multi-valued attribute (otherMails) can't be written back as one value.
					trace(field, Array.isArray(raw) ? undefined : reader, text);
					return text;
				}
			}
			// Empty: a value from MessageMedia would be written to the first attribute (not to a multi-valued one).
			if (list.length > 0 && !Array.isArray(list[0].read(user, ruleValues))) trace(field, list[0], undefined);
			return undefined;
		};
		const fit = (text: string, limit: number, field: string): string => {
			if (text.length <= limit) return text;
			if (rejectLong) {
				throw new Rejection('invalidValue', `${field} is ${text.length} characters long; MessageMedia's limit here is ${limit}`, field);
			}
			truncated.push(field);
			return truncateText(text, limit);
		};

		try {
			const contact: ContactFields = {};

			// Phone first: it is required (a MessageMedia contact needs an SMS channel).
			const { phone, from, failure } = readPhone(user, ruleValues);
			if (phone === undefined) {
				if (failure) throw new Rejection(failure.code, failure.reason, 'phone');
				throw new Rejection('missingPhone', `No phone number in ${phoneLabels}; an SMS contact needs one`, 'phone');
			}
			contact.phone = phone;
			if (direction !== undefined && from !== undefined) provenance.phone = from;

			let firstName = firstText(firstNameReaders, 'firstName');
			let lastName = firstText(lastNameReaders, 'lastName');
			if (fullNameReaders.length > 0 && (firstName === undefined || lastName === undefined)) {
				// The directory's structured name wins over splitting the display name.
				const given = toText(user.givenName);
				const surname = toText(user.surname);
				let parts;
				if ((given !== undefined && given !== INVALID) || (surname !== undefined && surname !== INVALID)) {
					parts = {
						firstName: given === INVALID ? undefined : given,
						lastName: surname === INVALID ? undefined : surname,
					};
					// The structured name is reversible: firstName ← givenName, lastName ← surname.
					const structured = (attribute: string, value: string | undefined): Reader => ({ read: () => value, label: attribute, writeBackAttribute: attribute });
					if (firstName === undefined && given !== INVALID) trace('firstName', structured('givenName', given), given);
					if (lastName === undefined && surname !== INVALID) trace('lastName', structured('surname', surname), surname);
				} else {
					// A split display name is not reversible (nothing says where first name ends).
					const full = firstText(fullNameReaders, 'fullName');
					if (firstName === undefined) delete provenance.firstName;
					if (lastName === undefined) delete provenance.lastName;
					parts = full === undefined ? {} : splitDisplayName(full);
				}
				firstName ??= parts.firstName;
				lastName ??= parts.lastName;
			}
			// A mapped field that is empty in the directory is sent as "" so the sync clears it in MessageMedia:
			// the directory is the source of truth for every field the mapping names.
			const mapsNames = fullNameReaders.length > 0;
			if (firstName !== undefined) contact.firstName = fit(firstName, FIELD_LIMITS.firstName, 'firstName');
			else if (mapsNames || firstNameReaders.length > 0) contact.firstName = '';
			if (lastName !== undefined) contact.lastName = fit(lastName, FIELD_LIMITS.lastName, 'lastName');
			else if (mapsNames || lastNameReaders.length > 0) contact.lastName = '';

			const email = firstText(emailReaders, 'email');
			if (email !== undefined) {
				// Length first: the pattern is quadratic on long text without an @ (30,000 characters took 1.7 s).
				if (email.length > FIELD_LIMITS.email || !EMAIL.test(email)) {
					throw new Rejection('invalidValue', `"${email.length > 300 ? `${email.slice(0, 300)}…` : email}" is not a usable email address`, 'email');
				}
				contact.email = email;
			} else if (emailReaders.length > 0) contact.email = '';

			if (hasLists) {
				const lists: string[] = [];
				const seen = new Set<string>();
				const add = (name: string) => {
					const folded = name.toLowerCase();
					if (seen.has(folded)) return;
					seen.add(folded);
					lists.push(name);
				};
				for (const reader of listReaders) {
					const raw = reader.read(user, ruleValues);
					for (const element of Array.isArray(raw) ? raw : [raw]) {
						const text = toText(element);
						if (text === INVALID) {
							throw new Rejection('invalidValue', `${reader.label} holds ${describeType(element)}, not a list name`, 'lists');
						}
						if (text !== undefined) add(fit(text, FIELD_LIMITS.listName, 'lists'));
					}
				}
				for (const name of fixedLists) add(name);
				contact.lists = lists;
			}

			for (const [field, list] of simpleReaders) {
				const text = firstText(list, field);
				contact[field] = text === undefined ? '' : fit(text, FIELD_LIMITS[field], field);
			}

			if (dateReaders.length > 0) {
				const text = firstText(dateReaders, 'dateOfBirth');
				const date = text === undefined ? undefined : toDate(text);
				if (date === INVALID) throw new Rejection('invalidValue', `"${text}" is not a date (YYYY-MM-DD)`, 'dateOfBirth');
				if (date !== undefined) contact.dateOfBirth = date;
			}

			if (customReaders.size > 0) {
				const customFields: Record<string, string> = {};
				for (const [customKey, list] of customReaders) {
					const text = firstText(list, `customFields.${customKey}`);
					// defineProperty: an own property whatever the label (`constructor`, `toString`…).
					Object.defineProperty(customFields, customKey, {
						value: text === undefined ? '' : fit(text, FIELD_LIMITS.customField, `customFields.${customKey}`),
						enumerable: true,
						writable: true,
						configurable: true,
					});
				}
				contact.customFields = customFields;
			}

			const mapped: MappedItem = { sourceId: id, action: 'upsert', contact };
			if (withFingerprint) mapped.fingerprint = fingerprint(contact);
			if (truncated.length > 0) mapped.truncated = [...new Set(truncated)];
			if (direction !== undefined) {
				// A cut value is not the directory's value: writing it back would lose the rest.
				for (const field of truncated) delete provenance[field];
				mapped.provenance = provenance;
			}
			return stamp(mapped, user);
		} catch (error) {
			if (!(error instanceof Rejection)) throw error;
			return { sourceId: id, code: error.code, reason: error.reason, field: error.field, source: user };
		}
	};
}
