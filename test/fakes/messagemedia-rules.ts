/**
 * The vendor's rules for contact writes, in one place for both MessageMedia models: the HTTPS fake
 * (messagemedia-contacts.ts) and the in-memory client of the sync tests (test/unit/sync/memoryClient.ts).
 *
 * - Channels: only SMS and WHATSAPP can be written (the request schemas' enum), ids in E.164, no channel
 *   twice in one body; a channel sent without `subscriptionState` is stored SUBSCRIBED.
 * - Custom field values must fit the field: its max length and its type; `""` clears a value.
 * - PATCH of the arrays (the vendor does not say whether a sent array replaces the stored one or
 *   merges into it), `PatchArrays`:
 *   - `replace`: `channels` replaces the channel set (a channel sent without a state becomes SUBSCRIBED,
 *     even if it was UNSUBSCRIBED); `customFields` sets the values sent, by id, and keeps the others.
 *   - `merge`: each sent channel is added or updated by type + channelId (its state kept unless sent)
 *     and none is removed; custom field values as in `replace`.
 *   - `replaceAll`: `channels` as in `replace`, and `customFields` replaces the stored values too: a
 *     custom field not sent loses its value (the harshest reading, for clients that send only changes).
 */
import {
	E164,
	channelKey,
	type CustomFieldType,
	type InvalidField,
	type StoredCustomField,
} from './messagemedia-store';
import type { SeedChannel } from './types';

export const PATCH_ARRAYS_MODES = ['replace', 'merge', 'replaceAll'] as const;
export type PatchArrays = (typeof PATCH_ARRAYS_MODES)[number];

/** Channel types a contact request may carry. */
export const WRITABLE_CHANNEL_TYPES: ReadonlySet<string> = new Set(['SMS', 'WHATSAPP']);

export interface FieldValue {
	id: string;
	value: string;
}

/** What is wrong with a body's channels (empty, a type that can't be written, not E.164, sent twice). */
export function channelProblems(channels: SeedChannel[]): InvalidField[] {
	const problems: InvalidField[] = [];
	if (channels.length === 0)
		problems.push({ name: 'channels', code: 'must_not_be_empty', reason: 'must not be empty' });
	const seen = new Set<string>();
	channels.forEach((channel, index) => {
		if (!WRITABLE_CHANNEL_TYPES.has(channel.type)) {
			problems.push({
				name: `channels[${index}].type`,
				code: 'invalid_format',
				reason: `must be one of ${[...WRITABLE_CHANNEL_TYPES].join(', ')}`,
			});
		}
		if (!E164.test(channel.channelId)) {
			problems.push({
				name: `channels[${index}].channelId`,
				channelType: channel.type === 'SMS' ? 'PHONE' : channel.type,
				code: 'invalid_format',
				reason: 'must be a phone number in E.164 format (+ and 7 to 15 digits)',
			});
		}
		const key = channelKey(channel);
		if (seen.has(key))
			problems.push({
				name: `channels[${index}]`,
				code: 'duplicated_value',
				reason: 'duplicated channel',
				invalidIds: [channel.channelId],
			});
		seen.add(key);
	});
	return problems;
}

/** A channel as stored from a request: SUBSCRIBED unless the request says otherwise. */
export function newChannel(channel: SeedChannel): SeedChannel {
	return {
		channelId: channel.channelId,
		type: channel.type,
		subscriptionState: channel.subscriptionState ?? 'SUBSCRIBED',
	};
}

/** The channels after a PATCH that sent `sent`, under the reading. */
export function patchChannels(
	stored: SeedChannel[],
	sent: SeedChannel[],
	reading: PatchArrays,
): SeedChannel[] {
	if (reading !== 'merge') return sent.map(newChannel);
	const channels = stored.map((channel) => ({ ...channel }));
	for (const channel of sent) {
		const existing = channels.find((c) => channelKey(c) === channelKey(channel));
		if (existing === undefined) channels.push(newChannel(channel));
		else if (channel.subscriptionState !== undefined)
			existing.subscriptionState = channel.subscriptionState;
	}
	return channels;
}

/** The custom field values after a write that sent `sent` (ids as stored), under the reading (a create: `replaceAll`). */
export function patchFieldValues(
	stored: FieldValue[],
	sent: FieldValue[],
	reading: PatchArrays,
): FieldValue[] {
	const values = reading === 'replaceAll' ? [] : stored.map((entry) => ({ ...entry }));
	for (const { id, value } of sent) {
		const at = values.findIndex((entry) => entry.id === id);
		if (at >= 0) values.splice(at, 1);
		if (value !== '') values.push({ id, value });
	}
	return values;
}

/** Why a value does not fit its custom field (`invalid_length` or `invalid_format`), or undefined. */
export function customFieldValueProblem(
	field: Pick<StoredCustomField, 'maxLength' | 'type'>,
	value: string,
): InvalidField['code'] | undefined {
	if (value.length > field.maxLength) return 'invalid_length';
	const valid: Record<CustomFieldType, (v: string) => boolean> = {
		DATE: (v) =>
			/^\d{4}-\d{2}-\d{2}$/.test(v) &&
			!Number.isNaN(Date.parse(`${v}T00:00:00Z`)) &&
			new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
		NUMBER: (v) => /^-?\d+(\.\d+)?$/.test(v),
		PHONE: (v) => E164.test(v),
		TEXT: () => true,
		NAME: () => true,
		URL: (v) => /^https?:\/\/[^\s/$.?#].[^\s]*$/i.test(v),
		ZIP_CODE: (v) => /^[A-Za-z0-9 -]{3,10}$/.test(v),
		EMAIL: (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v),
	};
	return valid[field.type](value) ? undefined : 'invalid_format';
}

/** What is wrong with a new custom field: an empty label, a merge tag of other characters, a max length out of 1..1000. */
export function customFieldProblems(body: {
	label: string;
	mergeTag: string;
	maxLength: number;
}): InvalidField[] {
	const problems: InvalidField[] = [];
	if (body.label.trim() === '')
		problems.push({ name: 'label', code: 'must_not_be_empty', reason: 'must not be empty' });
	if (!/^[A-Za-z0-9_]+$/.test(body.mergeTag))
		problems.push({
			name: 'mergeTag',
			code: 'invalid_format',
			reason: 'only letters, digits and underscores',
		});
	problems.push(...maxLengthProblems(body.maxLength));
	return problems;
}

export function maxLengthProblems(maxLength: number): InvalidField[] {
	return maxLength < 1 || maxLength > 1000
		? [{ name: 'maxLength', code: 'constraint_violation', reason: 'must be between 1 and 1000' }]
		: [];
}

/** Merge tags are unique per account, whatever their case (a second one → 409). */
export function mergeTagTaken(fields: Iterable<{ mergeTag: string }>, mergeTag: string): boolean {
	return [...fields].some((field) => field.mergeTag.toLowerCase() === mergeTag.toLowerCase());
}

/** List names must not be empty and are unique per account, whatever their case (the fake's choice: a second one → 409). */
export function listNameProblem(
	lists: Iterable<{ id: string; name: string }>,
	name: string,
	selfId?: string,
): 'empty' | 'taken' | undefined {
	if (name.trim() === '') return 'empty';
	return [...lists].some(
		(list) => list.id !== selfId && list.name.toLowerCase() === name.toLowerCase(),
	)
		? 'taken'
		: undefined;
}

/** The contacts-API filters of a contacts page (`GET /contacts`). */
export interface ContactQuery {
	listIds?: string[];
	contactIds?: string[];
	channelIds?: string[];
	channelTypes?: string[];
	channelSubscriptionState?: string;
}

/**
 * Whether a contact passes the filters: in any of the lists, one of the ids, and (when a channel filter
 * is given) holding one channel that meets every channel filter.
 */
export function contactMatches(
	contact: { id: string; listIds: string[]; channels: SeedChannel[] },
	query: ContactQuery,
): boolean {
	if (query.listIds?.length && !contact.listIds.some((id) => query.listIds?.includes(id)))
		return false;
	if (query.contactIds?.length && !query.contactIds.includes(contact.id)) return false;
	const channelFilter = Boolean(
		query.channelIds?.length || query.channelTypes?.length || query.channelSubscriptionState,
	);
	if (!channelFilter) return true;
	return contact.channels.some(
		(channel) =>
			(!query.channelIds?.length || query.channelIds.includes(channel.channelId)) &&
			(!query.channelTypes?.length || query.channelTypes.includes(channel.type)) &&
			(!query.channelSubscriptionState ||
				channel.subscriptionState === query.channelSubscriptionState),
	);
}
