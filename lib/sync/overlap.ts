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
 * and owned memberships that appeared meanwhile are taken away after the writes.
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
 * The snapshot time is the Sync step's start: two runs whose Sync steps start in the other order than
 * their directory reads (a slow read or mapping in the older run) are ordered by the Sync start.
 */

import type { Contact, MessageMediaClient } from '../messagemedia/types';
import { withoutChanges } from './entries';
import { fieldValue, listKey, storedFieldValues } from './contact';
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

/**
 * The update planned on an earlier read, brought up to the contact as it is now: custom field values
 * changed meanwhile (by a person, or a run with an older read) are kept, and so are memberships
 * another run's record claimed meanwhile (it may add them after this write; a claim is dropped only
 * once the membership is gone, by the next run that sees it). `lateRemovals`: ids of lists the sync
 * owns that the contact joined meanwhile and this run doesn't want (taken away after the writes).
 */
export function freshUpdate(
	entry: PlannedUpdate,
	contact: Contact,
	fresh: FreshReads,
	plan: Pick<SyncPlan, 'managedLists' | 'recordField'>,
): { entry: PlannedUpdate; lateRemovals: string[] } {
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
	const record = entry.record ?? planned;
	if (pending.length === 0 || pending.every((hash) => record.lists.includes(hash)))
		return { entry: { ...entry, storedFields }, lateRemovals };
	const claimed = { ...record, lists: [...new Set([...record.lists, ...pending])] };
	return {
		entry: {
			...entry,
			storedFields,
			record: claimed,
			fields: { ...entry.fields, [plan.recordField]: encodeRecord(claimed) },
		},
		lateRemovals,
	};
}
