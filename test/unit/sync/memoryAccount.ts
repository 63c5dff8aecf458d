/**
 * The in-memory MessageMedia account's data and the vendor's rules (see memoryClient.ts): the shapes
 * the model stores and logs, how a contact is rendered and filtered, and how a PATCH's channels apply
 * under each reading of the vendor's PATCH arrays.
 */

import { ServiceApiError } from '../../../lib/common/errors';
import type { Contact, ContactChannel, ContactFilter, ContactList, CustomField, MessageMediaClient } from '../../../lib/messagemedia/types';

export type PatchArrays = 'replace' | 'merge';
export const PATCH_READINGS: PatchArrays[] = ['replace', 'merge'];

export interface MemoryOptions {
	/** How `channels` and `customFields` in a PATCH apply (default `replace`). */
	patchArrays?: PatchArrays;
}

export interface LoggedRequest {
	method: string;
	path: string;
	query?: Record<string, unknown>;
	body?: unknown;
}

export type Operation = Exclude<keyof MessageMediaClient, 'stats'> | 'findOptedOutNumbers';

export interface Fault {
	status: number;
	/** The write happens, then the answer is lost (timeout / 503 after commit). */
	afterCommit?: boolean;
}

/** Decides a fault for one request (`index`: its position in the log). */
export type FaultInjector = (request: LoggedRequest, index: number) => Fault | undefined;

/** Thrown by every request once the crash switch is reached: the process running the sync is gone. */
export class SimulatedCrash extends Error {
	constructor() {
		super('simulated crash: the process running the sync was killed');
		this.name = 'SimulatedCrash';
	}
}

export interface StoredContact {
	id: string;
	attributes: Record<string, string>;
	dateOfBirth?: string;
	channels: ContactChannel[];
	listIds: string[];
	customFields: Map<string, string>;
	createdDate: string;
	lastModifiedDate: string;
}

export const ACCOUNT = 'acc-1';
export const ATTRIBUTES = ['firstName', 'lastName', 'alias', 'country', 'state', 'location', 'note'] as const;
export const WRITABLE = new Set(['SMS', 'WHATSAPP']);

export function apiError(status: number, type: string, title: string, detail = title): ServiceApiError {
	return new ServiceApiError({ service: 'messagemedia', status, code: type, message: `${title}: ${detail}` });
}

export const invalid = (detail: string) => apiError(400, 'validation', 'Invalid input', detail);

export function render(stored: StoredContact, fields: Map<string, CustomField>, lists: Map<string, ContactList>): Contact {
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
			const field = fields.get(id) as CustomField;
			return { id, mergeTag: field.mergeTag, value, type: field.type };
		}),
		channels: stored.channels.map((c) => ({ ...c })),
		lists: stored.listIds.map((id) => ({ id, name: (lists.get(id) as ContactList).name })),
	};
	if (stored.dateOfBirth) contact.dateOfBirth = stored.dateOfBirth;
	return contact;
}

/** Whether a contact passes a contacts-API filter. */
export function matches(stored: StoredContact, filter: ContactFilter): boolean {
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

/** Channels after a PATCH that sent `sent`, under the given reading. */
export function patchedChannels(stored: StoredContact, sent: ContactChannel[], reading: PatchArrays): ContactChannel[] {
	if (reading === 'replace') return sent.map((c) => ({ ...c }));
	const channels = stored.channels.map((c) => ({ ...c }));
	for (const channel of sent) {
		const existing = channels.find((c) => c.type === channel.type && c.channelId === channel.channelId);
		if (existing === undefined) channels.push({ ...channel });
		else if (channel.subscriptionState !== undefined) existing.subscriptionState = channel.subscriptionState;
	}
	return channels;
}

/** A body's channels as the API checks them: not empty, writable types only, E.164 SMS numbers, no channel twice. */
export function checkWritable(channels: ContactChannel[]): void {
	if (!Array.isArray(channels) || channels.length === 0) throw invalid('channels must not be empty');
	const seen = new Set<string>();
	for (const channel of channels) {
		if (!WRITABLE.has(channel.type)) throw invalid(`channel type ${channel.type} can't be written`);
		if (channel.type === 'SMS' && !/^\+[1-9]\d{6,14}$/.test(channel.channelId)) throw invalid(`channelId ${channel.channelId} is not E.164`);
		const key = `${channel.type} ${channel.channelId}`;
		if (seen.has(key)) throw invalid(`channel ${key} is sent twice`);
		seen.add(key);
	}
}
