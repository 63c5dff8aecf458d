/**
 * The fake MessageMedia's contact operations: create, update (PATCH), read a page, with the checks the
 * vendor documents (E.164 channels, known lists and custom fields, values fit their field) and the one
 * the fake chooses where it documents nothing: a channel (type + channelId) belongs to one contact.
 *
 * PATCH of the arrays (`messageMediaPatchArrays`; the vendor does not say whether a sent array replaces
 * the stored one or merges into it):
 * - `replace` (default): `channels` replaces the channel set, and a channel sent without
 *   `subscriptionState` becomes SUBSCRIBED even if it was UNSUBSCRIBED; `customFields` sets the values
 *   sent, by id (`""` clears one) and keeps the others.
 * - `merge`: each sent channel is added or updated by type + channelId (its state kept unless sent;
 *   a new one defaults to SUBSCRIBED) and none is removed; custom field values as in `replace`.
 * - `replaceAll`: `channels` as in `replace`, and `customFields` replaces the stored values too: a
 *   custom field not sent loses its value (the harshest reading, for clients that send only changes).
 * `lists` always replaces the memberships.
 */
import { randomUUID } from 'node:crypto';

import { badRequest, conflict, notFound, str } from './messagemedia-api';
import { pageOf, type PagingOptions } from './messagemedia-paging';
import {
	E164,
	channelKey,
	indexChannels,
	now,
	setContact,
	unindexChannels,
	type CustomFieldType,
	type InvalidField,
	type MessageMediaAccount,
	type MessageMediaStore,
	type StoredContact,
	type StoredCustomField,
} from './messagemedia-store';
import type { FakeResponse } from './http-util';
import type { SeedChannel } from './types';

export const PATCH_ARRAYS_MODES = ['replace', 'merge', 'replaceAll'] as const;
export type PatchArrays = (typeof PATCH_ARRAYS_MODES)[number];

export interface ContactOptions extends PagingOptions {
	patchArrays?: () => PatchArrays;
}

function customFieldValueProblem(field: StoredCustomField, value: string): InvalidField['code'] | undefined {
	if (value.length > field.maxLength) return 'invalid_length';
	const valid: Record<CustomFieldType, (v: string) => boolean> = {
		DATE: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
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

function newChannel(channel: SeedChannel): SeedChannel {
	return { channelId: channel.channelId, type: channel.type, subscriptionState: channel.subscriptionState ?? 'SUBSCRIBED' };
}

/** `merge`: the stored channels, each sent one added or (its state, when sent) updated by type + channelId. */
function mergeChannels(stored: SeedChannel[], sent: SeedChannel[]): SeedChannel[] {
	const channels = stored.map((channel) => ({ ...channel }));
	for (const channel of sent) {
		const existing = channels.find((c) => channelKey(c) === channelKey(channel));
		if (existing === undefined) channels.push(newChannel(channel));
		else if (channel.subscriptionState !== undefined) existing.subscriptionState = channel.subscriptionState;
	}
	return channels;
}

export class ContactOperations {
	constructor(
		private readonly store: MessageMediaStore,
		private readonly options: ContactOptions,
	) {}

	contactOr404(account: MessageMediaAccount, id: string): StoredContact {
		const contact = account.contacts.get(id);
		if (!contact) throw notFound('Contact', id);
		return contact;
	}

	private checkContactBody(account: MessageMediaAccount, body: Record<string, unknown>, create: boolean): InvalidField[] {
		const problems: InvalidField[] = [];
		const channels = body.channels as SeedChannel[] | undefined;
		if (channels !== undefined) {
			if (channels.length === 0) problems.push({ name: 'channels', code: 'must_not_be_empty', reason: 'must not be empty' });
			const seen = new Set<string>();
			channels.forEach((channel, index) => {
				if (!E164.test(channel.channelId)) {
					problems.push({
						name: `channels[${index}].channelId`,
						channelType: channel.type === 'SMS' ? 'PHONE' : channel.type,
						code: 'invalid_format',
						reason: 'must be a phone number in E.164 format (+ and 7 to 15 digits)',
					});
				}
				const key = `${channel.type}|${channel.channelId}`;
				if (seen.has(key)) problems.push({ name: `channels[${index}]`, code: 'duplicated_value', reason: 'duplicated channel', invalidIds: [channel.channelId] });
				seen.add(key);
			});
		} else if (create) {
			problems.push({ name: 'channels', code: 'must_not_be_null', reason: 'must not be null' });
		}
		const lists = body.lists as Array<{ id: string }> | undefined;
		if (lists) {
			const unknown = lists.map((l) => l.id.toLowerCase()).filter((id) => !account.lists.has(id));
			if (unknown.length > 0) problems.push({ name: 'lists', code: 'invalid_reference', reason: 'list does not exist', invalidIds: unknown });
		}
		const customFields = body.customFields as Array<{ id: string; value: string }> | undefined;
		if (customFields) {
			const unknown: string[] = [];
			const seen = new Set<string>();
			customFields.forEach((entry, index) => {
				const id = entry.id.toLowerCase();
				const field = account.customFields.get(id);
				if (!field) {
					unknown.push(entry.id);
					return;
				}
				if (seen.has(id)) problems.push({ name: `customFields[${index}]`, code: 'duplicated_value', reason: 'duplicated custom field', invalidIds: [entry.id] });
				seen.add(id);
				if (entry.value === '') return;
				const problem = customFieldValueProblem(field, entry.value);
				if (problem === 'invalid_length') problems.push({ name: `customFields[${index}].value`, code: problem, reason: `length must be at most ${field.maxLength}` });
				else if (problem) problems.push({ name: `customFields[${index}].value`, code: problem, reason: `not a valid ${field.type} value` });
			});
			if (unknown.length > 0) problems.push({ name: 'customFields', code: 'invalid_reference', reason: 'custom field does not exist', invalidIds: unknown });
		}
		return problems;
	}

	private checkChannelConflict(account: MessageMediaAccount, channels: SeedChannel[], selfId?: string): void {
		for (const channel of channels) {
			const owner = account.channelOwners.get(channelKey(channel));
			if (owner !== undefined && owner !== selfId) {
				throw conflict(`A contact with channel ${channel.type} ${channel.channelId} already exists`);
			}
		}
	}

	createContact(account: MessageMediaAccount, body: Record<string, unknown>): Record<string, unknown> {
		const problems = this.checkContactBody(account, body, true);
		if (problems.length > 0) throw badRequest('Invalid contact', problems);
		const channels = (body.channels as SeedChannel[]).map(newChannel);
		this.checkChannelConflict(account, channels);
		const created = now();
		const contact: StoredContact = {
			id: randomUUID(),
			firstName: str(body.firstName),
			lastName: str(body.lastName),
			alias: str(body.alias),
			...(typeof body.dateOfBirth === 'string' ? { dateOfBirth: body.dateOfBirth } : {}),
			country: str(body.country),
			state: str(body.state),
			location: str(body.location),
			note: str(body.note),
			createdDate: created,
			lastModifiedDate: created,
			channels,
			lists: [...new Set(((body.lists as Array<{ id: string }> | undefined) ?? []).map((l) => l.id.toLowerCase()))],
			customFields: ((body.customFields as Array<{ id: string; value: string }> | undefined) ?? [])
				.filter((v) => v.value !== '')
				.map((v) => ({ id: v.id.toLowerCase(), value: v.value })),
		};
		setContact(account, contact);
		return this.store.contactData(account, contact);
	}

	updateContact(account: MessageMediaAccount, contact: StoredContact, body: Record<string, unknown>): Record<string, unknown> {
		const problems = this.checkContactBody(account, body, false);
		if (problems.length > 0) throw badRequest('Invalid contact', problems);
		if (body.channels) {
			const sent = body.channels as SeedChannel[];
			const channels = (this.options.patchArrays?.() ?? 'replace') === 'merge' ? mergeChannels(contact.channels, sent) : sent.map(newChannel);
			this.checkChannelConflict(account, channels, contact.id);
			unindexChannels(account, contact);
			contact.channels = channels;
			indexChannels(account, contact);
		}
		for (const key of ['firstName', 'lastName', 'alias', 'country', 'state', 'location', 'note'] as const) {
			if (typeof body[key] === 'string') contact[key] = body[key] as string;
		}
		if (typeof body.dateOfBirth === 'string') contact.dateOfBirth = body.dateOfBirth;
		if (body.lists) contact.lists = [...new Set((body.lists as Array<{ id: string }>).map((l) => l.id.toLowerCase()))];
		if (body.customFields && this.options.patchArrays?.() === 'replaceAll') {
			const sent = body.customFields as Array<{ id: string; value: string }>;
			contact.customFields = sent.filter((entry) => entry.value !== '').map((entry) => ({ id: entry.id.toLowerCase(), value: entry.value }));
		} else if (body.customFields) {
			for (const entry of body.customFields as Array<{ id: string; value: string }>) {
				const id = entry.id.toLowerCase();
				contact.customFields = contact.customFields.filter((v) => v.id !== id);
				if (entry.value !== '') contact.customFields.push({ id, value: entry.value });
			}
		}
		contact.lastModifiedDate = now();
		return this.store.contactData(account, contact);
	}

	contactsPage(account: MessageMediaAccount, query: URLSearchParams): FakeResponse {
		const listIds = query.getAll('listIds').map((s) => s.toLowerCase());
		const contactIds = query.getAll('contactIds').map((s) => s.toLowerCase());
		const channelIds = query.getAll('channelIds');
		const channelTypes = query.getAll('channelTypes');
		const state = query.get('channelSubscriptionState');
		const channelFilter = channelIds.length > 0 || channelTypes.length > 0 || state !== null;
		const items = [...account.contacts.values()].filter((c) => {
			if (listIds.length > 0 && !c.lists.some((id) => listIds.includes(id))) return false;
			if (contactIds.length > 0 && !contactIds.includes(c.id)) return false;
			if (channelFilter) {
				return c.channels.some(
					(ch) =>
						(channelIds.length === 0 || channelIds.includes(ch.channelId)) &&
						(channelTypes.length === 0 || channelTypes.includes(ch.type)) &&
						(state === null || ch.subscriptionState === state),
				);
			}
			return true;
		});
		return pageOf(query, items, (c) => this.store.contactData(account, c), this.options);
	}
}
