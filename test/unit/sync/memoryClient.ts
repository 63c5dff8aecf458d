/**
 * An in-memory MessageMedia account behind the MessageMediaClient interface, for sync tests: server
 * ids, the vendor rule that a number belongs to at most one contact (409), list membership, custom
 * fields checked against their max length, subscription state per channel, the account's opt-out list,
 * and a log of the requests a real client would make (pages of 1000, look-ups by number chunked, bulk
 * list changes chunked by 1000), with their bodies.
 *
 * The rules of contact writes are the HTTPS fake's (test/fakes/messagemedia-rules.ts), so the two
 * models cannot drift apart: only SMS and WHATSAPP channels in E.164 can be written (other types,
 * EMAIL, …, exist on contacts a person made, see memoryHand.ts), a channel sent without a state is
 * stored SUBSCRIBED, values must fit their custom field and `""` clears one; list names and merge tags
 * the API creates are unique, whatever their case. The vendor does not
 * document whether `channels` and `customFields` in a PATCH replace the stored set or merge into it,
 * so the model has both readings (`patchArrays`): `replace` stores exactly what was sent; `merge`
 * upserts sent channels by (type, channelId) and sent custom field values by id, and keeps the rest.
 *
 * Faults: per operation (`fail`), per request (`injectFaults`), before the write commits or after it
 * (a lost answer), and `crashAfter(n)`: every request after the next n throws SimulatedCrash, as if the
 * process running the sync had been killed.
 */

import { OPT_OUT_LOOKUP_CHUNK, PHONE_LOOKUP_CHUNK } from '../../../lib/messagemedia/client';
import {
	customFieldProblems,
	listNameProblem,
	mergeTagTaken,
} from '../../fakes/messagemedia-rules';
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
import {
	ACCOUNT,
	apiError,
	ATTRIBUTES,
	checkFieldValue,
	checkWritable,
	invalid,
	matches,
	patchedChannels,
	patchedFieldValues,
	render,
	SimulatedCrash,
	type Fault,
	type FaultInjector,
	type LoggedRequest,
	type MemoryOptions,
	type Operation,
	type PatchArrays,
	type StoredContact,
} from './memoryAccount';

export * from './memoryAccount';

const PAGE = 1000;
/** Numbers per opt-out look-up (GET /v1/number_authorisation/is_authorised/{numbers}), as the real client chunks them. */
export const OPT_OUT_CHUNK = OPT_OUT_LOOKUP_CHUNK;

export class MemoryMessageMedia implements MessageMediaClient {
	readonly stats: RequestStats = { total: 0, byMethod: {}, retries: 0 };
	readonly log: LoggedRequest[] = [];
	readonly contacts = new Map<string, StoredContact>();
	readonly lists = new Map<string, ContactList>();
	readonly fields = new Map<string, CustomField>();
	/** The account's opt-out list (numbers that replied STOP). */
	readonly optedOut = new Set<string>();
	readonly patchArrays: PatchArrays;
	private readonly faults = new Map<Operation, Fault[]>();
	private injector?: FaultInjector;
	/** Requests left before the crash; undefined: no crash armed. */
	private crashIn?: number;
	private sequence = 0;
	private clock = Date.parse('2026-01-01T00:00:00Z');

	constructor(options: MemoryOptions = {}) {
		this.patchArrays = options.patchArrays ?? 'replace';
	}

	/** Queues a fault for the next call(s) of an operation. */
	fail(operation: Operation, ...faults: Fault[]): void {
		this.faults.set(operation, [...(this.faults.get(operation) ?? []), ...faults]);
	}

	/** Faults by request (after the queued per-operation ones); undefined removes the injector. */
	injectFaults(injector: FaultInjector | undefined): void {
		this.injector = injector;
	}

	/** Lets `n` more requests through; every later one throws SimulatedCrash. undefined disarms. */
	crashAfter(n: number | undefined): void {
		this.crashIn = n;
	}

	get crashed(): boolean {
		return this.crashIn !== undefined && this.crashIn <= 0;
	}

	writes(): LoggedRequest[] {
		return this.log.filter((r) => r.method !== 'GET');
	}

	count(method: string, pathPrefix?: string): number {
		return this.log.filter(
			(r) => r.method === method && (pathPrefix === undefined || r.path.startsWith(pathPrefix)),
		).length;
	}

	resetLog(): void {
		this.log.length = 0;
	}

	/** A new server id (also for contacts and lists a person makes). */
	newId(): string {
		this.sequence++;
		return `00000000-0000-4000-8000-${this.sequence.toString(16).padStart(12, '0')}`;
	}

	/** The account clock: one second per change. */
	timestamp(): string {
		this.clock += 1000;
		return new Date(this.clock).toISOString();
	}

	/** The same account state (contacts, lists, fields, opt-outs, clock), without log, faults or crash. */
	clone(): MemoryMessageMedia {
		const copy = new MemoryMessageMedia({ patchArrays: this.patchArrays });
		for (const [id, c] of this.contacts)
			copy.contacts.set(id, {
				...structuredClone({ ...c, customFields: [] }),
				customFields: new Map(c.customFields),
			});
		for (const [id, l] of this.lists) copy.lists.set(id, { ...l });
		for (const [id, f] of this.fields) copy.fields.set(id, { ...f });
		for (const n of this.optedOut) copy.optedOut.add(n);
		copy.sequence = this.sequence;
		copy.clock = this.clock;
		return copy;
	}

	/** A request of the same process to another service (a directory write-back) counts towards the crash too. */
	tick(): void {
		if (this.crashIn === undefined) return;
		if (this.crashIn <= 0) throw new SimulatedCrash();
		this.crashIn--;
	}

	private request(
		method: string,
		path: string,
		query?: Record<string, unknown>,
		body?: unknown,
	): LoggedRequest {
		this.tick();
		const logged: LoggedRequest = {
			method,
			path,
			...(query ? { query } : {}),
			...(body !== undefined ? { body: structuredClone(body) } : {}),
		};
		this.log.push(logged);
		this.stats.total++;
		this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
		return logged;
	}

	private faultFor(operation: Operation, logged: LoggedRequest): Fault | undefined {
		return this.faults.get(operation)?.shift() ?? this.injector?.(logged, this.log.length - 1);
	}

	/** Logs the request, then runs it under any fault. */
	private async call<T>(
		operation: Operation,
		method: string,
		path: string,
		run: () => T,
		query?: Record<string, unknown>,
		body?: unknown,
	): Promise<T> {
		const logged = this.request(method, path, query, body);
		const fault = this.faultFor(operation, logged);
		if (fault === undefined) return run();
		const error = apiError(
			fault.status,
			fault.status === 429 ? 'too_many_requests' : 'internal_server_error',
			`HTTP ${fault.status}`,
		);
		if (fault.afterCommit) run();
		throw error;
	}

	// ---- seeding (no request) ----

	seedList(name: string): ContactList {
		const now = this.timestamp();
		const list: ContactList = {
			id: this.newId(),
			accountId: ACCOUNT,
			vendorId: 'v',
			name,
			alias: '',
			createdDate: now,
			lastModifiedDate: now,
		};
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

	render(stored: StoredContact): Contact {
		return render(stored, this.fields, this.lists);
	}

	private pages<T>(
		operation: Operation,
		path: string,
		all: T[],
		query: Record<string, unknown>,
		page?: PageOptions,
	): T[] {
		const size = Math.min(page?.pageSize ?? PAGE, PAGE);
		const limit = page?.limit ?? Infinity;
		const out: T[] = [];
		let offset = 0;
		do {
			const logged = this.request('GET', path, {
				...query,
				pageSize: size,
				...(offset > 0 ? { nextPageToken: String(offset) } : {}),
			});
			const fault = this.faultFor(operation, logged);
			if (fault) throw apiError(fault.status, 'internal_server_error', `HTTP ${fault.status}`);
			out.push(...all.slice(offset, offset + size));
			offset += size;
		} while (offset < all.length && out.length < limit);
		return out.slice(0, limit);
	}

	async listContacts(filter: ContactFilter = {}, page?: PageOptions): Promise<Contact[]> {
		const all = [...this.contacts.values()]
			.filter((c) => matches(c, filter))
			.map((c) => this.render(c));
		return this.pages('listContacts', '/api/v1/contacts/contacts', all, { ...filter }, page);
	}

	async getContact(id: string): Promise<Contact> {
		return await this.call('getContact', 'GET', `/api/v1/contacts/contacts/${id}`, () =>
			this.render(this.stored(id)),
		);
	}

	async findContactsByPhone(phones: string[]): Promise<Contact[]> {
		const found: Contact[] = [];
		for (let i = 0; i < phones.length; i += PHONE_LOOKUP_CHUNK) {
			const chunk = phones.slice(i, i + PHONE_LOOKUP_CHUNK);
			const filter: ContactFilter = { channelIds: chunk, channelTypes: ['SMS'] };
			const page = await this.call(
				'findContactsByPhone',
				'GET',
				'/api/v1/contacts/contacts',
				() =>
					[...this.contacts.values()].filter((c) => matches(c, filter)).map((c) => this.render(c)),
				{ ...filter, pageSize: PAGE },
			);
			found.push(...page);
		}
		return found;
	}

	/** The numbers on the account's opt-out list, looked up in chunks. */
	async addOptedOutNumbers(numbers: string[]): Promise<void> {
		const unique = [...new Set(numbers)];
		for (let i = 0; i < unique.length; i += 10) {
			const chunk = unique.slice(i, i + 10);
			await this.call(
				'addOptedOutNumbers',
				'POST',
				'/v1/number_authorisation/mt/blacklist',
				() => chunk.forEach((n) => this.optedOut.add(n)),
				undefined,
				{ numbers: chunk },
			);
		}
	}

	async findOptedOutNumbers(numbers: string[]): Promise<string[]> {
		const out: string[] = [];
		const unique = [...new Set(numbers)];
		for (let i = 0; i < unique.length; i += OPT_OUT_CHUNK) {
			const chunk = unique.slice(i, i + OPT_OUT_CHUNK);
			const path = `/v1/number_authorisation/is_authorised/${chunk.map(encodeURIComponent).join(',')}`;
			out.push(
				...(await this.call('findOptedOutNumbers', 'GET', path, () =>
					chunk.filter((n) => this.optedOut.has(n)),
				)),
			);
		}
		return out;
	}

	// ---- contact writes ----

	stored(id: string): StoredContact {
		const stored = this.contacts.get(id);
		if (!stored) throw apiError(404, 'not_found', 'Not found', `Contact ${id} does not exist`);
		return stored;
	}

	/** A contact other than `self` holding the channel (vendor rule: a number belongs to one contact). */
	holderOf(
		channel: Pick<ContactChannel, 'type' | 'channelId'>,
		self?: string,
	): StoredContact | undefined {
		return [...this.contacts.values()].find(
			(o) =>
				o.id !== self &&
				o.channels.some((c) => c.type === channel.type && c.channelId === channel.channelId),
		);
	}

	private checkChannels(channels: CreateContactRequest['channels'], self?: string): void {
		checkWritable(channels);
		if (channels.some((channel) => this.holderOf(channel, self)))
			throw apiError(409, 'conflict', 'Conflict', 'The entity already exists.');
	}

	private checkFields(customFields: Array<{ id: string; value: string }> | undefined): void {
		for (const { id, value } of customFields ?? []) {
			const field = this.fields.get(id);
			if (!field) throw invalid(`custom field ${id} does not exist`);
			checkFieldValue(field, value);
		}
	}

	private checkLists(lists: Array<{ id: string }> | undefined): void {
		for (const { id } of lists ?? [])
			if (!this.lists.has(id)) throw invalid(`list ${id} does not exist`);
	}

	private storeContact(body: CreateContactRequest): StoredContact {
		this.checkChannels(body.channels);
		this.checkLists(body.lists);
		this.checkFields(body.customFields);
		const now = this.timestamp();
		const stored: StoredContact = {
			id: this.newId(),
			attributes: {},
			channels: patchedChannels([], body.channels, 'replace'),
			listIds: [...new Set((body.lists ?? []).map((l) => l.id))],
			customFields: patchedFieldValues(new Map(), body.customFields ?? [], 'replace'),
			createdDate: now,
			lastModifiedDate: now,
		};
		for (const key of ATTRIBUTES)
			if (body[key] !== undefined) stored.attributes[key] = body[key] as string;
		if (body.dateOfBirth) stored.dateOfBirth = body.dateOfBirth;
		this.contacts.set(stored.id, stored);
		return stored;
	}

	async createContact(body: CreateContactRequest): Promise<Contact> {
		return await this.call(
			'createContact',
			'POST',
			'/api/v1/contacts/contacts',
			() => this.render(this.storeContact(body)),
			undefined,
			body,
		);
	}

	private applyUpdate(id: string, body: UpdateContactRequest): Contact {
		const stored = this.stored(id);
		if (body.channels !== undefined) this.checkChannels(body.channels, id);
		this.checkLists(body.lists);
		this.checkFields(body.customFields);
		for (const key of ATTRIBUTES)
			if (body[key] !== undefined) stored.attributes[key] = body[key] as string;
		if (body.dateOfBirth !== undefined) stored.dateOfBirth = body.dateOfBirth;
		if (body.channels !== undefined)
			stored.channels = patchedChannels(stored.channels, body.channels, this.patchArrays);
		if (body.lists !== undefined) stored.listIds = [...new Set(body.lists.map((l) => l.id))];
		if (body.customFields !== undefined)
			stored.customFields = patchedFieldValues(
				stored.customFields,
				body.customFields,
				this.patchArrays,
			);
		stored.lastModifiedDate = this.timestamp();
		return this.render(stored);
	}

	async updateContact(id: string, body: UpdateContactRequest): Promise<Contact> {
		return await this.call(
			'updateContact',
			'PATCH',
			`/api/v1/contacts/contacts/${id}`,
			() => this.applyUpdate(id, body),
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
			(l) =>
				(!filter.name || l.name.toLowerCase() === filter.name.toLowerCase()) &&
				(!filter.listIds?.length || filter.listIds.includes(l.id)),
		);
		return this.pages('listLists', '/api/v1/contacts/lists', all, { ...filter }, page);
	}

	async createList(body: { name: string; alias?: string }): Promise<ContactList> {
		return await this.call(
			'createList',
			'POST',
			'/api/v1/contacts/lists',
			() => {
				const problem = listNameProblem(this.lists.values(), body.name);
				if (problem === 'empty') throw invalid('name must not be empty');
				if (problem === 'taken')
					throw apiError(409, 'conflict', 'Conflict', `A list named '${body.name}' already exists`);
				return this.seedList(body.name);
			},
			undefined,
			body,
		);
	}

	async modifyListMembers(
		listId: string,
		change: { add?: string[]; remove?: string[] },
	): Promise<void> {
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
					if (!this.lists.has(listId))
						throw apiError(404, 'not_found', 'Not found', `List ${listId} does not exist`);
					for (const id of [...(body.contactsToAddIds ?? []), ...(body.contactsToRemoveIds ?? [])])
						this.stored(id);
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
		const [problem] = customFieldProblems(body);
		if (problem) throw invalid(`${problem.name}: ${problem.reason}`);
		if (mergeTagTaken(this.fields.values(), body.mergeTag))
			throw apiError(409, 'conflict', 'Conflict', 'The entity already exists.');
		const now = this.timestamp();
		const field: CustomField = {
			id: this.newId(),
			accountId: ACCOUNT,
			vendorId: 'v',
			...body,
			createdDate: now,
			lastModifiedDate: now,
		};
		this.fields.set(field.id, field);
		return field;
	}

	async listCustomFields(
		filter: CustomFieldFilter = {},
		page?: PageOptions,
	): Promise<CustomField[]> {
		const all = [...this.fields.values()].filter(
			(f) =>
				(!filter.label || f.label === filter.label) &&
				(!filter.mergeTag || f.mergeTag === filter.mergeTag),
		);
		return this.pages(
			'listCustomFields',
			'/api/v1/contacts/custom-fields',
			all,
			{ ...filter },
			page,
		);
	}

	async createCustomField(body: CreateCustomFieldRequest): Promise<CustomField> {
		return await this.call(
			'createCustomField',
			'POST',
			'/api/v1/contacts/custom-fields',
			() => this.storeField(body),
			undefined,
			body,
		);
	}

	// ---- test views ----

	/** Current contacts as the API renders them. */
	all(): Contact[] {
		return [...this.contacts.values()].map((c) => this.render(c));
	}

	byPhone(phone: string): Contact[] {
		return this.all().filter((c) =>
			c.channels.some((ch) => ch.type === 'SMS' && ch.channelId === phone),
		);
	}

	field(label: string): CustomField | undefined {
		return [...this.fields.values()].find((f) => f.label === label);
	}

	fieldValue(contact: Contact, label: string): string | undefined {
		const field = this.field(label);
		return contact.customFields.find((cf) => cf.id === field?.id)?.value;
	}
}
