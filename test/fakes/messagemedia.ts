/**
 * Fake MessageMedia (Sinch Engage) Contacts API: contacts, lists (groups) and custom fields under
 * /api/v1/contacts/..., behaving as the vendor OpenAPI and developer documentation describe. Every request is
 * validated against the vendor OpenAPI before it is handled (invalid → 400 InvalidInputApiError) and
 * every response the fake produces is validated too (invalid → 500 and a loud log line: a fake bug).
 *
 * Choices where the vendor leaves behaviour undocumented (see README.md):
 * - A channel (type + channelId) belongs to at most one contact: a second one → 409 conflict.
 * - PATCH contact: `channels` replaces the channel set and a channel sent without `subscriptionState`
 *   gets the default (SUBSCRIBED) even if it existed before; `lists` replaces the memberships;
 *   `customFields` merges by id (value "" clears one); other fields are set when present.
 * - New channels without `subscriptionState` are SUBSCRIBED.
 * - List names are unique per account (case-insensitive): a duplicate → 409 conflict.
 * - The `name`/`alias`/`label`/`mergeTag` collection filters match case-insensitive substrings.
 * - Unknown query parameters and body fields are ignored (as a Spring service would) but logged as warnings.
 * - Custom field values are checked against the field's maxLength and type (DATE = YYYY-MM-DD,
 *   NUMBER, PHONE = E.164, URL = http(s), EMAIL, ZIP_CODE = 3-10 letters/digits/space/dash).
 */
import { createHash, randomUUID } from 'node:crypto';

import { validateRequest, validateResponse } from '../support/openapi';
import { authenticateMessageMedia } from './messagemedia-auth';
import { createRandom, randomUuid, type Random } from './prng';
import { base64UrlDecodeJson, base64UrlEncodeJson, parseJsonBody, type FakeRequest, type FakeResponse } from './http-util';
import type { SeedChannel, SeedContact, SeedCustomField, SeedList, SeedMessageMediaAccount } from './types';

type CustomFieldType = SeedCustomField['type'];

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
}

export interface InvalidField {
	name: string;
	code: string;
	reason: string;
	channelType?: string;
	invalidIds?: string[];
}

const E164 = /^\+[1-9]\d{6,14}$/;

function channelKey(channel: Pick<SeedChannel, 'type' | 'channelId'>): string {
	return `${channel.type}|${channel.channelId}`;
}

/** `channelOwners` follows a contact's channels: index them, or drop the entries that still point at it. */
function indexChannels(account: MessageMediaAccount, contact: StoredContact): void {
	for (const channel of contact.channels) account.channelOwners.set(channelKey(channel), contact.id);
}

function unindexChannels(account: MessageMediaAccount, contact: StoredContact): void {
	for (const channel of contact.channels) {
		const key = channelKey(channel);
		if (account.channelOwners.get(key) === contact.id) account.channelOwners.delete(key);
	}
}

/** Stores a contact and indexes its channels (the vendor allows one contact per channel). */
function setContact(account: MessageMediaAccount, contact: StoredContact): void {
	account.contacts.set(contact.id, contact);
	indexChannels(account, contact);
}

function deleteContact(account: MessageMediaAccount, contact: StoredContact): void {
	account.contacts.delete(contact.id);
	unindexChannels(account, contact);
}

function now(): string {
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
		this.accounts.set(account.apiKey, account);
		return account;
	}

	private insertList(account: MessageMediaAccount, list: SeedList, created: string): StoredList {
		const id = (list.id ?? randomUuid(this.random)).toLowerCase();
		const stored = { id, name: list.name, alias: list.alias ?? '', createdDate: list.createdDate ?? created, lastModifiedDate: list.lastModifiedDate ?? created };
		account.lists.set(id, stored);
		return stored;
	}

	private insertContact(account: MessageMediaAccount, contact: SeedContact, created: string): StoredContact {
		const id = (contact.id ?? randomUuid(this.random)).toLowerCase();
		const listIds = (contact.lists ?? []).map((ref) => {
			const list = account.lists.get(ref.toLowerCase()) ?? [...account.lists.values()].find((l) => l.name === ref);
			if (!list) throw new Error(`seed contact ${id}: unknown list ${ref}`);
			return list.id;
		});
		const customFields = Object.entries(contact.customFields ?? {}).map(([ref, value]) => {
			const field = account.customFields.get(ref.toLowerCase()) ?? [...account.customFields.values()].find((f) => f.mergeTag === ref);
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
			channels: contact.channels.map((c) => ({ ...c, subscriptionState: c.subscriptionState ?? 'SUBSCRIBED' })),
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
			lists: contact.lists.filter((id) => account.lists.has(id)).map((id) => ({ id, name: (account.lists.get(id) as StoredList).name })),
		};
	}

	listData(account: MessageMediaAccount, list: StoredList): Record<string, unknown> {
		return { id: list.id, accountId: account.accountId, vendorId: account.vendorId, name: list.name, alias: list.alias, createdDate: list.createdDate, lastModifiedDate: list.lastModifiedDate };
	}

	customFieldData(account: MessageMediaAccount, field: StoredCustomField): Record<string, unknown> {
		return { id: field.id, accountId: account.accountId, vendorId: account.vendorId, label: field.label, mergeTag: field.mergeTag, maxLength: field.maxLength, type: field.type, createdDate: field.createdDate, lastModifiedDate: field.lastModifiedDate };
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
				contactIds: [...account.contacts.values()].filter((c) => c.lists.includes(l.id)).map((c) => c.id),
			})),
			customFields: [...account.customFields.values()].map((f) => this.customFieldData(account, f)),
		}));
	}
}

class ApiFailure extends Error {
	constructor(
		readonly status: number,
		readonly type: string,
		readonly title: string,
		readonly detail: string,
		readonly invalidFields?: InvalidField[],
	) {
		super(detail);
	}
}

const badRequest = (detail: string, invalidFields: InvalidField[]) => new ApiFailure(400, 'validation', 'Bad Request', detail, invalidFields);
const notFound = (what: string, id: string) => new ApiFailure(404, 'not_found', 'Not Found', `${what} with id ${id} not found`);
const conflict = (detail: string) => new ApiFailure(409, 'conflict', 'Conflict', detail);

/** Known body fields per operation, for the unknown-field warnings (the schemas allow extra properties). */
const CONTACT_FIELDS = ['firstName', 'lastName', 'alias', 'dateOfBirth', 'country', 'state', 'location', 'note', 'channels', 'lists', 'customFields'];
const BODY_FIELDS: Record<string, string[]> = {
	createContact: CONTACT_FIELDS,
	updateContact: CONTACT_FIELDS,
	createContactList: ['name', 'alias'],
	updateContactList: ['name', 'alias'],
	modifyContactsInContactList: ['contactsToAddIds', 'contactsToRemoveIds'],
	createCustomField: ['label', 'mergeTag', 'maxLength', 'type'],
	updateCustomField: ['label', 'maxLength'],
};

const ARRAY_QUERY_PARAMS = new Set(['listIds', 'contactIds', 'channelIds', 'channelTypes', 'customFieldIds']);

interface Route {
	operation: string;
	params: Record<string, string>;
}

function route(method: string, path: string): Route | 'method' | undefined {
	const table: Array<[RegExp, Record<string, string>, string[]]> = [
		[/^\/api\/v1\/contacts\/contacts$/, { GET: 'getContactsPage', POST: 'createContact' }, []],
		[/^\/api\/v1\/contacts\/contacts\/([^/]+)$/, { GET: 'getContactById', PATCH: 'updateContact', DELETE: 'deleteContactById' }, ['contactId']],
		[/^\/api\/v1\/contacts\/lists$/, { GET: 'getContactListsPage', POST: 'createContactList' }, []],
		[/^\/api\/v1\/contacts\/lists\/([^/]+)$/, { GET: 'getContactListById', PATCH: 'updateContactList', DELETE: 'deleteContactListById' }, ['listId']],
		[/^\/api\/v1\/contacts\/lists\/([^/]+)\/contacts$/, { PATCH: 'modifyContactsInContactList' }, ['listId']],
		[/^\/api\/v1\/contacts\/lists\/([^/]+)\/contacts\/([^/]+)$/, { POST: 'addContactToContactList', DELETE: 'removeContactFromContactList' }, ['listId', 'contactId']],
		[/^\/api\/v1\/contacts\/custom-fields$/, { GET: 'getCustomFieldsPage', POST: 'createCustomField' }, []],
		[/^\/api\/v1\/contacts\/custom-fields\/([^/]+)$/, { GET: 'getCustomFieldById', PATCH: 'updateCustomField', DELETE: 'deleteCustomFieldById' }, ['customFieldId']],
	];
	for (const [re, methods, names] of table) {
		const match = re.exec(path);
		if (!match) continue;
		const operation = methods[method];
		if (!operation) return 'method';
		return { operation, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1]).toLowerCase()])) };
	}
	return undefined;
}

/** "body/channels/0/channelId must match format" → channels[0].channelId + invalid_format. */
export function invalidFieldsFromContractErrors(errors: string[]): InvalidField[] {
	return errors.map((error) => {
		const space = error.indexOf(' ');
		const location = space < 0 ? error : error.slice(0, space);
		const message = space < 0 ? '' : error.slice(space + 1);
		const [, ...segments] = location.split(/[/.]/);
		const required = /must have required property '([^']+)'/.exec(message);
		if (required) segments.push(required[1]);
		const name = segments.reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '') || location;
		let code = 'invalid_format';
		if (required) code = 'must_not_be_null';
		else if (/must be (string|integer|number|array|object|boolean)/.test(message)) code = 'type_mismatch';
		else if (/must NOT have (more|fewer) than/.test(message)) code = 'invalid_length';
		else if (/must be [<>]=?/.test(message)) code = 'constraint_violation';
		else if (/required/.test(message)) code = 'missing_parameter';
		return { name, code, reason: message || error };
	});
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

export interface MessageMediaOptions {
	defaultPageSize: () => number;
	hmacMaxSkewSeconds: () => number;
}

export class MessageMediaService {
	constructor(
		private readonly store: MessageMediaStore,
		private readonly options: MessageMediaOptions,
	) {}

	async handle(req: FakeRequest): Promise<FakeResponse> {
		const auth = authenticateMessageMedia(req, (key) => this.store.accounts.get(key), this.options.hmacMaxSkewSeconds());
		if (!auth.ok) {
			req.log.errors.push(`401: ${auth.reason}`);
			return { status: 401 };
		}
		req.log.auth = auth.scheme;
		const account = this.store.accounts.get(auth.apiKey) as MessageMediaAccount;
		const matched = route(req.method, req.url.pathname);
		if (matched === undefined) return apiError(new ApiFailure(404, 'not_found', 'Not Found', `No endpoint ${req.method} ${req.url.pathname}`));
		if (matched === 'method') return apiError(new ApiFailure(405, 'method_not_allowed', 'Method Not Allowed', `${req.method} is not supported for ${req.url.pathname}`));

		let body: unknown;
		const contentType = req.headers['content-type'] ?? '';
		if (req.body.length > 0 && !/^application\/json\b/i.test(contentType)) req.log.warnings.push(`body sent with Content-Type '${contentType}' (expected application/json)`);
		const parsed = parseJsonBody(req);
		if (parsed.kind === 'invalid') {
			return this.respond(req, apiError(new ApiFailure(400, 'message_not_readable', 'Bad Request', `JSON parse error: ${parsed.message}`, [])));
		}
		if (parsed.kind === 'json') body = parsed.value;

		const query = normalizeQuery(req.query);
		const pathWithQuery = `${req.url.pathname}${query.toString() ? `?${query.toString()}` : ''}`;
		const contract = await validateRequest(req.method, pathWithQuery, body);
		const errors = contract.errors.filter((e) => {
			if (/^query parameter .+ is not defined by the spec$/.test(e)) {
				req.log.warnings.push(e);
				return false;
			}
			return true;
		});
		if (errors.length > 0) {
			req.log.errors.push(...errors.map((e) => `request: ${e}`));
			return this.respond(req, apiError(badRequest('Request does not match the API contract', invalidFieldsFromContractErrors(errors))));
		}
		this.warnUnknownFields(req, matched.operation, body);
		let response: FakeResponse;
		try {
			response = this.dispatch(account, matched, query, body);
		} catch (error) {
			if (error instanceof ApiFailure) {
				response = apiError(error);
			} else {
				const message = `FAKE BUG: MessageMedia ${req.method} ${req.url.pathname} failed: ${(error as Error).stack ?? String(error)}`;
				console.error(message);
				req.log.errors.push(message);
				response = apiError(new ApiFailure(500, 'internal_server_error', 'Internal Server Error', 'The fake MessageMedia failed (see its log).'));
			}
		}
		return this.respond(req, response);
	}

	/** Validate what the fake is about to send; a mismatch is a bug in the fake → 500 + loud log. */
	private async respond(req: FakeRequest, response: FakeResponse): Promise<FakeResponse> {
		const result = await validateResponse(req.method, req.url.pathname, response.status, response.body);
		if (result.ok) return response;
		const message = `FAKE BUG: MessageMedia response ${req.method} ${req.url.pathname} ${response.status} does not match the vendor OpenAPI: ${result.errors.join('; ')}`;
		console.error(message);
		req.log.errors.push(message);
		return { status: 500, contentType: 'application/json', body: { uuid: randomUUID(), type: 'internal_server_error', title: 'Internal Server Error', detail: message } };
	}

	private warnUnknownFields(req: FakeRequest, operation: string, body: unknown): void {
		const known = BODY_FIELDS[operation];
		if (!known || !body || typeof body !== 'object' || Array.isArray(body)) return;
		for (const key of Object.keys(body)) if (!known.includes(key)) req.log.warnings.push(`unknown body field '${key}' is ignored`);
		const record = body as Record<string, unknown>;
		const nested: Array<[string, string[]]> = [
			['channels', ['channelId', 'type', 'subscriptionState']],
			['lists', ['id']],
			['customFields', ['id', 'value']],
		];
		for (const [field, allowed] of nested) {
			const items = record[field];
			if (!Array.isArray(items) || !known.includes(field)) continue;
			items.forEach((item, index) => {
				if (!item || typeof item !== 'object') return;
				for (const key of Object.keys(item as object)) if (!allowed.includes(key)) req.log.warnings.push(`unknown body field '${field}[${index}].${key}' is ignored`);
			});
		}
	}

	private dispatch(account: MessageMediaAccount, matched: Route, query: URLSearchParams, body: unknown): FakeResponse {
		const p = matched.params;
		const b = (body ?? {}) as Record<string, unknown>;
		switch (matched.operation) {
			case 'getContactsPage':
				return this.contactsPage(account, query);
			case 'createContact':
				return json(201, this.createContact(account, b));
			case 'getContactById':
				return json(200, this.store.contactData(account, this.contactOr404(account, p.contactId)));
			case 'updateContact':
				return json(200, this.updateContact(account, this.contactOr404(account, p.contactId), b));
			case 'deleteContactById':
				deleteContact(account, this.contactOr404(account, p.contactId));
				return { status: 204 };
			case 'getContactListsPage':
				return this.listsPage(account, query);
			case 'createContactList':
				return json(201, this.store.listData(account, this.createList(account, b)));
			case 'getContactListById':
				return json(200, this.store.listData(account, this.listOr404(account, p.listId)));
			case 'updateContactList':
				return json(200, this.store.listData(account, this.updateList(account, this.listOr404(account, p.listId), b)));
			case 'deleteContactListById': {
				this.listOr404(account, p.listId);
				account.lists.delete(p.listId);
				for (const contact of account.contacts.values()) contact.lists = contact.lists.filter((id) => id !== p.listId);
				return { status: 204 };
			}
			case 'modifyContactsInContactList':
				return json(200, this.store.listData(account, this.modifyMembers(account, p.listId, b)));
			case 'addContactToContactList': {
				const { list, contact } = this.listAndContact(account, p.listId, p.contactId);
				if (contact.lists.includes(list.id)) return json(200, this.store.listData(account, list));
				contact.lists.push(list.id);
				contact.lastModifiedDate = now();
				return json(201, this.store.listData(account, list));
			}
			case 'removeContactFromContactList': {
				const { list, contact } = this.listAndContact(account, p.listId, p.contactId);
				if (contact.lists.includes(list.id)) {
					contact.lists = contact.lists.filter((id) => id !== list.id);
					contact.lastModifiedDate = now();
				}
				return { status: 204 };
			}
			case 'getCustomFieldsPage':
				return this.customFieldsPage(account, query);
			case 'createCustomField':
				return json(201, this.store.customFieldData(account, this.createCustomField(account, b)));
			case 'getCustomFieldById':
				return json(200, this.store.customFieldData(account, this.customFieldOr404(account, p.customFieldId)));
			case 'updateCustomField':
				return json(200, this.store.customFieldData(account, this.updateCustomField(account, this.customFieldOr404(account, p.customFieldId), b)));
			case 'deleteCustomFieldById': {
				this.customFieldOr404(account, p.customFieldId);
				account.customFields.delete(p.customFieldId);
				for (const contact of account.contacts.values()) contact.customFields = contact.customFields.filter((v) => v.id !== p.customFieldId);
				return { status: 204 };
			}
		}
		throw new Error(`unrouted operation ${matched.operation}`);
	}

	// ---------- contacts ----------

	private contactOr404(account: MessageMediaAccount, id: string): StoredContact {
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

	private createContact(account: MessageMediaAccount, body: Record<string, unknown>): Record<string, unknown> {
		const problems = this.checkContactBody(account, body, true);
		if (problems.length > 0) throw badRequest('Invalid contact', problems);
		const channels = (body.channels as SeedChannel[]).map((c) => ({ channelId: c.channelId, type: c.type, subscriptionState: c.subscriptionState ?? 'SUBSCRIBED' }));
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

	private updateContact(account: MessageMediaAccount, contact: StoredContact, body: Record<string, unknown>): Record<string, unknown> {
		const problems = this.checkContactBody(account, body, false);
		if (problems.length > 0) throw badRequest('Invalid contact', problems);
		if (body.channels) {
			const channels = (body.channels as SeedChannel[]).map((c) => ({ channelId: c.channelId, type: c.type, subscriptionState: c.subscriptionState ?? 'SUBSCRIBED' }));
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
		if (body.customFields) {
			for (const entry of body.customFields as Array<{ id: string; value: string }>) {
				const id = entry.id.toLowerCase();
				contact.customFields = contact.customFields.filter((v) => v.id !== id);
				if (entry.value !== '') contact.customFields.push({ id, value: entry.value });
			}
		}
		contact.lastModifiedDate = now();
		return this.store.contactData(account, contact);
	}

	private contactsPage(account: MessageMediaAccount, query: URLSearchParams): FakeResponse {
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
		return this.pageOf(query, items, (c) => this.store.contactData(account, c));
	}

	// ---------- lists ----------

	private listOr404(account: MessageMediaAccount, id: string): StoredList {
		const list = account.lists.get(id);
		if (!list) throw notFound('List', id);
		return list;
	}

	private checkListName(account: MessageMediaAccount, name: string, selfId?: string): void {
		if (name.trim() === '') throw badRequest('Invalid list', [{ name: 'name', code: 'must_not_be_empty', reason: 'must not be empty' }]);
		const duplicate = [...account.lists.values()].find((l) => l.id !== selfId && l.name.toLowerCase() === name.toLowerCase());
		if (duplicate) throw conflict(`A list named '${name}' already exists`);
	}

	private createList(account: MessageMediaAccount, body: Record<string, unknown>): StoredList {
		const name = body.name as string;
		this.checkListName(account, name);
		const created = now();
		const list: StoredList = { id: randomUUID(), name, alias: str(body.alias), createdDate: created, lastModifiedDate: created };
		account.lists.set(list.id, list);
		return list;
	}

	private updateList(account: MessageMediaAccount, list: StoredList, body: Record<string, unknown>): StoredList {
		const name = body.name as string;
		this.checkListName(account, name, list.id);
		list.name = name;
		if (typeof body.alias === 'string') list.alias = body.alias;
		list.lastModifiedDate = now();
		return list;
	}

	private listAndContact(account: MessageMediaAccount, listId: string, contactId: string): { list: StoredList; contact: StoredContact } {
		const list = account.lists.get(listId);
		const contact = account.contacts.get(contactId);
		const problems: InvalidField[] = [];
		if (!list) problems.push({ name: 'listId', code: 'invalid_reference', reason: 'list does not exist', invalidIds: [listId] });
		if (!contact) problems.push({ name: 'contactId', code: 'invalid_reference', reason: 'contact does not exist', invalidIds: [contactId] });
		if (problems.length > 0) throw badRequest('Invalid reference', problems);
		return { list: list as StoredList, contact: contact as StoredContact };
	}

	private modifyMembers(account: MessageMediaAccount, listId: string, body: Record<string, unknown>): StoredList {
		const list = account.lists.get(listId);
		if (!list) throw badRequest('Invalid reference', [{ name: 'listId', code: 'invalid_reference', reason: 'list does not exist', invalidIds: [listId] }]);
		const add = ((body.contactsToAddIds as string[] | undefined) ?? []).map((id) => id.toLowerCase());
		const remove = ((body.contactsToRemoveIds as string[] | undefined) ?? []).map((id) => id.toLowerCase());
		const problems: InvalidField[] = [];
		const unknownAdd = add.filter((id) => !account.contacts.has(id));
		const unknownRemove = remove.filter((id) => !account.contacts.has(id));
		if (unknownAdd.length > 0) problems.push({ name: 'contactsToAddIds', code: 'invalid_reference', reason: 'contact does not exist', invalidIds: unknownAdd });
		if (unknownRemove.length > 0) problems.push({ name: 'contactsToRemoveIds', code: 'invalid_reference', reason: 'contact does not exist', invalidIds: unknownRemove });
		const both = add.filter((id) => remove.includes(id));
		if (both.length > 0) problems.push({ name: 'contactsToAddIds', code: 'incorrect_operation', reason: 'a contact cannot be added and removed in one request', invalidIds: both });
		if (problems.length > 0) throw badRequest('Invalid list membership change', problems);
		const stamp = now();
		for (const id of add) {
			const contact = account.contacts.get(id) as StoredContact;
			if (!contact.lists.includes(list.id)) {
				contact.lists.push(list.id);
				contact.lastModifiedDate = stamp;
			}
		}
		for (const id of remove) {
			const contact = account.contacts.get(id) as StoredContact;
			if (contact.lists.includes(list.id)) {
				contact.lists = contact.lists.filter((l) => l !== list.id);
				contact.lastModifiedDate = stamp;
			}
		}
		return list;
	}

	private listsPage(account: MessageMediaAccount, query: URLSearchParams): FakeResponse {
		const listIds = query.getAll('listIds').map((s) => s.toLowerCase());
		const name = query.get('name')?.toLowerCase();
		const alias = query.get('alias')?.toLowerCase();
		const items = [...account.lists.values()].filter(
			(l) =>
				(listIds.length === 0 || listIds.includes(l.id)) &&
				(name === undefined || l.name.toLowerCase().includes(name)) &&
				(alias === undefined || l.alias.toLowerCase().includes(alias)),
		);
		return this.pageOf(query, items, (l) => this.store.listData(account, l));
	}

	// ---------- custom fields ----------

	private customFieldOr404(account: MessageMediaAccount, id: string): StoredCustomField {
		const field = account.customFields.get(id);
		if (!field) throw notFound('Custom field', id);
		return field;
	}

	private createCustomField(account: MessageMediaAccount, body: Record<string, unknown>): StoredCustomField {
		const label = body.label as string;
		const mergeTag = body.mergeTag as string;
		const maxLength = body.maxLength as number;
		const problems: InvalidField[] = [];
		if (label.trim() === '') problems.push({ name: 'label', code: 'must_not_be_empty', reason: 'must not be empty' });
		if (!/^[A-Za-z0-9_]+$/.test(mergeTag)) problems.push({ name: 'mergeTag', code: 'invalid_format', reason: 'only letters, digits and underscores' });
		if (maxLength < 1 || maxLength > 1000) problems.push({ name: 'maxLength', code: 'constraint_violation', reason: 'must be between 1 and 1000' });
		if (problems.length > 0) throw badRequest('Invalid custom field', problems);
		if ([...account.customFields.values()].some((f) => f.mergeTag.toLowerCase() === mergeTag.toLowerCase())) {
			throw conflict(`A custom field with merge tag '${mergeTag}' already exists`);
		}
		const created = now();
		const field: StoredCustomField = { id: randomUUID(), label, mergeTag, maxLength, type: body.type as CustomFieldType, createdDate: created, lastModifiedDate: created };
		account.customFields.set(field.id, field);
		return field;
	}

	private updateCustomField(account: MessageMediaAccount, field: StoredCustomField, body: Record<string, unknown>): StoredCustomField {
		if (typeof body.maxLength === 'number' && (body.maxLength < 1 || body.maxLength > 1000)) {
			throw badRequest('Invalid custom field', [{ name: 'maxLength', code: 'constraint_violation', reason: 'must be between 1 and 1000' }]);
		}
		if (typeof body.label === 'string') field.label = body.label;
		if (typeof body.maxLength === 'number') field.maxLength = body.maxLength;
		field.lastModifiedDate = now();
		return field;
	}

	private customFieldsPage(account: MessageMediaAccount, query: URLSearchParams): FakeResponse {
		const ids = query.getAll('customFieldIds').map((s) => s.toLowerCase());
		const label = query.get('label')?.toLowerCase();
		const mergeTag = query.get('mergeTag')?.toLowerCase();
		const items = [...account.customFields.values()].filter(
			(f) =>
				(ids.length === 0 || ids.includes(f.id)) &&
				(label === undefined || f.label.toLowerCase().includes(label)) &&
				(mergeTag === undefined || f.mergeTag.toLowerCase().includes(mergeTag)),
		);
		return this.pageOf(query, items, (f) => this.store.customFieldData(account, f));
	}

	// ---------- paging ----------

	private pageOf<T>(query: URLSearchParams, items: T[], render: (item: T) => Record<string, unknown>): FakeResponse {
		const rawSize = query.get('pageSize');
		const pageSize = rawSize === null ? this.options.defaultPageSize() : Number(rawSize);
		if (pageSize < 1) throw badRequest('Invalid page size', [{ name: 'pageSize', code: 'constraint_violation', reason: 'must be greater than or equal to 1' }]);
		const filterKey = createHash('sha1')
			.update([...query].filter(([k]) => !['nextPageToken', 'prevPageToken', 'pageSize'].includes(k)).map(([k, v]) => `${k}=${v}`).sort().join('&'))
			.digest('base64url')
			.slice(0, 10);
		let offset = 0;
		for (const name of ['nextPageToken', 'prevPageToken']) {
			const token = query.get(name);
			if (token === null) continue;
			const decoded = base64UrlDecodeJson<{ o?: unknown; f?: unknown }>(token);
			if (!decoded || typeof decoded.o !== 'number' || decoded.o < 0 || decoded.f !== filterKey) {
				throw badRequest('Invalid page token', [{ name, code: 'invalid_format', reason: 'unknown or malformed page token (tokens are only valid with the filters they were issued for)' }]);
			}
			offset = decoded.o;
		}
		const content = items.slice(offset, offset + pageSize).map(render);
		const body: Record<string, unknown> = { content, totalElements: items.length };
		if (offset + pageSize < items.length) body.nextPageToken = base64UrlEncodeJson({ o: offset + pageSize, f: filterKey });
		if (offset > 0) body.prevPageToken = base64UrlEncodeJson({ o: Math.max(0, offset - pageSize), f: filterKey });
		return json(200, body);
	}
}

/** Arrays may come as repeated keys or comma-separated; the fake accepts both and works on repeated keys. */
function normalizeQuery(query: URLSearchParams): URLSearchParams {
	const out = new URLSearchParams();
	for (const [key, value] of query) {
		if (ARRAY_QUERY_PARAMS.has(key) && value.includes(',')) {
			for (const part of value.split(',')) if (part.trim() !== '') out.append(key, part.trim());
		} else {
			out.append(key, value);
		}
	}
	return out;
}

function str(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

function json(status: number, body: Record<string, unknown>): FakeResponse {
	return { status, body, contentType: 'application/json' };
}

function apiError(failure: ApiFailure): FakeResponse {
	const body: Record<string, unknown> = { uuid: randomUUID(), type: failure.type, title: failure.title, detail: failure.detail };
	if (failure.status === 400) body.invalidFields = failure.invalidFields ?? [];
	return { status: failure.status, contentType: 'application/json', body };
}

