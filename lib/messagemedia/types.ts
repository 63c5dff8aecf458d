/**
 * MessageMedia (Sinch Engage) Contacts API shapes (and the number authorisation answer), from the
 * vendor OpenAPI (vendored in `test/contract/sinch-engage-openapi/`), and the client the sync engine uses.
 */

import type { AdaptiveConcurrency } from './adaptive';

export type ChannelType = 'SMS' | 'WHATSAPP' | 'GBM' | 'INSTAGRAM' | 'FACEBOOK' | 'EMAIL';
export type SubscriptionState = 'SUBSCRIBED' | 'UNSUBSCRIBED';
export type CustomFieldType =
	| 'DATE'
	| 'NUMBER'
	| 'PHONE'
	| 'TEXT'
	| 'URL'
	| 'ZIP_CODE'
	| 'NAME'
	| 'EMAIL';

export interface ContactChannel {
	channelId: string;
	type: ChannelType;
	subscriptionState?: SubscriptionState;
}

export interface ContactCustomFieldValue {
	id: string;
	mergeTag: string;
	value: string;
	type: CustomFieldType;
}

export interface Contact {
	id: string;
	accountId: string;
	vendorId: string;
	firstName: string;
	lastName: string;
	fullName: string;
	alias: string;
	dateOfBirth?: string;
	country: string;
	state: string;
	location: string;
	note: string;
	createdDate: string;
	lastModifiedDate: string;
	customFields: ContactCustomFieldValue[];
	channels: ContactChannel[];
	lists: Array<{ id: string; name: string }>;
}

export interface ContactList {
	id: string;
	accountId: string;
	vendorId: string;
	name: string;
	alias: string;
	createdDate: string;
	lastModifiedDate: string;
}

export interface CustomField {
	id: string;
	accountId: string;
	vendorId: string;
	label: string;
	mergeTag: string;
	maxLength: number;
	type: CustomFieldType;
	createdDate: string;
	lastModifiedDate: string;
}

export interface WritableChannel {
	channelId: string;
	type: 'SMS' | 'WHATSAPP';
	subscriptionState?: SubscriptionState;
}

export interface CreateContactRequest {
	firstName?: string;
	lastName?: string;
	alias?: string;
	country?: string;
	state?: string;
	location?: string;
	note?: string;
	dateOfBirth?: string;
	channels: WritableChannel[];
	lists?: Array<{ id: string }>;
	customFields?: Array<{ id: string; value: string }>;
}

export type UpdateContactRequest = Partial<CreateContactRequest>;

export interface CreateCustomFieldRequest {
	label: string;
	mergeTag: string;
	maxLength: number;
	type: CustomFieldType;
}

export interface ContactFilter {
	listIds?: string[];
	contactIds?: string[];
	/** E.164 numbers. */
	channelIds?: string[];
	channelTypes?: ChannelType[];
	channelSubscriptionState?: SubscriptionState;
}

export interface ListFilter {
	listIds?: string[];
	name?: string;
	alias?: string;
}

export interface CustomFieldFilter {
	customFieldIds?: string[];
	label?: string;
	mergeTag?: string;
}

export interface PageOptions {
	/** 1..1000, default 1000. */
	pageSize?: number;
	/** Stop after this many records (Get Many with a limit). */
	limit?: number;
}

/** `GET /v1/number_authorisation/is_authorised/{numbers}` (number authorisation API). */
export interface NumberAuthorisationResponse {
	uri: string;
	numbers: Array<{ number: string; authorised: boolean }>;
}

/** Requests made by a client, for run reports and benchmarks. */
export interface RequestStats {
	total: number;
	/** Keyed by HTTP method. */
	byMethod: Record<string, number>;
	retries: number;
}

/**
 * The MessageMedia client (lib/messagemedia/client.ts implements it). Every method goes through the
 * one transport: auth (Basic or HMAC), base URL, timeout, retries and error mapping. Reads page with
 * `pageSize` 1000 until `nextPageToken` is absent. Writes are not retried blindly: `createContact`
 * is retried only by the caller's look-up-then-create (see lib/sync).
 */
export interface MessageMediaClient {
	readonly stats: RequestStats;
	/** Requests in flight, found while running (adaptive.ts); absent on clients without a transport. */
	readonly flow?: AdaptiveConcurrency;
	listContacts(filter?: ContactFilter, page?: PageOptions): Promise<Contact[]>;
	getContact(id: string): Promise<Contact>;
	/** Contacts whose SMS channel is one of these E.164 numbers (chunked look-ups by `channelIds`). */
	findContactsByPhone(phones: string[]): Promise<Contact[]>;
	createContact(body: CreateContactRequest): Promise<Contact>;
	updateContact(id: string, body: UpdateContactRequest): Promise<Contact>;
	deleteContact(id: string): Promise<void>;
	listLists(filter?: ListFilter, page?: PageOptions): Promise<ContactList[]>;
	createList(body: { name: string; alias?: string }): Promise<ContactList>;
	/** Bulk membership change, chunked by 1000 ids per request. */
	modifyListMembers(listId: string, change: { add?: string[]; remove?: string[] }): Promise<void>;
	listCustomFields(filter?: CustomFieldFilter, page?: PageOptions): Promise<CustomField[]>;
	createCustomField(body: CreateCustomFieldRequest): Promise<CustomField>;
	/**
	 * Of these E.164 numbers, the ones on the account's blacklist (opted out of SMS: MessageMedia will
	 * not deliver to them), from the number authorisation API in chunks of 50. An UNSUBSCRIBED contact
	 * channel is a different thing and is not reported here.
	 */
	findOptedOutNumbers(numbers: string[]): Promise<string[]>;
	/** Puts these E.164 numbers on the account's opt-out list (10 a request), so an opt-out outlives its contact. */
	addOptedOutNumbers(numbers: string[]): Promise<void>;
}
