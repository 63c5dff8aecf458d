/**
 * An in-memory MessageMedia account behind the MessageMediaClient interface, for sync tests: server
 * ids, 409 on a second contact with the same SMS number, list membership, custom fields checked
 * against their max length, subscription state per channel, and a log of the requests a real client
 * would make (pages of 1000, look-ups by number chunked, bulk list changes chunked by 1000).
 * Faults can be injected per operation, before or after the write commits (a lost answer).
 */

import { ServiceApiError } from '../../../lib/common/errors';
import { OPT_OUT_LOOKUP_CHUNK, PHONE_LOOKUP_CHUNK } from '../../../lib/messagemedia/client';
import type {
	Contact,
	ContactChannel,
	ContactFilter,
	ContactList,
	CreateContactRequest,
	CreateCustomFieldRequest,
	CustomField,
	CustomFieldFilter,
	ListFilter,
	MessageMediaClient,
	PageOptions,
	RequestStats,
	UpdateContactRequest,
} from '../../../lib/messagemedia/types';

export interface LoggedRequest {
	method: string;
	path: string;
	query?: Record<string, unknown>;
	body?: unknown;
}

type Operation = Exclude<keyof MessageMediaClient, 'stats'>;

export interface Fault {
	status: number;
	/** The write happens, then the answer is lost (timeout / 503 after commit). */
	afterCommit?: boolean;
}

interface StoredContact {
	id: string;
	attributes: Record<string, string>;
	dateOfBirth?: string;
	channels: ContactChannel[];
	listIds: string[];
	customFields: Map<string, string>;
	createdDate: string;
	lastModifiedDate: string;
}

const PAGE = 1000;
const ACCOUNT = 'acc-1';
const ATTRIBUTES = ['firstName', 'lastName', 'alias', 'country', 'state', 'location', 'note'] as const;

function apiError(status: number, type: string, title: string, detail = title): ServiceApiError {
	return new ServiceApiError({ service: 'messagemedia', status, code: type, message: `${title}: ${detail}` });
}

export class MemoryMessageMedia implements MessageMediaClient {
	readonly stats: RequestStats = { total: 0, byMethod: {}, retries: 0 };
	readonly log: LoggedRequest[] = [];
	readonly contacts = new Map<string, StoredContact>();
	readonly lists = new Map<string, ContactList>();
	readonly fields = new Map<string, CustomField>();
	private readonly faults = new Map<Operation, Fault[]>();
	private sequence = 0;
	private clock = Date.parse('2026-01-01T00:00:00Z');

	/** Queues a fault for the next call(s) of an operation. */
	fail(operation: Operation, ...faults: Fault[]): void {
		this.faults.set(operation, [...(this.faults.get(operation) ?? []), ...faults]);
	}

	writes(): LoggedRequest[] {
		return this.log.filter((r) => r.method !== 'GET');
	}

	count(method: string, pathPrefix?: string): number {
		return this.log.filter((r) => r.method === method && (pathPrefix === undefined || r.path.startsWith(pathPrefix))).length;
	}

	resetLog(): void {
		this.log.length = 0;
	}

	private nextId(): string {
		this.sequence++;
		return `00000000-0000-4000-8000-${this.sequence.toString(16).padStart(12, '0')}`;
	}

	private timestamp(): string {
		this.clock += 1000;
		return new Date(this.clock).toISOString();
	}

	private request(method: string, path: string, query?: Record<string, unknown>, body?: unknown): void {
		this.log.push({ method, path, ...(query ? { query } : {}), ...(body !== undefined ? { body: structuredClone(body) } : {}) });
		this.stats.total++;
		this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
	}

	/** Logs the request, then runs it under any queued fault. */
	private async call<T>(operation: Operation, method: string, path: string, run: () => T, query?: Record<string, unknown>, body?: unknown): Promise<T> {
		this.request(method, path, query, body);
		const fault = this.faults.get(operation)?.shift();
		if (fault === undefined) return run();
		const error = apiError(fault.status, fault.status === 429 ? 'too_many_requests' : 'internal_server_error', `HTTP ${fault.status}`);
		if (fault.afterCommit) run();
		throw error;
	}

	// ---- seeding (no request) ----

	seedList(name: string): ContactList {
		const now = this.timestamp();
		const list: ContactList = { id: this.nextId(), accountId: ACCOUNT, vendorId: 'v', name, alias: '', createdDate: now, lastModifiedDate: now };
		this.lists.set(list.id, list);
		return list;
	}

	seedField(body: CreateCustomFieldRequest): CustomField {
		return this.storeField(body);
	}

	seedContact(body: CreateContactRequest): Contact {
		return this.render(this.storeContact(body));
	}

	// ---- reads ----

	private render(stored: StoredContact): Contact {
		const attr = (key: (typeof ATTRIBUTES)[number]) => stored.attributes[key] ?? '';
		const contact: Contact = {
			id: stored.id,
			accountId: ACCOUNT,
			vendorId: 'v',
			firstName: attr('firstName'),
			lastName: attr('lastName'),
			fullName: [attr('firstName'), attr('lastName')].filter(Boolean).join(' '),
			alias: attr('alias'),
			country: attr('country'),
			state: attr('state'),
			location: attr('location'),
			note: attr('note'),
			createdDate: stored.createdDate,
			lastModifiedDate: stored.lastModifiedDate,
			customFields: [...stored.customFields].map(([id, value]) => {
				const field = this.fields.get(id) as CustomField;
				return { id, mergeTag: field.mergeTag, value, type: field.type };
			}),
			channels: stored.channels.map((c) => ({ ...c })),
			lists: stored.listIds.map((id) => ({ id, name: (this.lists.get(id) as ContactList).name })),
		};
		if (stored.dateOfBirth) contact.dateOfBirth = stored.dateOfBirth;
		return contact;
	}

	private matches(stored: StoredContact, filter: ContactFilter): boolean {
		if (filter.listIds?.length && !stored.listIds.some((id) => filter.listIds?.includes(id))) return false;
		if (filter.contactIds?.length && !filter.contactIds.includes(stored.id)) return false;
		const channels = stored.channels.filter(
			(c) =>
				(!filter.channelIds?.length || filter.channelIds.includes(c.channelId)) &&
				(!filter.channelTypes?.length || filter.channelTypes.includes(c.type)) &&
				(!filter.channelSubscriptionState || c.subscriptionState === filter.channelSubscriptionState),
		);
		const channelFilter = filter.channelIds?.length || filter.channelTypes?.length || filter.channelSubscriptionState;
		return !channelFilter || channels.length > 0;
	}

	private pages<T>(operation: Operation, path: string, all: T[], query: Record<string, unknown>, page?: PageOptions): T[] {
		const size = Math.min(page?.pageSize ?? PAGE, PAGE);
		const limit = page?.limit ?? Infinity;
		const out: T[] = [];
		let offset = 0;
		do {
			this.request('GET', path, { ...query, pageSize: size, ...(offset > 0 ? { nextPageToken: String(offset) } : {}) });
			const fault = this.faults.get(operation)?.shift();
			if (fault) throw apiError(fault.status, 'internal_server_error', `HTTP ${fault.status}`);
			out.push(...all.slice(offset, offset + size));
			offset += size;
		} while (offset < all.length && out.length < limit);
		return out.slice(0, limit);
	}

	async listContacts(filter: ContactFilter = {}, page?: PageOptions): Promise<Contact[]> {
		const all = [...this.contacts.values()].filter((c) => this.matches(c, filter)).map((c) => this.render(c));
		return this.pages('listContacts', '/api/v1/contacts/contacts', all, { ...filter }, page);
	}

	async getContact(id: string): Promise<Contact> {
		return await this.call('getContact', 'GET', `/api/v1/contacts/contacts/${id}`, () => this.render(this.stored(id)));
	}

	async findContactsByPhone(phones: string[]): Promise<Contact[]> {
		const found: Contact[] = [];
		for (let i = 0; i < phones.length; i += PHONE_LOOKUP_CHUNK) {
			const chunk = phones.slice(i, i + PHONE_LOOKUP_CHUNK);
			const filter: ContactFilter = { channelIds: chunk, channelTypes: ['SMS'] };
			const page = await this.call('findContactsByPhone', 'GET', '/api/v1/contacts/contacts', () =>
				[...this.contacts.values()].filter((c) => this.matches(c, filter)).map((c) => this.render(c)),
				{ ...filter, pageSize: PAGE },
			);
			found.push(...page);
		}
		return found;
	}

	/** Numbers on the account blacklist (opted out of SMS); tests add to it directly. */
	readonly optedOut = new Set<string>();

	async findOptedOutNumbers(numbers: string[]): Promise<string[]> {
		const found: string[] = [];
		for (let i = 0; i < numbers.length; i += OPT_OUT_LOOKUP_CHUNK) {
			const chunk = numbers.slice(i, i + OPT_OUT_LOOKUP_CHUNK);
			const path = `/v1/number_authorisation/is_authorised/${chunk.join(',')}`;
			found.push(...(await this.call('findOptedOutNumbers', 'GET', path, () => chunk.filter((n) => this.optedOut.has(n)))));
		}
		return found;
	}

	// ---- contact writes ----

	private stored(id: string): StoredContact {
		const stored = this.contacts.get(id);
		if (!stored) throw apiError(404, 'not_found', 'Not found', `Contact ${id} does not exist`);
		return stored;
	}

	private checkChannels(channels: CreateContactRequest['channels'], self?: string): void {
		for (const channel of channels) {
			if (channel.type === 'SMS' && !/^\+[1-9]\d{6,14}$/.test(channel.channelId)) {
				throw apiError(400, 'validation', 'Invalid input', `channelId ${channel.channelId} is not E.164`);
			}
			for (const other of this.contacts.values()) {
				if (other.id !== self && other.channels.some((c) => c.type === channel.type && c.channelId === channel.channelId)) {
					throw apiError(409, 'conflict', 'Conflict', 'The entity already exists.');
				}
			}
		}
	}

	private applyFields(stored: StoredContact, customFields: Array<{ id: string; value: string }> | undefined): void {
		for (const { id, value } of customFields ?? []) {
			const field = this.fields.get(id);
			if (!field) throw apiError(400, 'validation', 'Invalid input', `custom field ${id} does not exist`);
			if (value.length > field.maxLength) throw apiError(400, 'validation', 'Invalid input', `${field.mergeTag} is longer than ${field.maxLength}`);
			stored.customFields.set(id, value);
		}
	}

	private checkLists(lists: Array<{ id: string }> | undefined): void {
		for (const { id } of lists ?? []) if (!this.lists.has(id)) throw apiError(400, 'validation', 'Invalid input', `list ${id} does not exist`);
	}

	private storeContact(body: CreateContactRequest): StoredContact {
		if (!body.channels?.length) throw apiError(400, 'validation', 'Invalid input', 'channels must not be empty');
		this.checkChannels(body.channels);
		this.checkLists(body.lists);
		const now = this.timestamp();
		const stored: StoredContact = {
			id: this.nextId(),
			attributes: {},
			channels: body.channels.map((c) => ({ ...c })),
			listIds: (body.lists ?? []).map((l) => l.id),
			customFields: new Map(),
			createdDate: now,
			lastModifiedDate: now,
		};
		for (const key of ATTRIBUTES) if (body[key] !== undefined) stored.attributes[key] = body[key] as string;
		if (body.dateOfBirth) stored.dateOfBirth = body.dateOfBirth;
		this.applyFields(stored, body.customFields);
		this.contacts.set(stored.id, stored);
		return stored;
	}

	async createContact(body: CreateContactRequest): Promise<Contact> {
		return await this.call('createContact', 'POST', '/api/v1/contacts/contacts', () => this.render(this.storeContact(body)), undefined, body);
	}

	async updateContact(id: string, body: UpdateContactRequest): Promise<Contact> {
		return await this.call(
			'updateContact',
			'PATCH',
			`/api/v1/contacts/contacts/${id}`,
			() => {
				const stored = this.stored(id);
				if (body.channels) this.checkChannels(body.channels, id);
				this.checkLists(body.lists);
				for (const key of ATTRIBUTES) if (body[key] !== undefined) stored.attributes[key] = body[key] as string;
				if (body.dateOfBirth !== undefined) stored.dateOfBirth = body.dateOfBirth;
				// Channels and lists, when sent, replace the stored set (the risk the sync avoids by sending them only on change).
				if (body.channels) stored.channels = body.channels.map((c) => ({ ...c }));
				if (body.lists) stored.listIds = body.lists.map((l) => l.id);
				this.applyFields(stored, body.customFields);
				stored.lastModifiedDate = this.timestamp();
				return this.render(stored);
			},
			undefined,
			body,
		);
	}

	async deleteContact(id: string): Promise<void> {
		await this.call('deleteContact', 'DELETE', `/api/v1/contacts/contacts/${id}`, () => {
			this.stored(id);
			this.contacts.delete(id);
		});
	}

	// ---- lists ----

	async listLists(filter: ListFilter = {}, page?: PageOptions): Promise<ContactList[]> {
		const all = [...this.lists.values()].filter(
			(l) => (!filter.name || l.name.toLowerCase() === filter.name.toLowerCase()) && (!filter.listIds?.length || filter.listIds.includes(l.id)),
		);
		return this.pages('listLists', '/api/v1/contacts/lists', all, { ...filter }, page);
	}

	async createList(body: { name: string; alias?: string }): Promise<ContactList> {
		return await this.call('createList', 'POST', '/api/v1/contacts/lists', () => this.seedList(body.name), undefined, body);
	}

	async modifyListMembers(listId: string, change: { add?: string[]; remove?: string[] }): Promise<void> {
		const add = change.add ?? [];
		const remove = change.remove ?? [];
		for (let i = 0; i < Math.max(add.length, remove.length); i += 1000) {
			const body = {
				...(add.length > i ? { contactsToAddIds: add.slice(i, i + 1000) } : {}),
				...(remove.length > i ? { contactsToRemoveIds: remove.slice(i, i + 1000) } : {}),
			};
			await this.call(
				'modifyListMembers',
				'PATCH',
				`/api/v1/contacts/lists/${listId}/contacts`,
				() => {
					if (!this.lists.has(listId)) throw apiError(404, 'not_found', 'Not found', `List ${listId} does not exist`);
					for (const id of body.contactsToAddIds ?? []) {
						const stored = this.stored(id);
						if (!stored.listIds.includes(listId)) stored.listIds.push(listId);
					}
					for (const id of body.contactsToRemoveIds ?? []) {
						const stored = this.stored(id);
						stored.listIds = stored.listIds.filter((l) => l !== listId);
					}
				},
				undefined,
				body,
			);
		}
	}

	// ---- custom fields ----

	private storeField(body: CreateCustomFieldRequest): CustomField {
		if ([...this.fields.values()].some((f) => f.mergeTag === body.mergeTag)) throw apiError(409, 'conflict', 'Conflict', 'The entity already exists.');
		const now = this.timestamp();
		const field: CustomField = { id: this.nextId(), accountId: ACCOUNT, vendorId: 'v', ...body, createdDate: now, lastModifiedDate: now };
		this.fields.set(field.id, field);
		return field;
	}

	async listCustomFields(filter: CustomFieldFilter = {}, page?: PageOptions): Promise<CustomField[]> {
		const all = [...this.fields.values()].filter(
			(f) => (!filter.label || f.label === filter.label) && (!filter.mergeTag || f.mergeTag === filter.mergeTag),
		);
		return this.pages('listCustomFields', '/api/v1/contacts/custom-fields', all, { ...filter }, page);
	}

	async createCustomField(body: CreateCustomFieldRequest): Promise<CustomField> {
		return await this.call('createCustomField', 'POST', '/api/v1/contacts/custom-fields', () => this.storeField(body), undefined, body);
	}

	// ---- test views ----

	/** Current contacts as the API renders them. */
	all(): Contact[] {
		return [...this.contacts.values()].map((c) => this.render(c));
	}

	byPhone(phone: string): Contact[] {
		return this.all().filter((c) => c.channels.some((ch) => ch.type === 'SMS' && ch.channelId === phone));
	}

	fieldValue(contact: Contact, label: string): string | undefined {
		const field = [...this.fields.values()].find((f) => f.label === label);
		return contact.customFields.find((cf) => cf.id === field?.id)?.value;
	}
}
