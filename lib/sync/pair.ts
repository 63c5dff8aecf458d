/**
 * Reverse and bidirectional runs, per linked pair: which reversible field MessageMedia keeps, which
 * the directory takes (the write-back), and the new base (the hashes both sides agree on).
 */

import { CONTACT_ATTRIBUTES } from '../messagemedia/contact-request';
import type { Contact, CustomField } from '../messagemedia/types';
import type { ContactFields, SyncItem } from '../types';
import { fieldValue, findCustomField } from './contact';
import { managedChannel } from './diff';
import {
	decodeBase,
	encodeBase,
	hashValue,
	mergeField,
	ownerHash,
	type MergeDecision,
	type SyncBase,
} from './merge';
import type { OwnershipRecord } from './record';
import type {
	ContactAttribute,
	Direction,
	DirectoryOutcome,
	FieldChange,
	FieldConflict,
	FieldSpec,
	PlannedWriteBack,
	SyncOptions,
} from './types';
import { attributeValue, formatPhoneForDirectory, graphAttribute } from './writeback';

const CUSTOM_FIELD_KEY = 'customFields.';

/** The directory's value of a contact field key (`phone`, `firstName`, `customFields.<key>`) in an item. */
export function itemValue(fields: ContactFields, key: string): string | undefined {
	if (key.startsWith(CUSTOM_FIELD_KEY)) {
		const custom = fields.customFields;
		const name = key.slice(CUSTOM_FIELD_KEY.length);
		return custom !== undefined && Object.prototype.hasOwnProperty.call(custom, name)
			? custom[name]
			: undefined;
	}
	if (
		key !== 'phone' &&
		key !== 'email' &&
		!(CONTACT_ATTRIBUTES as readonly string[]).includes(key)
	)
		return undefined;
	const value = (fields as Record<string, unknown>)[key];
	return typeof value === 'string' ? value : undefined;
}

function setItemValue(fields: ContactFields, key: string, value: string): void {
	if (key.startsWith(CUSTOM_FIELD_KEY)) {
		const custom = Object.assign(
			Object.create(null) as Record<string, string>,
			fields.customFields,
		);
		custom[key.slice(CUSTOM_FIELD_KEY.length)] = value;
		fields.customFields = custom;
	} else (fields as Record<string, unknown>)[key] = value;
}

const sameHashes = (a: Record<string, string>, b: Record<string, string>): boolean =>
	Object.keys(a).length === Object.keys(b).length &&
	Object.entries(a).every(([key, hash]) => b[key] === hash);

export interface PairContext {
	direction: Direction;
	options: SyncOptions;
	/** The base field (bidirectional runs, and one-way runs that keep an existing base true). */
	baseSpec?: FieldSpec;
	readOnly: ReadonlySet<string>;
	customFields: CustomField[];
	now: number;
}

/** One linked pair planned in both directions: what MessageMedia should hold and what the directory gets. */
export interface PairPlan {
	contact: ContactFields;
	writeBack?: PlannedWriteBack;
	directory?: DirectoryOutcome;
	conflicts?: Record<string, FieldConflict>;
	/** New base field value; undefined leaves the base as it is. */
	base?: string;
}

/** MessageMedia's current value of a contact field key; undefined for a key the sync can't read back. */
function messagingValue(
	contact: Contact,
	record: OwnershipRecord,
	key: string,
	ctx: PairContext,
): string | undefined {
	if (key === 'phone') return managedChannel(contact, record)?.channelId ?? '';
	const fieldKey =
		key === 'email'
			? ctx.options.emailFieldLabel
			: key.startsWith(CUSTOM_FIELD_KEY)
				? key.slice(CUSTOM_FIELD_KEY.length)
				: undefined;
	if (fieldKey !== undefined)
		return fieldValue(contact, findCustomField(ctx.customFields, fieldKey)?.id);
	if ((CONTACT_ATTRIBUTES as readonly string[]).includes(key))
		return contact[key as ContactAttribute] ?? '';
	return undefined;
}

/** The base a contact carries for this user, if any. */
export function storedBase(
	contact: Contact,
	sourceId: string,
	ctx: Pick<PairContext, 'baseSpec'>,
): SyncBase | undefined {
	if (ctx.baseSpec?.id === undefined) return undefined;
	return decodeBase(fieldValue(contact, ctx.baseSpec.id), sourceId);
}

/**
 * A one-way run on a contact that carries a base from two-way runs: a field changed only in
 * MessageMedia since the base is left as it is (the next two-way run takes it to the directory);
 * every other field takes the directory's value, and the base moves with what the run writes, so a
 * later two-way run doesn't mistake it for a change on both sides. Undefined: no base.
 */
export function followBase(
	item: SyncItem,
	contact: Contact,
	record: OwnershipRecord,
	ctx: PairContext,
): { contact: ContactFields; base?: string } | undefined {
	const base = storedBase(contact, item.sourceId, ctx);
	if (base === undefined) return undefined;
	const desired: ContactFields = { ...item.contact };
	if (item.contact?.customFields)
		desired.customFields = Object.assign(
			Object.create(null) as Record<string, string>,
			item.contact.customFields,
		);
	const hashes = { ...base.hashes };
	for (const key of Object.keys(base.hashes)) {
		const directory = itemValue(desired, key);
		const messaging = messagingValue(contact, record, key, ctx);
		if (directory === undefined || messaging === undefined) continue;
		const onlyMessagingChanged =
			hashValue(messaging) !== base.hashes[key] && hashValue(directory) === base.hashes[key];
		if (onlyMessagingChanged && !(key === 'phone' && messaging === ''))
			setItemValue(desired, key, messaging);
		else hashes[key] = hashValue(directory);
	}
	return sameHashes(base.hashes, hashes)
		? { contact: desired }
		: { contact: desired, base: encodeBase({ time: ctx.now, owner: base.owner, hashes }) };
}

/**
 * Decides every field the item can write back (its provenance), per the three-way merge
 * (bidirectional) or MessageMedia's value (reverse). A contact being adopted was never synced:
 * whatever the authority, the directory wins its differences (a hand-made contact's values are not
 * written into the directory).
 */
export function planPair(
	item: SyncItem,
	contact: Contact,
	record: OwnershipRecord,
	adopted: boolean,
	ctx: PairContext,
): PairPlan {
	const desired: ContactFields = { ...item.contact };
	if (item.contact?.customFields)
		desired.customFields = Object.assign(
			Object.create(null) as Record<string, string>,
			item.contact.customFields,
		);
	const reverse = ctx.direction === 'toDirectory';
	const base = reverse || adopted ? undefined : storedBase(contact, item.sourceId, ctx);
	const onPremises = item.source?.onPremisesSyncEnabled === true;
	const lastModified = Date.parse(contact.lastModifiedDate);
	const body: Record<string, unknown> = {};
	const changes: Record<string, FieldChange> = {};
	const skipped: Record<string, FieldChange> = {};
	const conflicts: Record<string, FieldConflict> = {};
	const success: Record<string, string> = {};
	const failure: Record<string, string> = {};
	for (const [key, from] of Object.entries(item.provenance ?? {})) {
		const directory = itemValue(desired, key);
		const messaging = messagingValue(contact, record, key, ctx);
		if (directory === undefined || messaging === undefined) continue;
		let decision: MergeDecision;
		if (reverse) {
			// MessageMedia is the source; a contact without a number leaves the directory's alone.
			const same = directory === messaging || (key === 'phone' && messaging === '');
			decision = same
				? { action: 'noop', value: directory }
				: { action: 'toDirectory', value: messaging };
		} else {
			decision = mergeField(
				{ base: base?.hashes[key], directory, messaging },
				{
					authority: adopted ? 'directory' : ctx.options.authority,
					baseTime: base?.time,
					messagingChangedAt: Number.isNaN(lastModified) ? undefined : lastModified,
					now: ctx.now,
					clearable: key !== 'phone',
				},
			);
		}
		if (decision.action === 'conflict')
			conflicts[key] = { directory, messaging, winner: decision.winner, reason: decision.reason };
		if (
			decision.action === 'noop' ||
			decision.action === 'toMessaging' ||
			(decision.action === 'conflict' && decision.winner === 'directory')
		) {
			// MessageMedia takes (or holds) the directory's value.
			success[key] = failure[key] = hashValue(directory);
			continue;
		}
		// MessageMedia keeps its value; the directory takes it.
		setItemValue(desired, key, messaging);
		const attribute = graphAttribute(from.attribute);
		const value =
			key === 'phone' && messaging !== ''
				? formatPhoneForDirectory(messaging, from.value, ctx.options.phoneWriteFormat)
				: messaging;
		const change: FieldChange = { from: from.value ?? '', to: value };
		const old = base?.hashes[key];
		if (old !== undefined) failure[key] = old;
		if (onPremises && ctx.readOnly.has(attribute)) {
			skipped[attribute] = change;
			if (old !== undefined) success[key] = old;
			continue;
		}
		const [name, graphValue] = attributeValue(from.attribute, value);
		body[name] = graphValue;
		changes[attribute] = change;
		success[key] = hashValue(messaging);
	}

	const pair: PairPlan = { contact: desired };
	if (Object.keys(conflicts).length > 0) pair.conflicts = conflicts;
	const written = Object.keys(changes).length > 0;
	if (written || Object.keys(skipped).length > 0) {
		const directory: DirectoryOutcome = {
			action: written ? 'updated' : 'skipped',
			userId: item.sourceId,
		};
		if (written) directory.changes = changes;
		if (Object.keys(skipped).length > 0) {
			directory.skipped = skipped;
			directory.reason = 'on-premises mastered';
		}
		pair.directory = directory;
	}
	if (written) pair.writeBack = { userId: item.sourceId, body };
	if (!reverse) {
		const owner = ownerHash(item.sourceId);
		const unchanged = (hashes: Record<string, string>) =>
			base === undefined ? Object.keys(hashes).length === 0 : sameHashes(base.hashes, hashes);
		if (!unchanged(success)) pair.base = encodeBase({ time: ctx.now, owner, hashes: success });
		if (pair.writeBack)
			pair.writeBack.baseOnFailure = unchanged(failure)
				? null
				: encodeBase({ time: ctx.now, owner, hashes: failure });
	}
	return pair;
}
