/**
 * The MessageMedia Contacts client: every call goes through the one transport. Reads page with
 * `pageSize` (≤ 1000) following `nextPageToken`, and fail rather than return part of a collection
 * (paging.ts); list membership uses the bulk endpoint in chunks of 1000 ids; look-ups by phone (and of
 * opted-out numbers, in the number authorisation API) are chunked so the request line stays short.
 */

import { ConfigurationError, ServiceApiError } from '../common/errors';
import type { AdaptiveConcurrency } from './adaptive';
import { resolveMessageMediaConnection, type MessageMediaCredentialFields } from './config';
import { AUTH_REJECTED_MESSAGE } from './errors';
import { collectPages } from './paging';
import { MessageMediaTransport, type QueryValue, type TransportOptions } from './transport';
import type {
	Contact,
	ContactFilter,
	ContactList,
	CreateContactRequest,
	CreateCustomFieldRequest,
	CustomField,
	CustomFieldFilter,
	ListFilter,
	MessageMediaClient,
	NumberAuthorisationResponse,
	PageOptions,
	RequestStats,
	UpdateContactRequest,
} from './types';

export const CONTACTS_PATH = '/api/v1/contacts/contacts';
export const LISTS_PATH = '/api/v1/contacts/lists';
export const CUSTOM_FIELDS_PATH = '/api/v1/contacts/custom-fields';

/** The API's page size limit (GetContactsRequest / GetListsRequest / GetCustomFieldsRequest `pageSize`). */
export const MAX_PAGE_SIZE = 1000;
/** `contactsToAddIds` / `contactsToRemoveIds` hold at most 1000 ids (UpdateContactsListRequest). */
export const LIST_MEMBERS_CHUNK = 1000;
/**
 * Numbers per `channelIds` look-up. Each number costs ~26 characters of query (`channelIds=%2B61491570156&`);
 * 50 keep the request line near 1.5 KB, well under the 4–8 KB limits common in API gateways and proxies
 * (a 1000-number query would be ~26 KB and risk 414 URI Too Long), while still needing only 20 requests
 * per thousand numbers.
 */
export const PHONE_LOOKUP_CHUNK = 50;
/** The number authorisation API (the account blacklist): a path of its own, beside /api/v1/contacts. */
export const OPT_OUT_API_PATH = '/v1/number_authorisation';
/**
 * Numbers per `is_authorised` look-up: they travel in the path, comma-separated (at most 16 characters
 * each), so 50 keep the request line under 1 KB.
 */
export const OPT_OUT_LOOKUP_CHUNK = 50;
/** Numbers per addition to the opt-out list (the API takes at most 10). */
export const OPT_OUT_ADD_CHUNK = 10;

const E164 = /^\+[1-9]\d{6,14}$/;

function chunk<T>(values: T[], size: number): T[][] {
	const chunks: T[][] = [];
	for (let i = 0; i < values.length; i += size) chunks.push(values.slice(i, i + size));
	return chunks;
}

export class HttpMessageMediaClient implements MessageMediaClient {
	constructor(private readonly transport: MessageMediaTransport) {}

	get stats(): RequestStats {
		return this.transport.stats;
	}

	get flow(): AdaptiveConcurrency {
		return this.transport.flow;
	}

	/**
	 * One id as a path segment. encodeURIComponent keeps dots, and a URL collapses `.` and `..` segments
	 * (`/contacts/..` is `/api/v1/contacts/`), so such ids are refused, wherever they came from (a node
	 * parameter, a sync item, or an id the service itself returned).
	 */
	private segment(id: string, what: 'contact' | 'list'): string {
		const text = typeof id === 'string' ? id : String(id);
		if (text.trim() === '' || /^(?:\.|%2e){1,2}$/i.test(text.trim())) {
			throw new ConfigurationError(
				`${JSON.stringify(text.slice(0, 100))} is not a MessageMedia ${what} id`,
				what === 'list' ? 'listId' : 'contactId',
			);
		}
		return encodeURIComponent(text);
	}

	async listContacts(filter: ContactFilter = {}, page: PageOptions = {}): Promise<Contact[]> {
		return await this.collect<Contact>(CONTACTS_PATH, { ...filter }, page);
	}

	async getContact(id: string): Promise<Contact> {
		return await this.expectBody<Contact>('GET', `${CONTACTS_PATH}/${this.segment(id, 'contact')}`);
	}

	async findContactsByPhone(phones: string[]): Promise<Contact[]> {
		const unique = [...new Set(phones.filter((phone) => phone))];
		const found = new Map<string, Contact>();
		for (const numbers of chunk(unique, PHONE_LOOKUP_CHUNK)) {
			for (const contact of await this.listContacts({
				channelIds: numbers,
				channelTypes: ['SMS'],
			})) {
				found.set(contact.id, contact);
			}
		}
		return [...found.values()];
	}

	async createContact(body: CreateContactRequest): Promise<Contact> {
		return await this.expectBody<Contact>('POST', CONTACTS_PATH, body);
	}

	async updateContact(id: string, body: UpdateContactRequest): Promise<Contact> {
		return await this.expectBody<Contact>(
			'PATCH',
			`${CONTACTS_PATH}/${this.segment(id, 'contact')}`,
			body,
		);
	}

	/** 204 on success; a 404 answering a retried DELETE means the first attempt already deleted it. */
	async deleteContact(id: string): Promise<void> {
		await this.transport.request({
			method: 'DELETE',
			path: `${CONTACTS_PATH}/${this.segment(id, 'contact')}`,
			successAfterRetry: [404],
		});
	}

	async listLists(filter: ListFilter = {}, page: PageOptions = {}): Promise<ContactList[]> {
		return await this.collect<ContactList>(LISTS_PATH, { ...filter }, page);
	}

	async createList(body: { name: string; alias?: string }): Promise<ContactList> {
		return await this.expectBody<ContactList>('POST', LISTS_PATH, body);
	}

	/** One PATCH per 1000 ids: call n carries the n-th chunk of additions and the n-th chunk of removals. */
	async modifyListMembers(
		listId: string,
		change: { add?: string[]; remove?: string[] },
	): Promise<void> {
		const add = chunk([...new Set(change.add ?? [])], LIST_MEMBERS_CHUNK);
		const remove = chunk([...new Set(change.remove ?? [])], LIST_MEMBERS_CHUNK);
		for (let i = 0; i < Math.max(add.length, remove.length); i++) {
			const body: { contactsToAddIds?: string[]; contactsToRemoveIds?: string[] } = {};
			if (add[i]) body.contactsToAddIds = add[i];
			if (remove[i]) body.contactsToRemoveIds = remove[i];
			await this.transport.request({
				method: 'PATCH',
				path: `${LISTS_PATH}/${this.segment(listId, 'list')}/contacts`,
				body,
			});
		}
	}

	async listCustomFields(
		filter: CustomFieldFilter = {},
		page: PageOptions = {},
	): Promise<CustomField[]> {
		return await this.collect<CustomField>(CUSTOM_FIELDS_PATH, { ...filter }, page);
	}

	async createCustomField(body: CreateCustomFieldRequest): Promise<CustomField> {
		return await this.expectBody<CustomField>('POST', CUSTOM_FIELDS_PATH, body);
	}

	async addOptedOutNumbers(numbers: string[]): Promise<void> {
		const unique = [
			...new Set(numbers.map((number) => number.trim()).filter((number) => E164.test(number))),
		];
		for (const part of chunk(unique, OPT_OUT_ADD_CHUNK)) {
			await this.transport.request({
				method: 'POST',
				path: `${OPT_OUT_API_PATH}/mt/blacklist`,
				body: { numbers: part },
			});
		}
	}

	async findOptedOutNumbers(numbers: string[]): Promise<string[]> {
		const unique = [
			...new Set(numbers.map((number) => number.trim()).filter((number) => number !== '')),
		];
		const invalid = unique.filter((number) => !E164.test(number));
		if (invalid.length > 0) {
			throw new ConfigurationError(
				`Opt-out look-up needs E.164 numbers (+ and 7 to 15 digits); got ${invalid
					.slice(0, 3)
					.map((n) => JSON.stringify(n))
					.join(', ')}`,
				'numbers',
			);
		}
		const optedOut: string[] = [];
		for (const asked of chunk(unique, OPT_OUT_LOOKUP_CHUNK)) {
			// `+` and `,` are literal in a path: the numbers go as the API's own example writes them.
			const path = `${OPT_OUT_API_PATH}/is_authorised/${asked.join(',')}`;
			const body = await this.expectBody<NumberAuthorisationResponse>('GET', path);
			// Matched on digits: an answer that drops the + still counts; a number left unanswered fails the call.
			const answers = new Map(
				(Array.isArray(body.numbers) ? body.numbers : []).map((entry) => [
					String(entry.number).replace(/\D/g, ''),
					entry.authorised,
				]),
			);
			for (const number of asked) {
				const authorised = answers.get(number.slice(1));
				if (typeof authorised !== 'boolean') {
					throw new ServiceApiError({
						service: 'messagemedia',
						status: 200,
						code: 'incompleteAnswer',
						message: `MessageMedia did not say whether ${number} may receive SMS (GET ${OPT_OUT_API_PATH}/is_authorised)`,
					});
				}
				if (!authorised) optedOut.push(number);
			}
		}
		return optedOut;
	}

	/**
	 * Credential check: `GET /api/v1/contacts/lists?pageSize=1` on the configured base URL. Resolves when
	 * the key is accepted; 401/403 reject with the "rejected the API key/secret" message.
	 */
	async checkAccess(): Promise<void> {
		await this.transport.request({ method: 'GET', path: LISTS_PATH, query: { pageSize: 1 } });
	}

	private async expectBody<T>(
		method: 'GET' | 'POST' | 'PATCH',
		path: string,
		body?: unknown,
	): Promise<T> {
		const response = await this.transport.request<T>({ method, path, body });
		if (response.body === undefined) {
			throw new ServiceApiError({
				service: 'messagemedia',
				status: response.status,
				message: `MessageMedia answered ${method} ${path} with HTTP ${response.status} but no body`,
			});
		}
		return response.body;
	}

	/** Every page of a collection (see paging.ts: a short or looping read throws instead of returning part). */
	private async collect<T>(
		path: string,
		filter: Record<string, QueryValue>,
		page: PageOptions,
	): Promise<T[]> {
		const limit = page.limit !== undefined && page.limit >= 0 ? page.limit : Infinity;
		if (limit === 0) return [];
		const pageSize = Math.max(
			1,
			Math.min(
				page.pageSize ?? MAX_PAGE_SIZE,
				MAX_PAGE_SIZE,
				limit === Infinity ? MAX_PAGE_SIZE : Math.max(limit, 1),
			),
		);
		return await collectPages<T>(this.transport, path, filter, pageSize, limit);
	}
}

/** Builds a client from the credential's fields (validated; throws `ConfigurationError` naming the field). */
export function createMessageMediaClient(
	fields: MessageMediaCredentialFields,
	options: TransportOptions = {},
): HttpMessageMediaClient {
	return new HttpMessageMediaClient(
		new MessageMediaTransport(resolveMessageMediaConnection(fields), options),
	);
}

export type CredentialCheckResult = { ok: true } | { ok: false; message: string };

/** The credential test: never throws, never echoes the secret. */
export async function checkMessageMediaCredentials(
	fields: MessageMediaCredentialFields,
	options: TransportOptions = {},
): Promise<CredentialCheckResult> {
	try {
		// One retry at most: someone is waiting on the Test button.
		await createMessageMediaClient(fields, {
			...options,
			retry: { maxAttempts: 2, ...options.retry },
		}).checkAccess();
		return { ok: true };
	} catch (error) {
		if (error instanceof ServiceApiError && (error.status === 401 || error.status === 403)) {
			return { ok: false, message: AUTH_REJECTED_MESSAGE };
		}
		return { ok: false, message: (error as Error).message };
	}
}
