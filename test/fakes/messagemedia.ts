/**
 * Fake MessageMedia (Sinch Engage): the Contacts API (contacts, lists (groups) and custom fields under
 * /api/v1/contacts/...) and the number authorisation API (the account blacklist, under
 * /v1/number_authorisation/...), behaving as the vendor OpenAPI describes. Every request is validated
 * against the vendor OpenAPI before it is handled (invalid → 400) and every response the fake produces
 * is validated too (invalid → 500 and a loud log line: a fake bug).
 *
 * Files: messagemedia-store.ts (data), messagemedia-contacts.ts (contact operations),
 * messagemedia-rules.ts (the rules of contact writes and the PATCH readings, shared with the in-memory
 * client of the sync tests), messagemedia-paging.ts (pages and their misbehaviour switch), messagemedia-blacklist.ts
 * (number authorisation), messagemedia-api.ts (error shapes), messagemedia-auth.ts (Basic / HMAC).
 *
 * Choices where the vendor leaves behaviour undocumented (see README.md):
 * - A channel (type + channelId) belongs to at most one contact: a second one → 409 conflict.
 * - PATCH contact: see messagemedia-rules.ts (`messageMediaPatchArrays`); `lists` replaces the
 *   memberships; other fields are set when present.
 * - New channels without `subscriptionState` are SUBSCRIBED.
 * - List names are unique per account (case-insensitive): a duplicate → 409 conflict.
 * - The `name`/`alias`/`label`/`mergeTag` collection filters match case-insensitive substrings.
 * - Unknown query parameters and body fields are ignored (as a Spring service would) but logged as warnings.
 * - Custom field values are checked against the field's maxLength and type (DATE = YYYY-MM-DD,
 *   NUMBER, PHONE = E.164, URL = http(s), EMAIL, ZIP_CODE = 3-10 letters/digits/space/dash).
 */
import { randomUUID } from 'node:crypto';

import { validateRequest, validateResponse } from '../support/openapi';
import { parseJsonBody, type FakeRequest, type FakeResponse } from './http-util';
import {
	ApiFailure,
	apiError,
	badRequest,
	conflict,
	invalidFieldsFromContractErrors,
	json,
	normalizeQuery,
	notFound,
	str,
} from './messagemedia-api';
import { authenticateMessageMedia } from './messagemedia-auth';
import {
	handleNumbers,
	numberRoute,
	numbersError,
	NUMBER_AUTHORISATION_PREFIX,
	type NumberRoute,
} from './messagemedia-blacklist';
import { ContactOperations, type ContactOptions } from './messagemedia-contacts';
import { pageOf } from './messagemedia-paging';
import {
	customFieldProblems,
	listNameProblem,
	maxLengthProblems,
	mergeTagTaken,
} from './messagemedia-rules';
import { TokenBucketRateLimit } from './rate-limit';
import {
	deleteContact,
	now,
	type CustomFieldType,
	type InvalidField,
	type MessageMediaAccount,
	type MessageMediaStore,
	type StoredContact,
	type StoredCustomField,
	type StoredList,
} from './messagemedia-store';

export { invalidFieldsFromContractErrors } from './messagemedia-api';
export {
	MessageMediaStore,
	type InvalidField,
	type MessageMediaAccount,
	type StoredContact,
	type StoredCustomField,
	type StoredList,
} from './messagemedia-store';
export { MESSAGEMEDIA_PAGING_MODES, type MessageMediaPaging } from './messagemedia-paging';
export { PATCH_ARRAYS_MODES, type PatchArrays } from './messagemedia-rules';

/** Known body fields per operation, for the unknown-field warnings (the schemas allow extra properties). */
const CONTACT_FIELDS = [
	'firstName',
	'lastName',
	'alias',
	'dateOfBirth',
	'country',
	'state',
	'location',
	'note',
	'channels',
	'lists',
	'customFields',
];
const BODY_FIELDS: Record<string, string[]> = {
	createContact: CONTACT_FIELDS,
	updateContact: CONTACT_FIELDS,
	createContactList: ['name', 'alias'],
	updateContactList: ['name', 'alias'],
	modifyContactsInContactList: ['contactsToAddIds', 'contactsToRemoveIds'],
	createCustomField: ['label', 'mergeTag', 'maxLength', 'type'],
	updateCustomField: ['label', 'maxLength'],
	addToBlacklist: ['numbers'],
};

interface Route {
	operation: string;
	params: Record<string, string>;
}

function route(method: string, path: string): Route | 'method' | undefined {
	const table: Array<[RegExp, Record<string, string>, string[]]> = [
		[/^\/api\/v1\/contacts\/contacts$/, { GET: 'getContactsPage', POST: 'createContact' }, []],
		[
			/^\/api\/v1\/contacts\/contacts\/([^/]+)$/,
			{ GET: 'getContactById', PATCH: 'updateContact', DELETE: 'deleteContactById' },
			['contactId'],
		],
		[/^\/api\/v1\/contacts\/lists$/, { GET: 'getContactListsPage', POST: 'createContactList' }, []],
		[
			/^\/api\/v1\/contacts\/lists\/([^/]+)$/,
			{ GET: 'getContactListById', PATCH: 'updateContactList', DELETE: 'deleteContactListById' },
			['listId'],
		],
		[
			/^\/api\/v1\/contacts\/lists\/([^/]+)\/contacts$/,
			{ PATCH: 'modifyContactsInContactList' },
			['listId'],
		],
		[
			/^\/api\/v1\/contacts\/lists\/([^/]+)\/contacts\/([^/]+)$/,
			{ POST: 'addContactToContactList', DELETE: 'removeContactFromContactList' },
			['listId', 'contactId'],
		],
		[
			/^\/api\/v1\/contacts\/custom-fields$/,
			{ GET: 'getCustomFieldsPage', POST: 'createCustomField' },
			[],
		],
		[
			/^\/api\/v1\/contacts\/custom-fields\/([^/]+)$/,
			{ GET: 'getCustomFieldById', PATCH: 'updateCustomField', DELETE: 'deleteCustomFieldById' },
			['customFieldId'],
		],
	];
	for (const [re, methods, names] of table) {
		const match = re.exec(path);
		if (!match) continue;
		const operation = methods[method];
		if (!operation) return 'method';
		return {
			operation,
			params: Object.fromEntries(
				names.map((n, i) => [n, decodeURIComponent(match[i + 1]).toLowerCase()]),
			),
		};
	}
	return undefined;
}
export interface MessageMediaOptions extends ContactOptions {
	hmacMaxSkewSeconds: () => number;
	/** Requests per second per account (rate-limit.ts); 0 or absent = no limit. */
	rateLimit?: () => number;
}

/** Operations whose documented status the spec leaves out of `responses` (checked against this one). */
const DOCUMENTED_STATUSES: Record<string, [number, number]> = {
	'POST /v1/number_authorisation/mt/blacklist': [200, 201],
};

export class MessageMediaService {
	private readonly contacts: ContactOperations;
	private readonly rateLimit: TokenBucketRateLimit;

	constructor(
		private readonly store: MessageMediaStore,
		private readonly options: MessageMediaOptions,
	) {
		this.contacts = new ContactOperations(store, options);
		this.rateLimit = new TokenBucketRateLimit(() => options.rateLimit?.() ?? 0);
	}

	async handle(req: FakeRequest): Promise<FakeResponse> {
		const auth = authenticateMessageMedia(
			req,
			(key) => this.store.accounts.get(key),
			this.options.hmacMaxSkewSeconds(),
		);
		// The number authorisation API answers errors in its own shape ({ message, details }).
		const numbers = req.url.pathname.startsWith(NUMBER_AUTHORISATION_PREFIX);
		const failure = (error: ApiFailure): FakeResponse =>
			numbers
				? numbersError(
						error.status,
						`${error.title}: ${error.detail}`,
						(error.invalidFields ?? []).map((f) => `${f.name}: ${f.reason}`),
					)
				: apiError(error);
		if (!auth.ok) {
			req.log.errors.push(`401: ${auth.reason}`);
			return numbers
				? {
						status: 401,
						contentType: 'application/json',
						body: { message: 'Invalid authentication credentials' },
					}
				: { status: 401 };
		}
		req.log.auth = auth.scheme;
		const admitted = this.rateLimit.take(auth.apiKey);
		if (!admitted.allowed) {
			req.log.fault = 'rateLimit';
			const retryAfter = { 'retry-after': String(admitted.retryAfterSeconds) };
			if (numbers)
				return {
					status: 429,
					headers: retryAfter,
					contentType: 'application/json',
					body: { message: 'Too many requests' },
				};
			return { status: 429, headers: retryAfter };
		}
		const account = this.store.accounts.get(auth.apiKey) as MessageMediaAccount;
		const matched = numbers
			? numberRoute(req.method, req.url.pathname)
			: route(req.method, req.url.pathname);
		if (matched === undefined)
			return failure(
				new ApiFailure(
					404,
					'not_found',
					'Not Found',
					`No endpoint ${req.method} ${req.url.pathname}`,
				),
			);
		if (matched === 'method')
			return failure(
				new ApiFailure(
					405,
					'method_not_allowed',
					'Method Not Allowed',
					`${req.method} is not supported for ${req.url.pathname}`,
				),
			);

		let body: unknown;
		const contentType = req.headers['content-type'] ?? '';
		if (req.body.length > 0 && !/^application\/json\b/i.test(contentType))
			req.log.warnings.push(
				`body sent with Content-Type '${contentType}' (expected application/json)`,
			);
		const parsed = parseJsonBody(req);
		if (parsed.kind === 'invalid') {
			return this.respond(
				req,
				failure(
					new ApiFailure(
						400,
						'message_not_readable',
						'Bad Request',
						`JSON parse error: ${parsed.message}`,
						[],
					),
				),
			);
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
			return this.respond(
				req,
				failure(
					badRequest(
						'Request does not match the API contract',
						invalidFieldsFromContractErrors(errors),
					),
				),
			);
		}
		this.warnUnknownFields(req, matched.operation, body);
		let response: FakeResponse;
		try {
			response = numbers
				? handleNumbers(account, matched as NumberRoute, query, body, req.url.pathname)
				: this.dispatch(account, matched as Route, query, body);
		} catch (error) {
			if (error instanceof ApiFailure) {
				response = failure(error);
			} else {
				const message = `FAKE BUG: MessageMedia ${req.method} ${req.url.pathname} failed: ${(error as Error).stack ?? String(error)}`;
				console.error(message);
				req.log.errors.push(message);
				response = failure(
					new ApiFailure(
						500,
						'internal_server_error',
						'Internal Server Error',
						'The fake MessageMedia failed (see its log).',
					),
				);
			}
		}
		return this.respond(req, response);
	}

	/** Validate what the fake is about to send; a mismatch is a bug in the fake → 500 + loud log. */
	private async respond(req: FakeRequest, response: FakeResponse): Promise<FakeResponse> {
		const documented = DOCUMENTED_STATUSES[`${req.method} ${req.url.pathname}`];
		const status =
			documented !== undefined && response.status === documented[0]
				? documented[1]
				: response.status;
		const result = await validateResponse(req.method, req.url.pathname, status, response.body);
		if (result.ok) return response;
		const message = `FAKE BUG: MessageMedia response ${req.method} ${req.url.pathname} ${response.status} does not match the vendor OpenAPI: ${result.errors.join('; ')}`;
		console.error(message);
		req.log.errors.push(message);
		return {
			status: 500,
			contentType: 'application/json',
			body: {
				uuid: randomUUID(),
				type: 'internal_server_error',
				title: 'Internal Server Error',
				detail: message,
			},
		};
	}

	private warnUnknownFields(req: FakeRequest, operation: string, body: unknown): void {
		const known = BODY_FIELDS[operation];
		if (!known || !body || typeof body !== 'object' || Array.isArray(body)) return;
		for (const key of Object.keys(body))
			if (!known.includes(key)) req.log.warnings.push(`unknown body field '${key}' is ignored`);
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
				for (const key of Object.keys(item as object))
					if (!allowed.includes(key))
						req.log.warnings.push(`unknown body field '${field}[${index}].${key}' is ignored`);
			});
		}
	}

	private dispatch(
		account: MessageMediaAccount,
		matched: Route,
		query: URLSearchParams,
		body: unknown,
	): FakeResponse {
		const p = matched.params;
		const b = (body ?? {}) as Record<string, unknown>;
		switch (matched.operation) {
			case 'getContactsPage':
				return this.contacts.contactsPage(account, query);
			case 'createContact':
				return json(201, this.contacts.createContact(account, b));
			case 'getContactById':
				return json(
					200,
					this.store.contactData(account, this.contacts.contactOr404(account, p.contactId)),
				);
			case 'updateContact':
				return json(
					200,
					this.contacts.updateContact(account, this.contacts.contactOr404(account, p.contactId), b),
				);
			case 'deleteContactById':
				deleteContact(account, this.contacts.contactOr404(account, p.contactId));
				return { status: 204 };
			case 'getContactListsPage':
				return this.listsPage(account, query);
			case 'createContactList':
				return json(201, this.store.listData(account, this.createList(account, b)));
			case 'getContactListById':
				return json(200, this.store.listData(account, this.listOr404(account, p.listId)));
			case 'updateContactList':
				return json(
					200,
					this.store.listData(
						account,
						this.updateList(account, this.listOr404(account, p.listId), b),
					),
				);
			case 'deleteContactListById': {
				this.listOr404(account, p.listId);
				account.lists.delete(p.listId);
				for (const contact of account.contacts.values())
					contact.lists = contact.lists.filter((id) => id !== p.listId);
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
				return json(
					200,
					this.store.customFieldData(account, this.customFieldOr404(account, p.customFieldId)),
				);
			case 'updateCustomField':
				return json(
					200,
					this.store.customFieldData(
						account,
						this.updateCustomField(account, this.customFieldOr404(account, p.customFieldId), b),
					),
				);
			case 'deleteCustomFieldById': {
				this.customFieldOr404(account, p.customFieldId);
				account.customFields.delete(p.customFieldId);
				for (const contact of account.contacts.values())
					contact.customFields = contact.customFields.filter((v) => v.id !== p.customFieldId);
				return { status: 204 };
			}
		}
		throw new Error(`unrouted operation ${matched.operation}`);
	}

	// ---------- lists ----------

	private listOr404(account: MessageMediaAccount, id: string): StoredList {
		const list = account.lists.get(id);
		if (!list) throw notFound('List', id);
		return list;
	}

	private checkListName(account: MessageMediaAccount, name: string, selfId?: string): void {
		const problem = listNameProblem(account.lists.values(), name, selfId);
		if (problem === 'empty')
			throw badRequest('Invalid list', [
				{ name: 'name', code: 'must_not_be_empty', reason: 'must not be empty' },
			]);
		if (problem === 'taken') throw conflict(`A list named '${name}' already exists`);
	}

	private createList(account: MessageMediaAccount, body: Record<string, unknown>): StoredList {
		const name = body.name as string;
		this.checkListName(account, name);
		const created = now();
		const list: StoredList = {
			id: randomUUID(),
			name,
			alias: str(body.alias),
			createdDate: created,
			lastModifiedDate: created,
		};
		account.lists.set(list.id, list);
		return list;
	}

	private updateList(
		account: MessageMediaAccount,
		list: StoredList,
		body: Record<string, unknown>,
	): StoredList {
		const name = body.name as string;
		this.checkListName(account, name, list.id);
		list.name = name;
		if (typeof body.alias === 'string') list.alias = body.alias;
		list.lastModifiedDate = now();
		return list;
	}

	private listAndContact(
		account: MessageMediaAccount,
		listId: string,
		contactId: string,
	): { list: StoredList; contact: StoredContact } {
		const list = account.lists.get(listId);
		const contact = account.contacts.get(contactId);
		const problems: InvalidField[] = [];
		if (!list)
			problems.push({
				name: 'listId',
				code: 'invalid_reference',
				reason: 'list does not exist',
				invalidIds: [listId],
			});
		if (!contact)
			problems.push({
				name: 'contactId',
				code: 'invalid_reference',
				reason: 'contact does not exist',
				invalidIds: [contactId],
			});
		if (problems.length > 0) throw badRequest('Invalid reference', problems);
		return { list: list as StoredList, contact: contact as StoredContact };
	}

	private modifyMembers(
		account: MessageMediaAccount,
		listId: string,
		body: Record<string, unknown>,
	): StoredList {
		const list = account.lists.get(listId);
		if (!list)
			throw badRequest('Invalid reference', [
				{
					name: 'listId',
					code: 'invalid_reference',
					reason: 'list does not exist',
					invalidIds: [listId],
				},
			]);
		const add = ((body.contactsToAddIds as string[] | undefined) ?? []).map((id) =>
			id.toLowerCase(),
		);
		const remove = ((body.contactsToRemoveIds as string[] | undefined) ?? []).map((id) =>
			id.toLowerCase(),
		);
		const problems: InvalidField[] = [];
		const unknownAdd = add.filter((id) => !account.contacts.has(id));
		const unknownRemove = remove.filter((id) => !account.contacts.has(id));
		if (unknownAdd.length > 0)
			problems.push({
				name: 'contactsToAddIds',
				code: 'invalid_reference',
				reason: 'contact does not exist',
				invalidIds: unknownAdd,
			});
		if (unknownRemove.length > 0)
			problems.push({
				name: 'contactsToRemoveIds',
				code: 'invalid_reference',
				reason: 'contact does not exist',
				invalidIds: unknownRemove,
			});
		const both = add.filter((id) => remove.includes(id));
		if (both.length > 0)
			problems.push({
				name: 'contactsToAddIds',
				code: 'incorrect_operation',
				reason: 'a contact cannot be added and removed in one request',
				invalidIds: both,
			});
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
		return pageOf(query, items, (l) => this.store.listData(account, l), this.options);
	}

	// ---------- custom fields ----------

	private customFieldOr404(account: MessageMediaAccount, id: string): StoredCustomField {
		const field = account.customFields.get(id);
		if (!field) throw notFound('Custom field', id);
		return field;
	}

	private createCustomField(
		account: MessageMediaAccount,
		body: Record<string, unknown>,
	): StoredCustomField {
		const label = body.label as string;
		const mergeTag = body.mergeTag as string;
		const maxLength = body.maxLength as number;
		const problems = customFieldProblems({ label, mergeTag, maxLength });
		if (problems.length > 0) throw badRequest('Invalid custom field', problems);
		if (mergeTagTaken(account.customFields.values(), mergeTag))
			throw conflict(`A custom field with merge tag '${mergeTag}' already exists`);
		const created = now();
		const field: StoredCustomField = {
			id: randomUUID(),
			label,
			mergeTag,
			maxLength,
			type: body.type as CustomFieldType,
			createdDate: created,
			lastModifiedDate: created,
		};
		account.customFields.set(field.id, field);
		return field;
	}

	private updateCustomField(
		account: MessageMediaAccount,
		field: StoredCustomField,
		body: Record<string, unknown>,
	): StoredCustomField {
		if (typeof body.maxLength === 'number' && maxLengthProblems(body.maxLength).length > 0)
			throw badRequest('Invalid custom field', maxLengthProblems(body.maxLength));
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
		return pageOf(query, items, (f) => this.store.customFieldData(account, f), this.options);
	}
}
