import { ConfigurationError } from '../common/errors';
import type { ContactFields, RejectedItem, RemovalReason, SyncItem } from '../types';
import { isEmptyPlaceholder } from '../types';
import { Rejection, SIMPLE_FIELDS, UserFields, fillContact, type FieldRules } from './fields';
import { fingerprint } from './fingerprint';
import { compileAttributePath } from './paths';
import { isCountryCode, resolveCountry } from './phone';
import { compilePhoneReader } from './phone-sources';
import { compileScope } from './scope';
import { FIELD_LIMITS, cleanText } from './text';
import type { MappedField, MappedItem, MappingConfig, MappingRule } from './types';
import { CONTACT_FIELDS, DEFAULT_PHONE_SOURCES } from './types';
import { describeType, isPlainObject, type Reader, type RuleValues } from './values';

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
 * 6. map the fields (fields.ts); any unusable value → Rejected with a code and the field; else upsert.
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

export function compileMapper(config: MappingConfig): MapUser {
	const outOfScopeHandling = config.outOfScopeHandling ?? 'remove';
	if (outOfScopeHandling !== 'remove' && outOfScopeHandling !== 'drop') {
		throw new ConfigurationError(
			`outOfScopeHandling must be "remove" or "drop" (got ${JSON.stringify(outOfScopeHandling)})`,
			'outOfScopeHandling',
		);
	}
	const truncation = config.truncation ?? 'truncate';
	if (truncation !== 'truncate' && truncation !== 'reject') {
		throw new ConfigurationError(
			`truncation must be "truncate" or "reject" (got ${JSON.stringify(truncation)})`,
			'truncation',
		);
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

	if (!Array.isArray(config.mapping))
		throw new ConfigurationError('mapping must be a list of rules', 'mapping');
	const readers = new Map<MappedField, Reader[]>();
	const customReaders = new Map<string, Reader[]>();
	const phoneAttributes = new Set<string>();
	config.mapping.forEach((rule: MappingRule, index) => {
		const key = rule.key ?? `mapping[${index}]`;
		if (!(CONTACT_FIELDS as readonly string[]).includes(rule.field)) {
			throw new ConfigurationError(
				`${key}: unknown contact field ${JSON.stringify(rule.field)} (use one of ${CONTACT_FIELDS.join(', ')})`,
				key,
			);
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
			if (!customKey)
				throw new ConfigurationError(
					`${key}: a custom field needs its label or merge tag (customFieldKey)`,
					key,
				);
			if (customKey === '__proto__') {
				// n8n copies item JSON by assignment, where this one key sets the prototype instead: the value would vanish.
				throw new ConfigurationError(
					`${key}: "__proto__" cannot be a custom field label or merge tag in an n8n item (rename the field)`,
					key,
				);
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
		phoneReaders.push({
			read: compileAttributePath(path, `phoneSources[${index}]`),
			label: path,
			writeBackAttribute: writeBackAttributeOf(path, 'phone'),
		});
	});
	if (phoneReaders.length === 0) {
		throw new ConfigurationError(
			'phoneSources: no phone source (map an attribute to "phone" or list phone attributes)',
			'phoneSources',
		);
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
	const removal = (
		user: Record<string, unknown>,
		id: string,
		reason: RemovalReason,
		ruleValues: RuleValues | undefined,
	): SyncItem => {
		const { phone } = readPhone(user, ruleValues);
		const item: SyncItem =
			phone === undefined
				? { sourceId: id, action: 'remove', reason }
				: { sourceId: id, action: 'remove', reason, contact: { phone } };
		return stamp(item, user);
	};
	// reverse/bidirectional: every item says so; one-way items stay as they always were.
	const direction =
		config.direction === 'reverse' || config.direction === 'bidirectional'
			? config.direction
			: undefined;
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
			throw new ConfigurationError(
				`fixedLists[${index}]: "${cleaned}" is longer than ${FIELD_LIMITS.listName} characters`,
				'fixedLists',
			);
		}
		return cleaned;
	});
	const fieldRules: FieldRules = {
		firstName: rulesFor('firstName'),
		lastName: rulesFor('lastName'),
		fullName: rulesFor('fullName'),
		email: rulesFor('email'),
		lists: rulesFor('lists'),
		fixedLists,
		simple: SIMPLE_FIELDS.map((field) => [field, rulesFor(field)] as const).filter(
			([, list]) => list.length > 0,
		),
		dateOfBirth: rulesFor('dateOfBirth'),
		custom: customReaders,
	};

	return (item, ruleValues) => {
		if (!isPlainObject(item)) {
			return {
				code: 'invalidInput',
				reason: `The item is ${describeType(item)}, not a directory user object`,
				source: { value: item },
			};
		}
		if (isEmptyPlaceholder(item)) return null;
		const user = item;
		const id = user.id;
		if (typeof id !== 'string' || id.trim() === '') {
			return {
				code: 'missingId',
				reason: 'The user has no "id" (Entra object id) to link a contact to',
				field: 'id',
				source: user,
			};
		}
		if (user['@removed'] !== undefined) {
			// Graph says `deleted` or `changed` (soft-deleted); the trigger says `outOfScope` for a user who left the group scope.
			const removedReason = (user['@removed'] as { reason?: unknown } | null)?.reason;
			return stamp(
				{
					sourceId: id,
					action: 'remove',
					reason: removedReason === 'outOfScope' ? 'outOfScope' : 'deleted',
				},
				user,
			);
		}
		if (user.accountEnabled === false)
			return dropOutOfScope ? null : removal(user, id, 'disabled', ruleValues);
		if (!inScope(user)) return dropOutOfScope ? null : removal(user, id, 'outOfScope', ruleValues);

		const fields = new UserFields(user, ruleValues, {
			traced: direction !== undefined,
			rejectLong,
		});
		const { truncated, provenance } = fields;
		try {
			// Phone first: it is required (a MessageMedia contact needs an SMS channel).
			const { phone, from, failure } = readPhone(user, ruleValues);
			if (phone === undefined) {
				if (failure) throw new Rejection(failure.code, failure.reason, 'phone');
				throw new Rejection(
					'missingPhone',
					`No phone number in ${phoneLabels}; an SMS contact needs one`,
					'phone',
				);
			}
			const contact: ContactFields = { phone };
			if (direction !== undefined && from !== undefined) provenance.phone = from;
			fillContact(contact, fields, fieldRules);

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
			return {
				sourceId: id,
				code: error.code,
				reason: error.reason,
				field: error.field,
				source: user,
			};
		}
	};
}
