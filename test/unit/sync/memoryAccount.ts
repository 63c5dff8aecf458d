/**
 * The in-memory MessageMedia account's data and the vendor's rules (see memoryClient.ts): the shapes
 * the model stores and logs, how a contact is rendered and filtered, and how a PATCH's channels apply
 * under each reading of the vendor's PATCH arrays.
 */

import { ServiceApiError } from '../../../lib/common/errors';
import type {
	Contact,
	ContactChannel,
	ContactFilter,
	ContactList,
	CustomField,
	MessageMediaClient,
} from '../../../lib/messagemedia/types';
import {
	channelProblems,
	contactMatches,
	customFieldValueProblem,
	patchChannels,
	patchFieldValues,
	type FieldValue,
	type PatchArrays as FakeReading,
} from '../../fakes/messagemedia-rules';
import type { SeedChannel } from '../../fakes/types';

/**
 * The two readings of the vendor's PATCH arrays the sync must survive: `replace`, the sent arrays are
 * the stored sets (the HTTPS fake's `replaceAll`), and `merge` (the fake's `merge`).
 */
export type PatchArrays = 'replace' | 'merge';
export const PATCH_READINGS: PatchArrays[] = ['replace', 'merge'];
const FAKE_READING: Record<PatchArrays, FakeReading> = { replace: 'replaceAll', merge: 'merge' };

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
export const ATTRIBUTES = [
	'firstName',
	'lastName',
	'alias',
	'country',
	'state',
	'location',
	'note',
] as const;

export function apiError(
	status: number,
	type: string,
	title: string,
	detail = title,
): ServiceApiError {
	return new ServiceApiError({
		service: 'messagemedia',
		status,
		code: type,
		message: `${title}: ${detail}`,
	});
}

export const invalid = (detail: string) => apiError(400, 'validation', 'Invalid input', detail);

export function render(
	stored: StoredContact,
	fields: Map<string, CustomField>,
	lists: Map<string, ContactList>,
): Contact {
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

/** Whether a contact passes a contacts-API filter (test/fakes/messagemedia-rules.ts). */
export function matches(stored: StoredContact, filter: ContactFilter): boolean {
	return contactMatches(
		{ id: stored.id, listIds: stored.listIds, channels: stored.channels as SeedChannel[] },
		filter,
	);
}

/** Channels after a write that sent `sent` (a create: `stored` empty), under the reading (test/fakes/messagemedia-rules.ts). */
export function patchedChannels(
	stored: ContactChannel[],
	sent: ContactChannel[],
	reading: PatchArrays,
): ContactChannel[] {
	return patchChannels(
		stored as SeedChannel[],
		sent as SeedChannel[],
		FAKE_READING[reading],
	) as ContactChannel[];
}

/** Custom field values (id → value) after a write that sent `sent` (a create: `stored` empty, reading `replace`). */
export function patchedFieldValues(
	stored: Map<string, string>,
	sent: FieldValue[],
	reading: PatchArrays,
): Map<string, string> {
	const values = patchFieldValues(
		[...stored].map(([id, value]) => ({ id, value })),
		sent,
		FAKE_READING[reading],
	);
	return new Map(values.map(({ id, value }) => [id, value]));
}

/** A body's channels as the API checks them (test/fakes/messagemedia-rules.ts): the first problem, as the API's 400. */
export function checkWritable(channels: ContactChannel[]): void {
	const [problem] = channelProblems((channels ?? []) as SeedChannel[]);
	if (problem) throw invalid(`${problem.name}: ${problem.reason}`);
}

/** A value that does not fit its custom field (length, type), as the API's 400. */
export function checkFieldValue(field: CustomField, value: string): void {
	if (value === '') return;
	const problem = customFieldValueProblem(field, value);
	if (problem === 'invalid_length')
		throw invalid(`${field.mergeTag} is longer than ${field.maxLength}`);
	if (problem) throw invalid(`${field.mergeTag}: not a valid ${field.type} value`);
}
