/**
 * The fake MessageMedia's contact operations: create, update (PATCH), read a page, with the vendor's
 * rules for contact writes (messagemedia-rules.ts: channels, custom field values, the PATCH readings
 * `messageMediaPatchArrays`), known lists and custom fields, and the rule the fake chooses where the
 * vendor documents nothing: a channel (type + channelId) belongs to one contact. `lists` always
 * replaces the memberships.
 */
import { randomUUID } from 'node:crypto';

import { badRequest, conflict, notFound, str } from './messagemedia-api';
import { pageOf, type PagingOptions } from './messagemedia-paging';
import {
	channelProblems,
	contactMatches,
	customFieldValueProblem,
	newChannel,
	patchChannels,
	patchFieldValues,
	type ContactQuery,
	type FieldValue,
	type PatchArrays,
} from './messagemedia-rules';
import {
	channelKey,
	indexChannels,
	now,
	setContact,
	unindexChannels,
	type InvalidField,
	type MessageMediaAccount,
	type MessageMediaStore,
	type StoredContact,
} from './messagemedia-store';
import type { FakeResponse } from './http-util';
import type { SeedChannel } from './types';

export interface ContactOptions extends PagingOptions {
	patchArrays?: () => PatchArrays;
}

/** A body's custom field values, ids as stored (lower case). */
function sentFieldValues(body: Record<string, unknown>): FieldValue[] {
	return ((body.customFields as FieldValue[] | undefined) ?? []).map((entry) => ({
		id: entry.id.toLowerCase(),
		value: entry.value,
	}));
}

export class ContactOperations {
	constructor(
		private readonly store: MessageMediaStore,
		private readonly options: ContactOptions,
	) {}

	private reading(): PatchArrays {
		return this.options.patchArrays?.() ?? 'replace';
	}

	contactOr404(account: MessageMediaAccount, id: string): StoredContact {
		const contact = account.contacts.get(id);
		if (!contact) throw notFound('Contact', id);
		return contact;
	}

	private checkContactBody(
		account: MessageMediaAccount,
		body: Record<string, unknown>,
		create: boolean,
	): InvalidField[] {
		const problems: InvalidField[] = [];
		const channels = body.channels as SeedChannel[] | undefined;
		if (channels !== undefined) {
			problems.push(...channelProblems(channels));
		} else if (create) {
			problems.push({ name: 'channels', code: 'must_not_be_null', reason: 'must not be null' });
		}
		const lists = body.lists as Array<{ id: string }> | undefined;
		if (lists) {
			const unknown = lists.map((l) => l.id.toLowerCase()).filter((id) => !account.lists.has(id));
			if (unknown.length > 0)
				problems.push({
					name: 'lists',
					code: 'invalid_reference',
					reason: 'list does not exist',
					invalidIds: unknown,
				});
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
				if (seen.has(id))
					problems.push({
						name: `customFields[${index}]`,
						code: 'duplicated_value',
						reason: 'duplicated custom field',
						invalidIds: [entry.id],
					});
				seen.add(id);
				if (entry.value === '') return;
				const problem = customFieldValueProblem(field, entry.value);
				if (problem === 'invalid_length')
					problems.push({
						name: `customFields[${index}].value`,
						code: problem,
						reason: `length must be at most ${field.maxLength}`,
					});
				else if (problem)
					problems.push({
						name: `customFields[${index}].value`,
						code: problem,
						reason: `not a valid ${field.type} value`,
					});
			});
			if (unknown.length > 0)
				problems.push({
					name: 'customFields',
					code: 'invalid_reference',
					reason: 'custom field does not exist',
					invalidIds: unknown,
				});
		}
		return problems;
	}

	private checkChannelConflict(
		account: MessageMediaAccount,
		channels: SeedChannel[],
		selfId?: string,
	): void {
		for (const channel of channels) {
			const owner = account.channelOwners.get(channelKey(channel));
			if (owner !== undefined && owner !== selfId) {
				throw conflict(
					`A contact with channel ${channel.type} ${channel.channelId} already exists`,
				);
			}
		}
	}

	createContact(
		account: MessageMediaAccount,
		body: Record<string, unknown>,
	): Record<string, unknown> {
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
			lists: [
				...new Set(
					((body.lists as Array<{ id: string }> | undefined) ?? []).map((l) => l.id.toLowerCase()),
				),
			],
			customFields: patchFieldValues([], sentFieldValues(body), 'replaceAll'),
		};
		setContact(account, contact);
		return this.store.contactData(account, contact);
	}

	updateContact(
		account: MessageMediaAccount,
		contact: StoredContact,
		body: Record<string, unknown>,
	): Record<string, unknown> {
		const problems = this.checkContactBody(account, body, false);
		if (problems.length > 0) throw badRequest('Invalid contact', problems);
		if (body.channels) {
			const sent = body.channels as SeedChannel[];
			const channels = patchChannels(contact.channels, sent, this.reading());
			this.checkChannelConflict(account, channels, contact.id);
			unindexChannels(account, contact);
			contact.channels = channels;
			indexChannels(account, contact);
		}
		for (const key of [
			'firstName',
			'lastName',
			'alias',
			'country',
			'state',
			'location',
			'note',
		] as const) {
			if (typeof body[key] === 'string') contact[key] = body[key] as string;
		}
		if (typeof body.dateOfBirth === 'string') contact.dateOfBirth = body.dateOfBirth;
		if (body.lists)
			contact.lists = [
				...new Set((body.lists as Array<{ id: string }>).map((l) => l.id.toLowerCase())),
			];
		if (body.customFields)
			contact.customFields = patchFieldValues(
				contact.customFields,
				sentFieldValues(body),
				this.reading(),
			);
		contact.lastModifiedDate = now();
		return this.store.contactData(account, contact);
	}

	contactsPage(account: MessageMediaAccount, query: URLSearchParams): FakeResponse {
		const filter: ContactQuery = {
			listIds: query.getAll('listIds').map((s) => s.toLowerCase()),
			contactIds: query.getAll('contactIds').map((s) => s.toLowerCase()),
			channelIds: query.getAll('channelIds'),
			channelTypes: query.getAll('channelTypes'),
			channelSubscriptionState: query.get('channelSubscriptionState') ?? undefined,
		};
		const items = [...account.contacts.values()].filter((c) =>
			contactMatches({ id: c.id, listIds: c.lists, channels: c.channels }, filter),
		);
		return pageOf(query, items, (c) => this.store.contactData(account, c), this.options);
	}
}
