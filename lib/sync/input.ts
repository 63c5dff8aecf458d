/**
 * Turns the raw input items of the Sync operation into sync inputs: Contact Mapper items (checked),
 * the Mapper's rejected records (their users stay in scope), and items that are neither.
 */

import { CONTACT_ATTRIBUTES, isE164 } from '../messagemedia/contact-request';
import {
	isEmptyPlaceholder,
	type ContactFields,
	type FieldProvenance,
	type SyncDirection,
	type SyncItem,
} from '../types';
import type { SyncInput } from './types';

export interface InvalidInput {
	index: number;
	message: string;
}

export interface ClassifiedInput {
	inputs: SyncInput[];
	/** Items that are not sync items at all: the node reports them per item or fails naming the index. */
	invalid: InvalidInput[];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DIRECTIONS: SyncDirection[] = ['one-way', 'reverse', 'bidirectional'];

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Classifies every input item by index; `{}` placeholders (n8n "Always Output Data") are skipped. */
export function classifyInput(jsons: unknown[]): ClassifiedInput {
	const inputs: SyncInput[] = [];
	const invalid: InvalidInput[] = [];
	jsons.forEach((json, index) => {
		if (isEmptyPlaceholder(json)) return;
		if (!isRecord(json)) {
			const message = `Item ${index} is not an object`;
			inputs.push({ kind: 'invalid', index, message });
			invalid.push({ index, message });
			return;
		}
		const sourceId =
			typeof json.sourceId === 'string' && json.sourceId.trim() !== ''
				? json.sourceId.trim()
				: undefined;
		if (sourceId !== undefined && (json.action === 'upsert' || json.action === 'remove')) {
			const checked = checkSyncItem(json, sourceId);
			if (typeof checked === 'string')
				inputs.push({ kind: 'rejected', index, sourceId, reason: checked });
			else inputs.push({ kind: 'item', index, item: checked });
			return;
		}
		if (typeof json.code === 'string' && typeof json.reason === 'string') {
			inputs.push({ kind: 'rejected', index, sourceId, reason: json.reason });
			return;
		}
		const message =
			sourceId === undefined
				? `Item ${index} is not a Contact Mapper item: it needs "sourceId" and "action" ("upsert" or "remove")`
				: `Item ${index} (${sourceId}) is not a Contact Mapper item: "action" must be "upsert" or "remove"; its contact is left as it is`;
		// Still an input: with a sourceId its user stays in scope; without one, removals of absent users are held back.
		inputs.push(
			sourceId === undefined
				? { kind: 'invalid', index, message }
				: { kind: 'invalid', index, sourceId, message },
		);
		invalid.push({ index, message });
	});
	return { inputs, invalid };
}

/** A clean SyncItem, or the reason it can't be synced. */
function checkSyncItem(json: Record<string, unknown>, sourceId: string): SyncItem | string {
	const item: SyncItem = { sourceId, action: json.action as SyncItem['action'] };
	if (typeof json.reason === 'string') item.reason = json.reason as SyncItem['reason'];
	if (isRecord(json.source)) item.source = json.source;
	if (typeof json.fingerprint === 'string') item.fingerprint = json.fingerprint;
	if (json.direction !== undefined) {
		if (!DIRECTIONS.includes(json.direction as SyncDirection))
			return `"direction" must be one of ${DIRECTIONS.join(', ')}`;
		item.direction = json.direction as SyncDirection;
	}
	if (json.provenance !== undefined) {
		const provenance = checkProvenance(json.provenance);
		if (typeof provenance === 'string') return provenance;
		item.provenance = provenance;
	}
	if (json.contact === undefined || json.contact === null) {
		return item.action === 'upsert' ? 'An upsert item needs "contact"' : item;
	}
	const contact = isRecord(json.contact)
		? checkContact(json.contact)
		: '"contact" must be an object';
	if (typeof contact !== 'string') item.contact = contact;
	// A removal needs no contact fields: a bad one is dropped, not a reason to keep the contact.
	else if (item.action === 'upsert') return contact;
	return item;
}

/** A top-level user property, or the one business phone. */
const WRITABLE_ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9_]*|businessPhones\[0\])$/;
/** Account and identity properties: a contact field never writes them, whatever an item says. */
const NEVER_WRITTEN_BACK = new Set([
	'id',
	'accountEnabled',
	'passwordProfile',
	'userPrincipalName',
	'identities',
	'userType',
	'mailNickname',
]);

/** `{ <contact field>: { attribute, value } }` as the Contact Mapper stamps it. */
function checkProvenance(raw: unknown): Record<string, FieldProvenance> | string {
	if (!isRecord(raw))
		return '"provenance" must be an object of contact field → { attribute, value }';
	const provenance: Record<string, FieldProvenance> = {};
	for (const [field, entry] of Object.entries(raw)) {
		const ok =
			isRecord(entry) &&
			typeof entry.attribute === 'string' &&
			entry.attribute.trim() !== '' &&
			(entry.value === null || entry.value === undefined || typeof entry.value === 'string');
		if (!ok) return `"provenance.${field}" must be { attribute, value }`;
		const attribute = (entry.attribute as string).trim();
		if (!WRITABLE_ATTRIBUTE.test(attribute) || NEVER_WRITTEN_BACK.has(attribute)) {
			return `"provenance.${field}": "${attribute}" is not a directory attribute the sync writes back`;
		}
		provenance[field] = {
			attribute: (entry.attribute as string).trim(),
			value: (entry.value as string | null | undefined) ?? null,
		};
	}
	return provenance;
}

function checkContact(raw: Record<string, unknown>): ContactFields | string {
	const contact: ContactFields = {};
	for (const key of [...CONTACT_ATTRIBUTES, 'phone', 'email'] as const) {
		const value = raw[key];
		if (value === undefined) continue;
		if (value === null) contact[key] = '';
		else if (typeof value === 'string' || typeof value === 'number') contact[key] = String(value);
		else return `"contact.${key}" must be a string`;
	}
	if (contact.phone !== undefined && contact.phone !== '' && !isE164(contact.phone)) {
		return `Phone "${contact.phone}" is not an E.164 number (+ and 7 to 15 digits)`;
	}
	if (contact.phone === '') delete contact.phone;
	if (contact.dateOfBirth && !ISO_DATE.test(contact.dateOfBirth)) {
		return `Date of birth "${contact.dateOfBirth}" is not YYYY-MM-DD`;
	}
	if (raw.lists !== undefined && raw.lists !== null) {
		if (!Array.isArray(raw.lists) || raw.lists.some((name) => typeof name !== 'string')) {
			return '"contact.lists" must be a list of names';
		}
		contact.lists = (raw.lists as string[])
			.map((name) => name.trim())
			.filter((name) => name !== '');
	}
	if (raw.customFields !== undefined && raw.customFields !== null) {
		if (!isRecord(raw.customFields))
			return '"contact.customFields" must be an object of label → value';
		const fields = Object.create(null) as Record<string, string>;
		for (const [key, value] of Object.entries(raw.customFields)) {
			if (value === undefined) continue;
			if (value === null) fields[key] = '';
			else if (['string', 'number', 'boolean'].includes(typeof value)) fields[key] = String(value);
			else return `Custom field "${key}" must be a string`;
		}
		contact.customFields = fields;
	}
	return contact;
}
