/**
 * Turns contact values (as a user maps them) into MessageMedia create/update request bodies.
 *
 * Consent rule: an update never changes an existing channel's `subscriptionState` unless the caller sets
 * `subscriptionState` explicitly. `channels` are sent only when the SMS number or the explicit state
 * actually changes (PATCH semantics for arrays are undocumented: they may replace the stored set).
 * Empty values mean "not mapped" and are left out (how the API clears a field is undocumented).
 */

import { ConfigurationError } from '../common/errors';
import type { ContactFields } from '../types';
import type {
	Contact,
	CreateContactRequest,
	CustomField,
	SubscriptionState,
	UpdateContactRequest,
	WritableChannel,
} from './types';

/** Values for one contact: ContactFields minus what only the sync manages (email, list names). */
export interface ContactInput extends Omit<ContactFields, 'email' | 'lists'> {
	/** Set only when the user explicitly chose a subscription state for the SMS channel. */
	subscriptionState?: SubscriptionState;
	/** List ids to join on create. */
	listIds?: string[];
}

/** The plain attributes a contact request can carry, in API order. */
export const CONTACT_ATTRIBUTES = [
	'firstName',
	'lastName',
	'alias',
	'country',
	'state',
	'location',
	'note',
	'dateOfBirth',
] as const;

type ContactAttribute = (typeof CONTACT_ATTRIBUTES)[number];

const E164 = /^\+[1-9]\d{6,14}$/;
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function isE164(phone: string): boolean {
	return E164.test(phone);
}

function clean(value: string | undefined): string | undefined {
	if (value === undefined || value === null) return undefined;
	const trimmed = String(value).trim();
	return trimmed === '' ? undefined : trimmed;
}

function attributes(input: ContactInput): Partial<Record<ContactAttribute, string>> {
	const out: Partial<Record<ContactAttribute, string>> = {};
	for (const name of CONTACT_ATTRIBUTES) {
		const value = clean(input[name]);
		if (value !== undefined) out[name] = value;
	}
	if (out.dateOfBirth !== undefined && !ISO_DATE.test(out.dateOfBirth)) {
		throw new ConfigurationError(
			`Date of birth "${out.dateOfBirth}" is not a date in YYYY-MM-DD form`,
			'dateOfBirth',
		);
	}
	return out;
}

function phoneOf(input: ContactInput): string | undefined {
	const phone = clean(input.phone);
	if (phone !== undefined && !isE164(phone)) {
		throw new ConfigurationError(
			`Phone "${phone}" is not an E.164 number such as +61491570156`,
			'phone',
		);
	}
	return phone;
}

/**
 * Custom field values keyed by merge tag (exact) or label (case-insensitive) → `[{id, value}]`.
 * Throws `ConfigurationError` for a key no custom field has.
 */
export function resolveCustomFieldValues(
	values: Record<string, string> | undefined,
	fields: CustomField[],
): Array<{ id: string; value: string }> {
	const resolved: Array<{ id: string; value: string }> = [];
	for (const [key, raw] of Object.entries(values ?? {})) {
		const value = clean(raw);
		if (value === undefined) continue;
		const field =
			fields.find((candidate) => candidate.mergeTag === key) ??
			fields.find((candidate) => candidate.label.toLowerCase() === key.toLowerCase());
		if (!field)
			throw new ConfigurationError(
				`No MessageMedia custom field has the merge tag or label "${key}"`,
				key,
			);
		resolved.push({ id: field.id, value });
	}
	return resolved;
}

export function buildCreateContactRequest(
	input: ContactInput,
	customFields: CustomField[],
): CreateContactRequest {
	const phone = phoneOf(input);
	if (phone === undefined)
		throw new ConfigurationError('A contact needs a phone number (E.164) to be created', 'phone');
	const channel: WritableChannel = { channelId: phone, type: 'SMS' };
	if (input.subscriptionState) channel.subscriptionState = input.subscriptionState;
	const body: CreateContactRequest = { ...attributes(input), channels: [channel] };
	const listIds = (input.listIds ?? []).filter((id) => clean(id) !== undefined);
	if (listIds.length) body.lists = listIds.map((id) => ({ id }));
	const values = resolveCustomFieldValues(input.customFields, customFields);
	if (values.length) body.customFields = values;
	return body;
}

/** True when building the update needs the stored contact (its channels). */
export function updateNeedsExistingContact(input: ContactInput): boolean {
	return clean(input.phone) !== undefined || input.subscriptionState !== undefined;
}

/**
 * The PATCH body for `input` against the stored contact. `existing` is required when
 * `updateNeedsExistingContact(input)`. Returns an empty object when there is nothing to send.
 */
export function buildUpdateContactRequest(
	input: ContactInput,
	customFields: CustomField[],
	existing?: Contact,
): UpdateContactRequest {
	const body: UpdateContactRequest = { ...attributes(input) };
	const values = resolveCustomFieldValues(input.customFields, customFields);
	if (values.length) body.customFields = values;

	const phone = phoneOf(input);
	if (phone === undefined && input.subscriptionState === undefined) return body;
	if (!existing)
		throw new ConfigurationError(
			'Changing the phone or subscription state needs the stored contact',
		);

	const writable: WritableChannel[] = existing.channels
		.filter((channel) => channel.type === 'SMS' || channel.type === 'WHATSAPP')
		.map((channel) => ({ ...channel, type: channel.type as WritableChannel['type'] }));
	const smsIndex = writable.findIndex((channel) => channel.type === 'SMS');
	const current = smsIndex >= 0 ? writable[smsIndex] : undefined;

	const channelId = phone ?? current?.channelId;
	if (channelId === undefined) {
		throw new ConfigurationError(
			`Contact ${existing.id} has no SMS channel to set the subscription state on; map a phone number too`,
			'subscriptionState',
		);
	}
	const next: WritableChannel = { channelId, type: 'SMS' };
	const state = input.subscriptionState ?? current?.subscriptionState;
	if (state) next.subscriptionState = state;

	if (
		current &&
		current.channelId === next.channelId &&
		current.subscriptionState === next.subscriptionState
	)
		return body;
	if (smsIndex >= 0) writable[smsIndex] = next;
	else writable.push(next);
	body.channels = writable;
	return body;
}
