/**
 * What happens to the contact of a user who left: the removal policy, under the consent rule (an
 * opted-out contact is never deleted: it is taken off the sync's lists and kept) and the ownership
 * rule (only memberships the sync made, or of handed lists, are taken away).
 */

import type { Contact } from '../messagemedia/types';
import type { AccountIndex } from './account';
import { isUnsubscribed, smsChannels, writableChannels } from './contact';
import {
	contactListKeys,
	emptyDiff,
	managedChannel,
	ownedMemberships,
	recordOf,
	setRecord,
	withConsent,
	type DiffContext,
} from './diff';
import { report, updateEntry } from './entries';
import { listHash } from './record';
import type { FieldSpec, PlanEntry, RemovalPolicy, SyncOutcome } from './types';

export interface RemovalContext {
	policy: RemovalPolicy;
	diff: DiffContext;
	account: AccountIndex;
	link: FieldSpec;
	record: FieldSpec;
	/** The run's time (ms). */
	now: number;
}

export function planRemoval(
	contact: Contact,
	base: SyncOutcome,
	reason: string,
	ctx: RemovalContext,
): PlanEntry {
	const outcome: SyncOutcome = { ...base, contactId: contact.id, reason };
	const record = recordOf(contact, ctx.diff);
	const managed = managedChannel(contact, record);
	const phone = managed?.channelId ?? smsChannels(contact)[0]?.channelId;
	if (phone !== undefined) outcome.phone = phone;
	const policy = ctx.policy;
	if (policy === 'ignore')
		return report(outcome, 'skipped', `${reason}; removal policy is "ignore"`);
	if (policy === 'delete' && !isUnsubscribed(contact))
		return { kind: 'delete', outcome: { ...outcome, action: 'removed' }, contactId: contact.id };
	const diff = emptyDiff({ ...record });
	if (policy === 'unsubscribe') {
		if (managed === undefined || managed.subscriptionState === 'UNSUBSCRIBED') {
			return report(
				outcome,
				'unchanged',
				`${reason}; ${managed ? 'already unsubscribed' : 'no number of the sync to unsubscribe'}`,
			);
		}
		if (contact.channels.some((c) => c.type !== 'SMS' && c.type !== 'WHATSAPP')) {
			return report(
				outcome,
				'skipped',
				`${reason}; the contact has channels an update can't carry, so it can't be unsubscribed safely: unsubscribe it by hand`,
			);
		}
		diff.channels = withConsent(
			writableChannels(contact).map((c) =>
				c.type === 'SMS' && c.channelId === managed.channelId
					? { ...c, subscriptionState: 'UNSUBSCRIBED' }
					: c,
			),
			ctx.diff.optedOut,
		);
		diff.changes.subscriptionState = { from: managed.subscriptionState ?? '', to: 'UNSUBSCRIBED' };
		return updateEntry(ctx.account, outcome, contact, diff, 'unsubscribed', reason);
	}
	// removeFromLists, or delete of an opted-out contact: it is kept (deleting it would lose the opt-out).
	const why =
		policy === 'delete'
			? `${reason}; opted out, so the contact is kept (not deleted) and the opt-out is not lost`
			: reason;
	diff.listsRemove = ownedMemberships(contact, record, ctx.diff);
	const removed = new Set(diff.listsRemove.map(listHash));
	// The record keeps only memberships the contact still has (a run cut short may have left one behind).
	const current = new Set(contactListKeys(contact).map(listHash));
	diff.record.lists = record.lists.filter((hash) => current.has(hash) && !removed.has(hash));
	setRecord(diff, record, ctx.diff);
	if (diff.listsRemove.length === 0) {
		if (Object.keys(diff.fields).length === 0)
			return report(outcome, 'unchanged', `${why}; in no list the sync manages`);
		return updateEntry(
			ctx.account,
			outcome,
			contact,
			diff,
			'unchanged',
			`${why}; in no list the sync manages (its record is brought up to date)`,
		);
	}
	return updateEntry(ctx.account, outcome, contact, diff, 'removedFromLists', why);
}

/**
 * A scoped full run that first misses a user only marks the contact (its record's `absentSince`):
 * if the user moved to another scope's partition, that scope's run takes the contact over; a later
 * run of this scope removes it if it is still absent. Undefined: marked before, remove it now.
 */
export function markAbsent(
	contact: Contact,
	base: SyncOutcome,
	ctx: RemovalContext,
): PlanEntry | undefined {
	const record = recordOf(contact, ctx.diff);
	if (record.absentSince !== undefined) return undefined;
	const diff = emptyDiff({
		...record,
		phone: record.phone ?? managedChannel(contact, record)?.channelId,
		absentSince: Math.floor(ctx.now / 1000),
	});
	setRecord(diff, record, ctx.diff);
	const reason =
		"Absent from this sync scope's read: marked now, removed by its next run if still absent (a user who moved to another scope keeps the contact)";
	return updateEntry(ctx.account, base, contact, diff, 'unchanged', reason);
}

/** Unlinks a contact the sync no longer needs: it leaves the lists the sync put it on and becomes a person's. */
export function planRelease(
	contact: Contact,
	base: SyncOutcome,
	ctx: RemovalContext,
	reason: string,
): PlanEntry {
	const diff = emptyDiff({ lists: [] });
	diff.listsRemove = ownedMemberships(contact, recordOf(contact, ctx.diff), ctx.diff);
	diff.fields[ctx.link.mergeTag] = '';
	diff.fields[ctx.record.mergeTag] = '';
	diff.changes[ctx.link.label] = { from: base.sourceId, to: '' };
	return updateEntry(ctx.account, base, contact, diff, 'unlinked', reason);
}
