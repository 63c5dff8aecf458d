/**
 * What one existing contact needs to match the directory: attributes, the managed SMS number (and
 * its consent state), custom field values, list memberships, and the ownership record that says
 * what the sync made. Pure; the planner and the applier (after a create found a contact) share it.
 *
 * Ownership rules (see lib/sync/README.md, "Invariants"):
 * - the sync manages one SMS channel per contact (the record's `phone`); other channels are a person's;
 * - it takes away only memberships it recorded, or of lists handed to it ("Managed Lists");
 * - it never sends a channel set when the contact has channels a write can't carry (EMAIL, …);
 * - a number known to be opted out is never sent SUBSCRIBED.
 */

import { CONTACT_ATTRIBUTES } from '../messagemedia/contact-request';
import type {
	Contact,
	ContactChannel,
	SubscriptionState,
	WritableChannel,
} from '../messagemedia/types';
import { fieldValue, listKey, smsChannels, unwritableChannels, writableChannels } from './contact';
import { decodeRecord, encodeRecord, listHash, sameRecord, type OwnershipRecord } from './record';
import type { FieldChange, FieldSpec, FieldValues, PlannedUpdate, ResolvedContact } from './types';

/** What the diff of one contact needs to know about the account and the run. */
export interface DiffContext {
	/** Custom fields by merge tag (`FieldValues` keys). */
	fields: Map<string, FieldSpec>;
	/** List keys handed to the sync ("Managed Lists"): it may take any linked contact out of them. */
	handed: ReadonlySet<string>;
	/** The ownership field; undefined only when no record can be kept (then nothing is taken away). */
	record: FieldSpec | undefined;
	/** Numbers known to be opted out (unsubscribed on a contact, or on the account's opt-out list). */
	optedOut: ReadonlySet<string>;
	/** State of an SMS channel the sync adds where it replaces none (new contacts' setting). */
	newSubscription?: SubscriptionState;
	/** This run's sync scope (hash); undefined: the default scope. */
	scope?: string;
}

export interface ContactDiff {
	attributes: PlannedUpdate['attributes'];
	/** The complete writable channel set, when the SMS channels change. */
	channels?: WritableChannel[];
	/** Changed custom field values by merge tag (the record included when it changes). */
	fields: FieldValues;
	listsAdd: string[];
	listsRemove: string[];
	/** Reported changes: attribute / `phone` / custom field label → old and new value. */
	changes: Record<string, FieldChange>;
	/** The record after this change (before list removals are confirmed). */
	record: OwnershipRecord;
	/** Why the number can't be changed safely (the contact is then left alone). */
	stuck?: string;
	/** Opted-out numbers this change takes off the contact: they go on the account's opt-out list first. */
	optOut?: string[];
}

export const emptyFields = (): FieldValues => Object.create(null) as FieldValues;

/** A change of nothing yet, from which removals, marks and releases build theirs. */
export const emptyDiff = (record: OwnershipRecord): ContactDiff => ({
	attributes: {},
	fields: emptyFields(),
	listsAdd: [],
	listsRemove: [],
	changes: Object.create(null) as ContactDiff['changes'],
	record,
});

export const diffIsEmpty = (diff: ContactDiff): boolean =>
	Object.keys(diff.attributes).length === 0 &&
	diff.channels === undefined &&
	Object.keys(diff.fields).length === 0 &&
	diff.listsAdd.length === 0 &&
	diff.listsRemove.length === 0;

/** The contact's ownership record. */
export const recordOf = (contact: Contact, ctx: Pick<DiffContext, 'record'>): OwnershipRecord =>
	decodeRecord(ctx.record?.id === undefined ? undefined : fieldValue(contact, ctx.record.id));

/**
 * The SMS channel the sync manages: the record's number; without one (or after a person changed it),
 * the contact's only SMS channel. Several SMS channels and none recorded: none (nothing is replaced).
 */
export function managedChannel(
	contact: Contact,
	record: OwnershipRecord,
): ContactChannel | undefined {
	const sms = smsChannels(contact);
	const recorded = sms.find((c) => c.channelId === record.phone);
	if (recorded !== undefined) return recorded;
	// A person renumbered the sync's channel in place (the sync keeps it first), or there is no record.
	if (record.phone !== undefined) return sms[0];
	return sms.length === 1 ? sms[0] : undefined;
}

/** List keys of the contact's memberships. */
export const contactListKeys = (contact: Contact): string[] => [
	...new Set(contact.lists.map((l) => listKey(l.name))),
];

/** Memberships the sync may take away: recorded ones and those of handed lists. */
export function ownedMemberships(
	contact: Contact,
	record: OwnershipRecord,
	ctx: Pick<DiffContext, 'handed'>,
): string[] {
	const recorded = new Set(record.lists);
	return contactListKeys(contact).filter(
		(key) => recorded.has(listHash(key)) || ctx.handed.has(key),
	);
}

/** A channel set with every opted-out number UNSUBSCRIBED. */
export function withConsent(
	channels: WritableChannel[],
	optedOut: ReadonlySet<string>,
): WritableChannel[] {
	return channels.map((c) =>
		optedOut.has(c.channelId) && c.subscriptionState !== 'UNSUBSCRIBED'
			? { ...c, subscriptionState: 'UNSUBSCRIBED' }
			: c,
	);
}

/** An opted-out number the sync takes off a contact is remembered on the account's opt-out list. */
function keepOptOut(channel: ContactChannel, ctx: DiffContext, diff: ContactDiff): void {
	if (channel.subscriptionState === 'UNSUBSCRIBED' || ctx.optedOut.has(channel.channelId))
		diff.optOut = [channel.channelId];
}

function diffPhone(
	contact: Contact,
	phone: string,
	record: OwnershipRecord,
	ctx: DiffContext,
	diff: ContactDiff,
): void {
	const managed = managedChannel(contact, record);
	const present = smsChannels(contact).find((c) => c.channelId === phone);
	const unwritable = unwritableChannels(contact).map((c) => c.type);
	diff.record.phone = phone;
	if (present !== undefined) {
		// The number is already on the contact (with its own consent state): drop the old one the sync put there.
		if (managed === undefined || managed === present || unwritable.length > 0) return;
		keepOptOut(managed, ctx, diff);
		diff.channels = withConsent(
			writableChannels(contact).filter(
				(c) => !(c.type === 'SMS' && c.channelId === managed.channelId),
			),
			ctx.optedOut,
		);
		diff.changes.phone = { from: managed.channelId, to: phone };
		return;
	}
	if (unwritable.length > 0) {
		diff.stuck = `The contact also has ${[...new Set(unwritable)].join(', ')} channels, which an update can't carry; change its number to ${phone} by hand`;
		diff.record.phone = record.phone;
		return;
	}
	const state = ctx.optedOut.has(phone)
		? 'UNSUBSCRIBED'
		: managed !== undefined
			? managed.subscriptionState
			: ctx.newSubscription;
	const channel: WritableChannel = state
		? { channelId: phone, type: 'SMS', subscriptionState: state }
		: { channelId: phone, type: 'SMS' };
	const channels = writableChannels(contact);
	const index =
		managed === undefined
			? -1
			: channels.findIndex((c) => c.type === 'SMS' && c.channelId === managed.channelId);
	if (index >= 0) {
		channels[index] = channel;
		keepOptOut(managed as ContactChannel, ctx, diff);
	} else channels.push(channel);
	diff.channels = withConsent(channels, ctx.optedOut);
	diff.changes.phone = { from: managed?.channelId ?? '', to: phone };
}

/**
 * Fields of `desired` that differ from `contact` ("" and absent are equal; an absent key leaves the
 * field alone), the managed number, and list memberships (`desired.lists` undefined: no list change).
 */
export function diffContact(
	contact: Contact,
	desired: ResolvedContact,
	ctx: DiffContext,
	fieldLabel: (tag: string) => string,
): ContactDiff {
	const record = recordOf(contact, ctx);
	const diff: ContactDiff = {
		attributes: {},
		fields: emptyFields(),
		listsAdd: [],
		listsRemove: [],
		changes: Object.create(null) as Record<string, FieldChange>,
		record: { ...record, lists: [...record.lists] },
	};
	// The user is in this run's scope: the contact is this scope's (taken over from another), and present.
	if (ctx.scope === undefined) delete diff.record.scope;
	else diff.record.scope = ctx.scope;
	delete diff.record.absentSince;
	for (const key of CONTACT_ATTRIBUTES) {
		const to = desired.attributes[key];
		if (to === undefined) continue;
		const from = contact[key] ?? '';
		// An empty date can't be written (format: date): a date of birth is never cleared.
		if (to === from || (key === 'dateOfBirth' && to === '')) continue;
		diff.attributes[key] = to;
		diff.changes[key] = { from, to };
	}
	if (desired.phone !== undefined) diffPhone(contact, desired.phone, record, ctx, diff);
	for (const [tag, to] of Object.entries(desired.fields)) {
		const spec = ctx.fields.get(tag) as FieldSpec;
		const from = fieldValue(contact, spec.id);
		if (to === from) continue;
		diff.fields[tag] = to;
		diff.changes[fieldLabel(tag)] = { from, to };
	}
	const current = contactListKeys(contact);
	const recorded = new Set(record.lists);
	if (desired.lists !== undefined) {
		const wanted = new Set(desired.lists);
		diff.listsAdd = [...wanted].filter((key) => !current.includes(key));
		diff.listsRemove = ownedMemberships(contact, record, ctx).filter((key) => !wanted.has(key));
	}
	// The record keeps what the sync made and still holds, plus what it adds now.
	const kept = current.filter(
		(key) => recorded.has(listHash(key)) && !diff.listsRemove.includes(key),
	);
	diff.record.lists = [...kept, ...diff.listsAdd].map(listHash);
	// A record that says only what can be read off the contact (its one SMS number) is not written.
	setRecord(
		diff,
		{ ...record, phone: managedChannel(contact, record)?.channelId ?? record.phone },
		ctx,
	);
	return diff;
}

/** Puts the new record into the changed fields when it differs from the stored one. */
export function setRecord(
	diff: Pick<ContactDiff, 'fields' | 'record'>,
	stored: OwnershipRecord,
	ctx: Pick<DiffContext, 'record'>,
): void {
	if (ctx.record === undefined) return;
	// The snapshot time alone is no change: it is written only with a write the contact needs anyway.
	if (!sameRecord(diff.record, stored))
		diff.fields[ctx.record.mergeTag] = encodeRecord(diff.record);
	else delete diff.fields[ctx.record.mergeTag];
}
