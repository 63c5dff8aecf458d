/**
 * The deletion guard: a run may take away at most a share of what the sync holds — contacts and the
 * list memberships it made — unless a person approves. It also holds every removal back when the
 * input names no user at all (an empty directory read never wipes the contacts).
 */

import type { Contact } from '../messagemedia/types';
import { recordOf, setRecord } from './diff';
import { report, withoutChanges } from './entries';
import { listHash } from './record';
import type {
	FieldSpec,
	GuardReport,
	PlanEntry,
	PlannedUpdate,
	SyncOptions,
	SyncOutcome,
} from './types';

export interface GuardCounts {
	/** Contacts the plan removes (delete, unsubscribe, take off lists). */
	removals: number;
	/** Linked contacts known to the run. */
	linked: number;
	/** Memberships the plan takes away from contacts of users still in scope. */
	membershipRemovals: number;
	/** Memberships the sync made (recorded on the contacts known to the run). */
	memberships: number;
	/** Users the input keeps in scope. */
	inScope: number;
}

type GuardOptions = Pick<
	SyncOptions,
	'maxRemovalPercent' | 'minRemovalsBeforeGuard' | 'mode' | 'allowMassRemoval'
>;

const thresholdOf = (total: number, options: GuardOptions): number =>
	Math.max(options.minRemovalsBeforeGuard, Math.floor((options.maxRemovalPercent / 100) * total));

export function weighRemovals(counts: GuardCounts, options: GuardOptions): GuardReport {
	const threshold = thresholdOf(counts.linked, options);
	const membershipThreshold = thresholdOf(counts.memberships, options);
	const guard: GuardReport = {
		status: 'ok',
		removals: counts.removals,
		linked: counts.linked,
		threshold,
		membershipRemovals: counts.membershipRemovals,
		memberships: counts.memberships,
		membershipThreshold,
	};
	const emptyScope =
		options.mode === 'full' &&
		counts.inScope === 0 &&
		counts.removals + counts.membershipRemovals > 0;
	const why: string[] = [];
	if (emptyScope) {
		why.push(
			`The input holds no user in scope, so this full run would remove all ${counts.removals} linked contacts (an empty directory read never wipes the contacts)`,
		);
	} else {
		if (counts.removals > threshold) {
			why.push(
				`This run would remove ${counts.removals} of ${counts.linked} linked contacts, above the threshold of ${threshold}`,
			);
		}
		if (counts.membershipRemovals > membershipThreshold) {
			why.push(
				`This run would take ${counts.membershipRemovals} of ${counts.memberships} list memberships the sync made away from users still in scope, above the threshold of ${membershipThreshold}`,
			);
		}
	}
	if (why.length === 0) return guard;
	const reason = `${why.join('; ')} (${options.maxRemovalPercent}%, at least ${options.minRemovalsBeforeGuard})`;
	if (options.allowMassRemoval)
		return {
			...guard,
			status: 'overridden',
			message: `${reason}; removals approved by "Allow Removals Above Threshold"`,
		};
	return {
		...guard,
		status: 'tripped',
		message:
			`Deletion guard: ${reason}. No contact was removed. If these removals are expected, run once with ` +
			'"Allow Removals Above Threshold" turned on (Options), or raise "Max Removal Percent"; ' +
			'"Continue Without Removals" applies creates and updates and holds removals back.',
	};
}

/** The record an update entry started from (the stored text of its contact). */
function storedRecord(entry: PlannedUpdate, spec: FieldSpec) {
	const value = spec.id === undefined ? '' : (entry.storedFields[spec.id] ?? '');
	return recordOf({ customFields: spec.id ? [{ id: spec.id, value }] : [] } as unknown as Contact, {
		record: spec,
	});
}

/** A tripped guard holds back every membership removal; the rest of the update goes on (the record keeps claiming them). */
export function holdListRemovals(
	entry: PlannedUpdate,
	recordSpec: FieldSpec,
	listName: (key: string) => string,
): PlanEntry {
	if (entry.listsRemove.length === 0) return entry;
	const held = entry.listsRemove.map(listName);
	const record = entry.record && {
		...entry.record,
		lists: [...entry.record.lists, ...entry.listsRemove.map(listHash)],
	};
	const fields = Object.assign(Object.create(null) as Record<string, string>, entry.fields);
	if (record !== undefined)
		setRecord({ fields, record }, storedRecord(entry, recordSpec), { record: recordSpec });
	const outcome: SyncOutcome = {
		...entry.outcome,
		reason: `Deletion guard: list removals held back (${held.join(', ')})`,
	};
	if (outcome.lists) outcome.lists = { ...outcome.lists, removed: [] };
	const next: PlannedUpdate = {
		...entry,
		outcome,
		listsRemove: [],
		fields,
		...(record ? { record } : {}),
	};
	const writes =
		Object.keys(next.attributes).length > 0 ||
		next.channels !== undefined ||
		Object.keys(next.fields).length > 0 ||
		next.listsAdd.length > 0;
	return writes || next.writeBack
		? next
		: report(withoutChanges(entry.outcome), 'blocked', outcome.reason);
}
