/**
 * Overlapping runs of one sync (a long run and the next schedule; two trigger runs on two queue-mode
 * workers). Each run has a snapshot time: when it read the directory (`SyncPlan.snapshotAt`). Every
 * contact write carries it in the ownership record (`t=`), and a run never writes over a contact whose
 * record carries a newer one — so when the directory changed between two runs' reads, the contact ends
 * with the newer read's values, whichever run writes last.
 *
 * The check is made against the contact as it is just before the write: each update, delete or
 * membership removal first reads its contact again (one GET, only for contacts the run writes: a rerun
 * with nothing to write makes no extra request). The update is brought up to the contact as re-read:
 * custom fields changed meanwhile are kept, memberships another run claimed meanwhile stay claimed,
 * owned memberships that appeared meanwhile are taken away after the writes, and a channel change is
 * applied to the channels the contact has now (`freshChannels`): a number unsubscribed meanwhile is
 * neither sent SUBSCRIBED nor dropped without going on the account's opt-out list, and channels a
 * person added meanwhile stay.
 *
 * MessageMedia has no conditional write (no ETag, If-Match or version on contacts), so these stay open
 * until the next run writes the newer values again:
 * - a newer run's write landing between this run's re-read and its PATCH of the same contact (one
 *   round trip): the contact holds the older values, stamped older;
 * - an older run's list additions (bulk, after its contact writes) landing after the newer run read
 *   the account: the membership stays beside the newer one, claimed, and the next run takes it away;
 * - a field changed and changed back between the two reads: the newer run finds it as it wants it and
 *   sends nothing for it (a contact it doesn't write carries no newer stamp), so the older run's write
 *   of it after the newer run's read stands;
 * - a contact the older run deleted before the newer run wrote it, and a user new to both runs whose
 *   number changed between the reads (the older run's create finds no contact under its number): the
 *   next full run creates the contact again, or unlinks the extra one.
 * - a STOP reply between the plan's opt-out look-up and the write, from a number the run puts on a
 *   contact that had none of it (the opt-out list is read once, at plan time).
 * The snapshot time is the Sync step's start: two runs whose Sync steps start in the other order than
 * their directory reads (a slow read or mapping in the older run) are ordered by the Sync start.
 */

import type {
	Contact,
	ContactChannel,
	MessageMediaClient,
	WritableChannel,
} from '../messagemedia/types';
import { withoutChanges } from './entries';
import { managedChannel, withConsent } from './diff';
import {
	fieldValue,
	listKey,
	storedFieldValues,
	unwritableChannels,
	writableChannels,
} from './contact';
import { statusOf } from './failures';
import { decodeRecord, encodeRecord, listHash, type OwnershipRecord } from './record';
import type { PlannedUpdate, SyncOutcome, SyncPlan } from './types';

/** True when the record was written by a run whose directory read is newer than `snapshotAt`. */
export const writtenByNewerRun = (
	record: OwnershipRecord,
	snapshotAt: number | undefined,
): boolean =>
	snapshotAt !== undefined && record.snapshotAt !== undefined && record.snapshotAt > snapshotAt;

/** The record text with this run's snapshot time. */
export const stampRecord = (text: string | undefined, snapshotAt: number): string =>
	encodeRecord({ ...decodeRecord(text), snapshotAt });

/** The outcome of a write left to the newer run that made it unnecessary. */
export function supersededOutcome(outcome: SyncOutcome, record: OwnershipRecord): SyncOutcome {
	const at = new Date(record.snapshotAt as number).toISOString();
	return {
		...withoutChanges(outcome),
		action: 'skipped',
		reason: `Not applied (would be ${outcome.action}): a run that read the directory later (${at}) wrote this contact since this run read it`,
	};
}

export type FreshState =
	| { kind: 'current'; contact: Contact }
	| { kind: 'superseded'; record: OwnershipRecord }
	| { kind: 'gone' };

/**
 * Reads contacts again right before the run writes them, once per contact per run (the membership
 * removals and the update of one contact share the read).
 */
export class FreshReads {
	private readonly reads = new Map<string, Promise<FreshState>>();
	/** The plan's opted-out numbers, as a set once per run (every re-applied channel change asks it). */
	private optedOutSet?: ReadonlySet<string>;

	constructor(
		private readonly client: MessageMediaClient,
		readonly snapshotAt: number,
		private readonly recordFieldId: () => string | undefined,
	) {}

	/** The record a contact read at plan time carries (no request). */
	recordIn(storedFields: Record<string, string>): OwnershipRecord {
		const id = this.recordFieldId();
		return decodeRecord(id === undefined ? undefined : storedFields[id]);
	}

	optedOut(plan: Pick<SyncPlan, 'optedOut'>): ReadonlySet<string> {
		return (this.optedOutSet ??= new Set(plan.optedOut));
	}

	async check(contactId: string): Promise<FreshState> {
		let read = this.reads.get(contactId);
		if (read === undefined) this.reads.set(contactId, (read = this.read(contactId)));
		return await read;
	}

	/** A contact found some other way just now (a create's look-up): superseded or current, no request. */
	judge(contact: Contact): FreshState {
		const id = this.recordFieldId();
		const record = decodeRecord(id === undefined ? undefined : fieldValue(contact, id));
		return writtenByNewerRun(record, this.snapshotAt)
			? { kind: 'superseded', record }
			: { kind: 'current', contact };
	}

	private async read(contactId: string): Promise<FreshState> {
		try {
			return this.judge(await this.client.getContact(contactId));
		} catch (error) {
			if (statusOf(error) === 404) return { kind: 'gone' };
			throw error;
		}
	}
}

/** The update writes something: to the directory, the contact, or its memberships. */
export function writesSomething(entry: PlannedUpdate): boolean {
	return (
		entry.writeBack !== undefined ||
		Object.keys(entry.attributes).length > 0 ||
		entry.channels !== undefined ||
		Object.keys(entry.fields).length > 0 ||
		entry.listsAdd.length > 0 ||
		entry.listsRemove.length > 0 ||
		(entry.optOut?.length ?? 0) > 0
	);
}

/** Channels are told apart by type and number. */
const channelKey = (c: Pick<ContactChannel, 'type' | 'channelId'>): string =>
	`${c.type} ${c.channelId}`;

const unsubscribed = (c: Pick<ContactChannel, 'subscriptionState'> | undefined): boolean =>
	c?.subscriptionState === 'UNSUBSCRIBED';

export interface FreshChannels {
	/** The channel set to send; undefined: the contact already has what the plan wanted. */
	channels?: WritableChannel[];
	/** Numbers the write takes off the contact that are opted out: they go on the opt-out list first. */
	optOut: string[];
	/** Why the change can't be written now (the update is then left to the next run). */
	stuck?: string;
}

/**
 * The planned channel change (numbers taken off, numbers put on, states set to UNSUBSCRIBED) applied to
 * the channels the contact has now rather than those the plan read. A person's changes in between
 * stay: channels added meanwhile are kept; a number unsubscribed meanwhile stays UNSUBSCRIBED, goes on
 * the account's opt-out list if the write takes it off, and passes its state on to the number that
 * replaces it (as the planner does, diff.ts). Numbers in `optedOut` are never sent SUBSCRIBED.
 */
export function freshChannels(
	planned: WritableChannel[],
	before: WritableChannel[],
	contact: Contact,
	managed: { before?: ContactChannel; now?: ContactChannel },
	optedOut: ReadonlySet<string>,
): FreshChannels {
	const unwritable = unwritableChannels(contact);
	if (unwritable.length > 0) {
		const types = [...new Set(unwritable.map((c) => c.type))].join(', ');
		return {
			optOut: [],
			stuck: `the contact gained ${types} channels since this run read it, which an update can't carry`,
		};
	}
	const was = new Map(before.map((c) => [channelKey(c), c]));
	const wanted = new Map(planned.map((c) => [channelKey(c), c]));
	// The sync's own channel may have moved meanwhile (another run wrote it, or a person renumbered it in
	// place): what the plan does to the channel it managed then applies to the one it manages now.
	const managedThen = managed.before && channelKey(managed.before);
	const managedNow = managed.now && channelKey(managed.now);
	const planFor = (key: string): { was?: WritableChannel; wanted?: WritableChannel } => {
		const moved =
			key === managedNow && managedThen !== undefined && !was.has(key) && !wanted.has(key);
		const then = moved ? managedThen : key;
		return { was: was.get(then), wanted: wanted.get(then) };
	};
	const now = writableChannels(contact);
	const held = new Set(now.map(channelKey));
	const takenOff = now.filter((c) => {
		const plan = planFor(channelKey(c));
		return plan.was !== undefined && plan.wanted === undefined;
	});
	// A number the plan keeps in place of one it takes off (already on the contact) left it meanwhile:
	// the write would leave the contact without it (or without any channel), so the next run plans it.
	const gone = planned.find(
		(c) => c.type === 'SMS' && was.has(channelKey(c)) && !held.has(channelKey(c)),
	);
	if (gone !== undefined && takenOff.some((c) => c.type === 'SMS'))
		return {
			optOut: [],
			stuck: `the number ${gone.channelId} left the contact since this run read it`,
		};
	const optOut = takenOff
		.filter((c) => c.type === 'SMS' && (unsubscribed(c) || optedOut.has(c.channelId)))
		.map((c) => c.channelId);
	// A number unsubscribed meanwhile passes its state on to the number the plan puts in its place.
	const consentLost = takenOff.some(
		(c) => c.type === 'SMS' && unsubscribed(c) && !unsubscribed(planFor(channelKey(c)).was),
	);
	const putOn = planned
		.filter((c) => !was.has(channelKey(c)) && !held.has(channelKey(c)))
		.map(
			(c): WritableChannel =>
				consentLost && c.type === 'SMS' ? { ...c, subscriptionState: 'UNSUBSCRIBED' } : c,
		);
	const channels: WritableChannel[] = [];
	for (const channel of now) {
		const key = channelKey(channel);
		if (takenOff.includes(channel)) {
			// The number that replaces it takes its place (the sync keeps its channel first).
			const next = putOn.findIndex((c) => c.type === channel.type);
			if (next >= 0) channels.push(...putOn.splice(next, 1));
			continue;
		}
		const plan = planFor(key);
		const lowered = unsubscribed(plan.wanted) && !unsubscribed(plan.was);
		channels.push(lowered ? { ...channel, subscriptionState: 'UNSUBSCRIBED' } : channel);
	}
	channels.push(...putOn);
	// A number unsubscribed on any of the contact's channels now (a WhatsApp one too) is opted out.
	const unsubscribedNow = contact.channels.filter(unsubscribed).map((c) => c.channelId);
	const result = withConsent(channels, new Set([...optedOut, ...unsubscribedNow]));
	const same =
		result.length === now.length &&
		result.every(
			(c, i) =>
				channelKey(c) === channelKey(now[i]) && c.subscriptionState === now[i].subscriptionState,
		);
	return same ? { optOut } : { channels: result, optOut };
}

/**
 * The update planned on an earlier read, brought up to the contact as it is now: custom field values
 * changed meanwhile (by a person, or a run with an older read) are kept, and so are memberships
 * another run's record claimed meanwhile (it may add them after this write; a claim is dropped only
 * once the membership is gone, by the next run that sees it); a channel change is applied to the
 * channels the contact has now (`freshChannels`). `lateRemovals`: ids of lists the sync owns that the
 * contact joined meanwhile and this run doesn't want (taken away after the writes). `stuck`: the
 * update can't be written now.
 */
export function freshUpdate(
	entry: PlannedUpdate,
	contact: Contact,
	fresh: FreshReads,
	plan: Pick<SyncPlan, 'managedLists' | 'recordField' | 'optedOut'>,
): { entry: PlannedUpdate; lateRemovals: string[]; stuck?: string } {
	const storedFields = storedFieldValues(contact);
	const planned = fresh.recordIn(entry.storedFields);
	const current = fresh.recordIn(storedFields);
	const pending = current.lists.filter((hash) => !planned.lists.includes(hash));
	const handed = new Set(plan.managedLists);
	const lateRemovals: string[] = [];
	for (const list of contact.lists) {
		const key = listKey(list.name);
		const owned = current.lists.includes(listHash(key)) || handed.has(key);
		if (
			owned &&
			entry.memberships !== undefined &&
			!entry.memberships.includes(key) &&
			!entry.listsRemove.includes(key)
		)
			lateRemovals.push(list.id);
	}
	let updated: PlannedUpdate = { ...entry, storedFields };
	if (entry.channels !== undefined) {
		const before = entry.storedChannels ?? entry.channels;
		const channels = freshChannels(
			entry.channels,
			before,
			contact,
			{
				before: managedChannel({ ...contact, channels: before }, planned),
				now: managedChannel(contact, current),
			},
			fresh.optedOut(plan),
		);
		if (channels.stuck !== undefined) return { entry, lateRemovals: [], stuck: channels.stuck };
		const optOut = [...new Set([...(entry.optOut ?? []), ...channels.optOut])];
		updated = {
			...updated,
			channels: channels.channels,
			storedChannels: writableChannels(contact),
		};
		if (optOut.length > 0) updated.optOut = optOut;
	}
	const record = entry.record ?? planned;
	if (pending.length === 0 || pending.every((hash) => record.lists.includes(hash)))
		return { entry: updated, lateRemovals };
	const claimed = { ...record, lists: [...new Set([...record.lists, ...pending])] };
	return {
		entry: {
			...updated,
			record: claimed,
			fields: { ...entry.fields, [plan.recordField]: encodeRecord(claimed) },
		},
		lateRemovals,
	};
}
