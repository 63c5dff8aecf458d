/**
 * One user's contact fields for the Contact Mapper (all but phone): the first usable text of each
 * field's rules, MessageMedia's length limits, and where each value came from (for write-back).
 */

import type { ContactFields, FieldProvenance, RejectCode } from '../types';
import { splitDisplayName } from './names';
import { FIELD_LIMITS, truncateText } from './text';
import { INVALID, describeType, toText, type Reader, type RuleValues } from './values';

/** A value the contact cannot take: the user comes out Rejected with this code, reason, field. */
export class Rejection {
	constructor(
		readonly code: RejectCode,
		readonly reason: string,
		readonly field: string,
	) {}
}

export type SimpleField = 'alias' | 'note' | 'country' | 'state' | 'location';
export const SIMPLE_FIELDS: SimpleField[] = ['alias', 'note', 'country', 'state', 'location'];

/** The compiled rules of every contact field but phone. */
export interface FieldRules {
	firstName: Reader[];
	lastName: Reader[];
	fullName: Reader[];
	email: Reader[];
	lists: Reader[];
	/** List names every contact gets (cleaned, within the length limit). */
	fixedLists: string[];
	/** Only the simple fields some rule maps. */
	simple: Array<readonly [SimpleField, Reader[]]>;
	dateOfBirth: Reader[];
	/** By custom field label or merge tag. */
	custom: Map<string, Reader[]>;
}

/** Reads one user's fields; records the fields it cut and, on two-way runs, their provenance. */
export class UserFields {
	readonly truncated: string[] = [];
	readonly provenance: Record<string, FieldProvenance> = {};

	constructor(
		readonly user: Record<string, unknown>,
		readonly ruleValues: RuleValues | undefined,
		private readonly options: { traced: boolean; rejectLong: boolean },
	) {}

	/** Records where `field` came from: the reader that gave the value, else the first one (an empty value is written there). */
	trace(field: string, reader: Reader | undefined, value: string | undefined): void {
		const attribute = reader?.writeBackAttribute;
		if (this.options.traced && attribute !== undefined)
			this.provenance[field] = { attribute, value: value ?? null };
	}

	firstText(list: Reader[], field: string): string | undefined {
		for (const reader of list) {
			const raw = reader.read(this.user, this.ruleValues);
			const text = toText(raw);
			if (text === INVALID) {
				throw new Rejection(
					'invalidValue',
					`${reader.label} is ${describeType(raw)}, not text, so it cannot fill ${field}`,
					field,
				);
			}
			if (text !== undefined) {
				// A multi-valued attribute (otherMails) can't be written back as one value.
				this.trace(field, Array.isArray(raw) ? undefined : reader, text);
				return text;
			}
		}
		// Empty: a value from MessageMedia would be written to the first attribute (not to a multi-valued one).
		if (list.length > 0 && !Array.isArray(list[0].read(this.user, this.ruleValues)))
			this.trace(field, list[0], undefined);
		return undefined;
	}

	fit(text: string, limit: number, field: string): string {
		if (text.length <= limit) return text;
		if (this.options.rejectLong) {
			throw new Rejection(
				'invalidValue',
				`${field} is ${text.length} characters long; MessageMedia's limit here is ${limit}`,
				field,
			);
		}
		this.truncated.push(field);
		return truncateText(text, limit);
	}
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** `YYYY-MM-DD` from a date or date-time; Graph's "no date" (year 0001) is empty. */
function toDate(text: string): string | undefined | typeof INVALID {
	const match = DATE.exec(text);
	if (!match) return INVALID;
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	if (year <= 1) return undefined;
	const date = new Date(Date.UTC(year, month - 1, day));
	if (
		date.getUTCFullYear() !== year ||
		date.getUTCMonth() !== month - 1 ||
		date.getUTCDate() !== day
	)
		return INVALID;
	return `${match[1]}-${match[2]}-${match[3]}`;
}

/**
 * Fills `contact` with every mapped field but phone; an unusable value throws a Rejection. A mapped
 * field that is empty in the directory is sent as "" so the sync clears it in MessageMedia (the
 * directory is the source of truth for every field the mapping names), except dateOfBirth.
 */
export function fillContact(contact: ContactFields, fields: UserFields, rules: FieldRules): void {
	fillNames(contact, fields, rules);

	const email = fields.firstText(rules.email, 'email');
	if (email !== undefined) {
		// Length first: the pattern is quadratic on long text without an @ (30,000 characters took 1.7 s).
		if (email.length > FIELD_LIMITS.email || !EMAIL.test(email)) {
			throw new Rejection(
				'invalidValue',
				`"${email.length > 300 ? `${email.slice(0, 300)}…` : email}" is not a usable email address`,
				'email',
			);
		}
		contact.email = email;
	} else if (rules.email.length > 0) contact.email = '';

	if (rules.lists.length > 0 || rules.fixedLists.length > 0) {
		const lists: string[] = [];
		const seen = new Set<string>();
		const add = (name: string) => {
			const folded = name.toLowerCase();
			if (seen.has(folded)) return;
			seen.add(folded);
			lists.push(name);
		};
		for (const reader of rules.lists) {
			const raw = reader.read(fields.user, fields.ruleValues);
			for (const element of Array.isArray(raw) ? raw : [raw]) {
				const text = toText(element);
				if (text === INVALID) {
					throw new Rejection(
						'invalidValue',
						`${reader.label} holds ${describeType(element)}, not a list name`,
						'lists',
					);
				}
				if (text !== undefined) add(fields.fit(text, FIELD_LIMITS.listName, 'lists'));
			}
		}
		for (const name of rules.fixedLists) add(name);
		contact.lists = lists;
	}

	for (const [field, list] of rules.simple) {
		const text = fields.firstText(list, field);
		contact[field] = text === undefined ? '' : fields.fit(text, FIELD_LIMITS[field], field);
	}

	if (rules.dateOfBirth.length > 0) {
		const text = fields.firstText(rules.dateOfBirth, 'dateOfBirth');
		const date = text === undefined ? undefined : toDate(text);
		if (date === INVALID)
			throw new Rejection('invalidValue', `"${text}" is not a date (YYYY-MM-DD)`, 'dateOfBirth');
		if (date !== undefined) contact.dateOfBirth = date;
	}

	if (rules.custom.size > 0) {
		const customFields: Record<string, string> = {};
		for (const [customKey, list] of rules.custom) {
			const text = fields.firstText(list, `customFields.${customKey}`);
			// defineProperty: an own property whatever the label (`constructor`, `toString`…).
			Object.defineProperty(customFields, customKey, {
				value:
					text === undefined
						? ''
						: fields.fit(text, FIELD_LIMITS.customField, `customFields.${customKey}`),
				enumerable: true,
				writable: true,
				configurable: true,
			});
		}
		contact.customFields = customFields;
	}
}

/**
 * First and last name: their own rules, else the directory's structured name (givenName, surname),
 * else the full name split in two.
 */
function fillNames(contact: ContactFields, fields: UserFields, rules: FieldRules): void {
	const { user, provenance } = fields;
	let firstName = fields.firstText(rules.firstName, 'firstName');
	let lastName = fields.firstText(rules.lastName, 'lastName');
	if (rules.fullName.length > 0 && (firstName === undefined || lastName === undefined)) {
		// The directory's structured name wins over splitting the display name.
		const given = toText(user.givenName);
		const surname = toText(user.surname);
		let parts;
		if (
			(given !== undefined && given !== INVALID) ||
			(surname !== undefined && surname !== INVALID)
		) {
			parts = {
				firstName: given === INVALID ? undefined : given,
				lastName: surname === INVALID ? undefined : surname,
			};
			// The structured name is reversible: firstName ← givenName, lastName ← surname.
			const structured = (attribute: string, value: string | undefined): Reader => ({
				read: () => value,
				label: attribute,
				writeBackAttribute: attribute,
			});
			if (firstName === undefined && given !== INVALID)
				fields.trace('firstName', structured('givenName', given), given);
			if (lastName === undefined && surname !== INVALID)
				fields.trace('lastName', structured('surname', surname), surname);
		} else {
			// A split display name is not reversible (nothing says where first name ends).
			const full = fields.firstText(rules.fullName, 'fullName');
			if (firstName === undefined) delete provenance.firstName;
			if (lastName === undefined) delete provenance.lastName;
			parts = full === undefined ? {} : splitDisplayName(full);
		}
		firstName ??= parts.firstName;
		lastName ??= parts.lastName;
	}
	const mapsNames = rules.fullName.length > 0;
	if (firstName !== undefined)
		contact.firstName = fields.fit(firstName, FIELD_LIMITS.firstName, 'firstName');
	else if (mapsNames || rules.firstName.length > 0) contact.firstName = '';
	if (lastName !== undefined)
		contact.lastName = fields.fit(lastName, FIELD_LIMITS.lastName, 'lastName');
	else if (mapsNames || rules.lastName.length > 0) contact.lastName = '';
}
