/**
 * What MessageMedia must hold after a sync with the daily template, worked out from the directory
 * data alone — independently of lib/mapping and lib/sync, from the documented behaviour:
 *
 * - scope: department Sales or Support (any case) and an enabled account (the template's filters);
 * - phone: the first of mobilePhone, businessPhones[0] that is a valid number and not a fixed line
 *   (SMS cannot reach one; the template leaves fixed lines out); numbers with letters or an extension
 *   are unusable; businessPhones[0] stands in for an unusable (not empty) mobilePhone only when it is a
 *   mobile or may be one; without + or 00 the user's usageLocation (else the template's default
 *   country, AU) gives the country; validity, type and E.164 come from libphonenumber-js directly;
 * - email: mail, when it looks like an address (otherwise the user is rejected);
 * - name: givenName / surname, or the display name split at its first space;
 * - lists: the department; link: custom field "Entra Object ID" = the user's object id;
 *   email in the custom field "Email";
 * - an unlinked contact with the same number as an in-scope user is adopted (keeps its id);
 *   other unlinked contacts are never touched.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

import type { SeedUser } from '../../fakes/types';
import type { ViewAccount, ViewContact } from './fakes-admin';

export const LINK_FIELD_LABEL = 'Entra Object ID';
export const EMAIL_FIELD_LABEL = 'Email';
export const TEMPLATE_DEFAULT_COUNTRY = 'AU';
const SCOPE_DEPARTMENTS = ['sales', 'support'];

export interface ExpectedContact {
	sourceId: string;
	firstName: string;
	lastName: string;
	phone: string;
	email: string;
	lists: string[];
}

export interface Expectation {
	contacts: ExpectedContact[];
	/** In-scope users without a usable phone number or email: no contact, reported as rejected. */
	rejected: string[];
}

export interface ExpectedNumber {
	e164: string;
	/** MOBILE or FIXED_LINE_OR_MOBILE. */
	mobile: boolean;
}

/** E.164 of a directory phone value, or undefined when it is not usable for SMS (fixed lines included). */
export function expectedPhone(raw: unknown, country: string | undefined): string | undefined {
	return expectedNumber(raw, country)?.e164;
}

function expectedNumber(raw: unknown, country: string | undefined): ExpectedNumber | undefined {
	if (typeof raw !== 'string' || raw.trim() === '') return undefined;
	const text = raw.trim();
	if (/[a-z]/i.test(text.replace(/^\+/, ''))) return undefined; // letters, including "ext" and "x"
	if (/[#;]/.test(text)) return undefined;
	let digits = text.replace(/\D/g, '');
	let international = text.startsWith('+');
	if (!international && digits.startsWith('00')) {
		digits = digits.slice(2);
		international = true;
	}
	if (!international && !country) return undefined;
	const parsed = international
		? parsePhoneNumberFromString(`+${digits}`)
		: parsePhoneNumberFromString(digits, country as CountryCode);
	if (!parsed?.isValid()) return undefined;
	const type = parsed.getType();
	if (type === 'FIXED_LINE') return undefined;
	return { e164: parsed.number, mobile: type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' };
}

/** The number the template takes from a user: mobilePhone, else businessPhones[0] (see the header). */
function expectedUserPhone(
	mobilePhone: unknown,
	business: unknown,
	country: string,
): string | undefined {
	const mobile = expectedNumber(mobilePhone, country);
	if (mobile) return mobile.e164;
	const fallback = expectedNumber(business, country);
	const mobileWasEmpty = typeof mobilePhone !== 'string' || mobilePhone.trim() === '';
	return fallback && (mobileWasEmpty || fallback.mobile) ? fallback.e164 : undefined;
}

function text(value: unknown): string | undefined {
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function inScope(user: SeedUser): boolean {
	const department = text(user.department)?.toLowerCase();
	return (
		user.accountEnabled === true &&
		department !== undefined &&
		SCOPE_DEPARTMENTS.includes(department)
	);
}

export function expectContacts(users: SeedUser[]): Expectation {
	const contacts: ExpectedContact[] = [];
	const rejected: string[] = [];
	for (const user of users.filter(inScope)) {
		const usage = text(user.usageLocation)?.toUpperCase();
		const country = usage && /^[A-Z]{2}$/.test(usage) ? usage : TEMPLATE_DEFAULT_COUNTRY;
		const business = Array.isArray(user.businessPhones) ? user.businessPhones[0] : undefined;
		const phone = expectedUserPhone(user.mobilePhone, business, country);
		const email = text(user.mail);
		if (!phone || (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))) {
			rejected.push(String(user.id));
			continue;
		}
		let firstName = text(user.givenName) ?? '';
		let lastName = text(user.surname) ?? '';
		if (!firstName && !lastName) {
			const display = text(user.displayName) ?? '';
			const space = display.indexOf(' ');
			firstName = space < 0 ? display : display.slice(0, space);
			lastName = space < 0 ? '' : display.slice(space + 1);
		}
		contacts.push({
			sourceId: String(user.id),
			firstName,
			lastName,
			phone,
			email: email ?? '',
			lists: [String(user.department).trim()],
		});
	}
	return { contacts, rejected };
}

/** A contact reduced to what the sync controls, with its custom fields by label. */
export interface ActualContact {
	id: string;
	firstName: string;
	lastName: string;
	phone: string;
	subscriptionState: string;
	email: string;
	lists: string[];
	link?: string;
}

export function actualContacts(account: ViewAccount): ActualContact[] {
	const labelOf = new Map(account.customFields.map((field) => [field.mergeTag, field.label]));
	return account.contacts.map((contact: ViewContact) => {
		const fields = new Map(
			contact.customFields.map((field) => [
				labelOf.get(field.mergeTag) ?? field.mergeTag,
				field.value,
			]),
		);
		const sms = contact.channels.find((channel) => channel.type === 'SMS');
		const link = fields.get(LINK_FIELD_LABEL);
		return {
			id: contact.id,
			firstName: contact.firstName,
			lastName: contact.lastName,
			phone: sms?.channelId ?? '',
			subscriptionState: sms?.subscriptionState ?? '',
			email: fields.get(EMAIL_FIELD_LABEL) ?? '',
			lists: contact.lists.map((list) => list.name).sort(),
			...(link ? { link } : {}),
		};
	});
}

/** Linked contacts in the shape of ExpectedContact (sorted by source id) for an exact comparison. */
export function linkedAsExpected(account: ViewAccount): ExpectedContact[] {
	return actualContacts(account)
		.filter((contact) => contact.link !== undefined)
		.map((contact) => ({
			sourceId: contact.link as string,
			firstName: contact.firstName,
			lastName: contact.lastName,
			phone: contact.phone,
			email: contact.email,
			lists: contact.lists,
		}))
		.sort((a, b) => a.sourceId.localeCompare(b.sourceId));
}

export function sortedExpectation(expectation: Expectation): ExpectedContact[] {
	return [...expectation.contacts]
		.map((contact) => ({ ...contact, lists: [...contact.lists].sort() }))
		.sort((a, b) => a.sourceId.localeCompare(b.sourceId));
}
