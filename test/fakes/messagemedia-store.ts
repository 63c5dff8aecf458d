/**
 * The fake MessageMedia's data: accounts with their contacts, lists and custom fields (seeded from
 * the JSON seed), the channel index that enforces one contact per channel, and the views the API and
 * the admin API render.
 */
import { createRandom, randomUuid, type Random } from './prng';
import type {
	SeedChannel,
	SeedContact,
	SeedCustomField,
	SeedList,
	SeedMessageMediaAccount,
} from './types';

export type CustomFieldType = SeedCustomField['type'];

export interface StoredContact {
	id: string;
	firstName: string;
	lastName: string;
	alias: string;
	dateOfBirth?: string;
	country: string;
	state: string;
	location: string;
	note: string;
	createdDate: string;
	lastModifiedDate: string;
	channels: SeedChannel[];
	lists: string[];
	customFields: Array<{ id: string; value: string }>;
}

export interface StoredList {
	id: string;
	name: string;
	alias: string;
	createdDate: string;
	lastModifiedDate: string;
}

export interface StoredCustomField {
	id: string;
	label: string;
	mergeTag: string;
	maxLength: number;
	type: CustomFieldType;
	createdDate: string;
	lastModifiedDate: string;
}

export interface MessageMediaAccount {
	apiKey: string;
	apiSecret: string;
	accountId: string;
	vendorId: string;
	contacts: Map<string, StoredContact>;
	/** `type|channelId` → id of the contact holding that channel; kept by `setContact`/`deleteContact`. */
	channelOwners: Map<string, string>;
	lists: Map<string, StoredList>;
	customFields: Map<string, StoredCustomField>;
	/** Numbers (E.164) that opted out of SMS: the account blacklist of the number authorisation API. */
	blacklist: Set<string>;
}

export interface InvalidField {
	name: string;
	code: string;
	reason: string;
	channelType?: string;
	invalidIds?: string[];
}

export const E164 = /^\+[1-9]\d{6,14}$/;

export function channelKey(channel: Pick<SeedChannel, 'type' | 'channelId'>): string {
	return `${channel.type}|${channel.channelId}`;
}

/** `channelOwners` follows a contact's channels: index them, or drop the entries that still point at it. */
export function indexChannels(account: MessageMediaAccount, contact: StoredContact): void {
	for (const channel of contact.channels)
		account.channelOwners.set(channelKey(channel), contact.id);
}

export function unindexChannels(account: MessageMediaAccount, contact: StoredContact): void {
	for (const channel of contact.channels) {
		const key = channelKey(channel);
		if (account.channelOwners.get(key) === contact.id) account.channelOwners.delete(key);
	}
}

/** Stores a contact and indexes its channels (the vendor allows one contact per channel). */
export function setContact(account: MessageMediaAccount, contact: StoredContact): void {
	account.contacts.set(contact.id, contact);
	indexChannels(account, contact);
}

export function deleteContact(account: MessageMediaAccount, contact: StoredContact): void {
	account.contacts.delete(contact.id);
	unindexChannels(account, contact);
}

export function now(): string {
	return new Date().toISOString();
}

export class MessageMediaStore {
	readonly accounts = new Map<string, MessageMediaAccount>();
	private readonly random: Random;

	constructor(accounts: SeedMessageMediaAccount[] = [], seed = 2) {
		this.random = createRandom(seed);
		this.replace(accounts);
	}

	/** Drop everything and load these accounts. */
	replace(accounts: SeedMessageMediaAccount[]): void {
		this.accounts.clear();
		for (const account of accounts) this.addAccount(account);
	}

	addAccount(seed: SeedMessageMediaAccount): MessageMediaAccount {
		const account: MessageMediaAccount = {
			apiKey: seed.apiKey,
			apiSecret: seed.apiSecret,
			accountId: seed.accountId ?? `FakeAccount${this.accounts.size + 1}`,
			vendorId: seed.vendorId ?? 'MessageMedia',
			contacts: new Map(),
			channelOwners: new Map(),
			lists: new Map(),
			customFields: new Map(),
			blacklist: new Set(),
		};
		const created = now();
		for (const list of seed.lists ?? []) this.insertList(account, list, created);
		for (const field of seed.customFields ?? []) {
			const id = (field.id ?? randomUuid(this.random)).toLowerCase();
			account.customFields.set(id, {
				id,
				label: field.label,
				mergeTag: field.mergeTag,
				maxLength: field.maxLength,
				type: field.type,
				createdDate: field.createdDate ?? created,
				lastModifiedDate: field.lastModifiedDate ?? created,
			});
		}
		for (const contact of seed.contacts ?? []) this.insertContact(account, contact, created);
		for (const number of seed.blacklist ?? []) {
			if (!E164.test(number))
				throw new Error(
					`seed account ${account.accountId}: blacklist number ${number} is not E.164`,
				);
			account.blacklist.add(number);
		}
		this.accounts.set(account.apiKey, account);
		return account;
	}

	private insertList(account: MessageMediaAccount, list: SeedList, created: string): StoredList {
		const id = (list.id ?? randomUuid(this.random)).toLowerCase();
		const stored = {
			id,
			name: list.name,
			alias: list.alias ?? '',
			createdDate: list.createdDate ?? created,
			lastModifiedDate: list.lastModifiedDate ?? created,
		};
		account.lists.set(id, stored);
		return stored;
	}

	private insertContact(
		account: MessageMediaAccount,
		contact: SeedContact,
		created: string,
	): StoredContact {
		const id = (contact.id ?? randomUuid(this.random)).toLowerCase();
		const listIds = (contact.lists ?? []).map((ref) => {
			const list =
				account.lists.get(ref.toLowerCase()) ??
				[...account.lists.values()].find((l) => l.name === ref);
			if (!list) throw new Error(`seed contact ${id}: unknown list ${ref}`);
			return list.id;
		});
		const customFields = Object.entries(contact.customFields ?? {}).map(([ref, value]) => {
			const field =
				account.customFields.get(ref.toLowerCase()) ??
				[...account.customFields.values()].find((f) => f.mergeTag === ref);
			if (!field) throw new Error(`seed contact ${id}: unknown custom field ${ref}`);
			return { id: field.id, value };
		});
		const stored: StoredContact = {
			id,
			firstName: contact.firstName ?? '',
			lastName: contact.lastName ?? '',
			alias: contact.alias ?? '',
			...(contact.dateOfBirth ? { dateOfBirth: contact.dateOfBirth } : {}),
			country: contact.country ?? '',
			state: contact.state ?? '',
			location: contact.location ?? '',
			note: contact.note ?? '',
			createdDate: contact.createdDate ?? created,
			lastModifiedDate: contact.lastModifiedDate ?? created,
			channels: contact.channels.map((c) => ({
				...c,
				subscriptionState: c.subscriptionState ?? 'SUBSCRIBED',
			})),
			lists: listIds,
			customFields,
		};
		setContact(account, stored);
		return stored;
	}

	contactData(account: MessageMediaAccount, contact: StoredContact): Record<string, unknown> {
		return {
			id: contact.id,
			accountId: account.accountId,
			vendorId: account.vendorId,
			firstName: contact.firstName,
			lastName: contact.lastName,
			fullName: [contact.firstName, contact.lastName].filter(Boolean).join(' '),
			alias: contact.alias,
			...(contact.dateOfBirth ? { dateOfBirth: contact.dateOfBirth } : {}),
			country: contact.country,
			state: contact.state,
			location: contact.location,
			note: contact.note,
			createdDate: contact.createdDate,
			lastModifiedDate: contact.lastModifiedDate,
			customFields: contact.customFields
				.filter((v) => account.customFields.has(v.id))
				.map((v) => {
					const field = account.customFields.get(v.id) as StoredCustomField;
					return { id: v.id, mergeTag: field.mergeTag, value: v.value, type: field.type };
				}),
			channels: contact.channels.map((c) => ({ ...c })),
			lists: contact.lists
				.filter((id) => account.lists.has(id))
				.map((id) => ({ id, name: (account.lists.get(id) as StoredList).name })),
		};
	}

	listData(account: MessageMediaAccount, list: StoredList): Record<string, unknown> {
		return {
			id: list.id,
			accountId: account.accountId,
			vendorId: account.vendorId,
			name: list.name,
			alias: list.alias,
			createdDate: list.createdDate,
			lastModifiedDate: list.lastModifiedDate,
		};
	}

	customFieldData(account: MessageMediaAccount, field: StoredCustomField): Record<string, unknown> {
		return {
			id: field.id,
			accountId: account.accountId,
			vendorId: account.vendorId,
			label: field.label,
			mergeTag: field.mergeTag,
			maxLength: field.maxLength,
			type: field.type,
			createdDate: field.createdDate,
			lastModifiedDate: field.lastModifiedDate,
		};
	}

	/** Seed-shaped copy (GET/PUT /_admin/state). */
	snapshot(): SeedMessageMediaAccount[] {
		return [...this.accounts.values()].map((account) => ({
			apiKey: account.apiKey,
			apiSecret: account.apiSecret,
			accountId: account.accountId,
			vendorId: account.vendorId,
			lists: [...account.lists.values()].map((l) => ({ ...l })),
			customFields: [...account.customFields.values()].map((f) => ({ ...f })),
			contacts: [...account.contacts.values()].map((c) => ({
				...structuredClone(c),
				customFields: Object.fromEntries(c.customFields.map((v) => [v.id, v.value])),
			})),
			blacklist: [...account.blacklist].sort(),
		}));
	}

	/** Expanded view for e2e assertions (GET /_admin/messagemedia). */
	view(): Array<Record<string, unknown>> {
		return [...this.accounts.values()].map((account) => ({
			apiKey: account.apiKey,
			accountId: account.accountId,
			contacts: [...account.contacts.values()].map((c) => this.contactData(account, c)),
			lists: [...account.lists.values()].map((l) => ({
				...this.listData(account, l),
				contactIds: [...account.contacts.values()]
					.filter((c) => c.lists.includes(l.id))
					.map((c) => c.id),
			})),
			customFields: [...account.customFields.values()].map((f) => this.customFieldData(account, f)),
			blacklist: [...account.blacklist].sort(),
		}));
	}
}
