/**
 * The sync planner: desired state (Contact Mapper items) against actual state (MessageMedia contacts,
 * lists, custom fields) gives a plan of creates, updates and removals, with the deletion guard applied.
 * Pure: no I/O, so a dry run and a real run share exactly this plan. Upsert items are planned in
 * upsert.ts, against what the run knows (context.ts).
 */

import type { Contact } from '../messagemedia/types';
import type { SyncItem } from '../types';
import { linkedSourceId } from './contact';
import { planContext, type PlanContext } from './context';
import { recordOf } from './diff';
import { report, withoutChanges } from './entries';
import { holdListRemovals, weighRemovals } from './guard';
import { markAbsent, planRemoval } from './removal';
import { findTakeovers } from './takeover';
import type {
	ActualState,
	FieldSpec,
	ListSpec,
	PlanEntry,
	PlannedUpdate,
	SyncInput,
	SyncOptions,
	SyncOutcome,
	SyncPlan,
} from './types';
import { planUpsert } from './upsert';
import { resolveDirection } from './writeback';

export { listKey, mergeTagFor } from './contact';
export { EMAIL_FIELD_MAX_LENGTH, TEXT_FIELD_MAX_LENGTH } from './account';
export { BASE_FIELD_MAX_LENGTH, LINK_FIELD_MAX_LENGTH, RECORD_FIELD_MAX_LENGTH } from './context';

/**
 * Plans a sync run. With partial state (incremental look-up) it may ask for a full scan (`needsFullScan`).
 * `now` (ms) dates the bases a bidirectional run writes and feeds the "newest change wins" rule.
 */
export function planSync(
	inputs: SyncInput[],
	state: ActualState,
	options: SyncOptions,
	now: number = Date.now(),
): SyncPlan {
	const direction = resolveDirection(inputs, options.direction);
	return new Planner(planContext(state, options, direction, now)).plan(inputs);
}

const nullRecord = <V>(): Record<string, V> => Object.create(null) as Record<string, V>;

class Planner {
	private readonly removals: PlanEntry[] = [];
	/** Users the input keeps in scope, and users it removes (lower-case ids). */
	private readonly present = new Set<string>();
	private readonly leaving = new Set<string>();
	/** Input items that name no user: absence proves nothing then. */
	private unnamed = 0;

	constructor(private readonly ctx: PlanContext) {}

	plan(inputs: SyncInput[]): SyncPlan {
		for (const input of inputs) {
			const key = sourceKeyOf(input);
			if (key === undefined) this.unnamed++;
			else if (input.kind === 'item' && input.item.action === 'remove') this.leaving.add(key);
			else this.present.add(key);
		}
		for (const key of this.present) this.leaving.delete(key);
		if (this.ctx.options.mode === 'full' && this.unnamed === 0) {
			for (const [key, contacts] of this.ctx.linked)
				if (!this.present.has(key) && contacts.some((c) => this.owns(c))) this.leaving.add(key);
		}
		this.planTakeovers(inputs);

		const entries: PlanEntry[] = [];
		const removals = this.removals;
		const deferred: Array<{ base: SyncOutcome; item: SyncItem }> = [];
		const seen = new Map<string, number>();
		let inScope = 0;
		for (const input of inputs) {
			const sourceKey = sourceKeyOf(input);
			const firstIndex = sourceKey === undefined ? undefined : seen.get(sourceKey);
			if (sourceKey !== undefined && firstIndex === undefined) seen.set(sourceKey, input.index);
			if (input.kind === 'invalid') {
				if (sourceKey !== undefined) inScope++;
				entries.push(
					report(
						{ sourceId: input.sourceId ?? '', action: 'unchanged', itemIndex: input.index },
						'failed',
						undefined,
						input.message,
					),
				);
				continue;
			}
			if (input.kind === 'rejected') {
				if (sourceKey !== undefined) inScope++;
				entries.push(
					report(
						{ sourceId: input.sourceId ?? '', action: 'rejected', itemIndex: input.index },
						'rejected',
						input.reason,
					),
				);
				continue;
			}
			const { item } = input;
			const base: SyncOutcome = {
				sourceId: item.sourceId,
				action: 'unchanged',
				itemIndex: input.index,
			};
			if (firstIndex !== undefined) {
				entries.push(
					report(base, 'rejected', `The same sourceId is already in item ${firstIndex}`),
				);
				continue;
			}
			if (item.action === 'upsert') {
				inScope++;
				entries.push(...planUpsert(base, item, this.ctx));
			} else deferred.push({ base, item });
		}
		// Removals last: a contact handed to another user in this run is not removed.
		for (const { base, item } of deferred) {
			if (this.ctx.direction === 'toDirectory') {
				entries.push(
					report(
						base,
						'skipped',
						'A reverse sync (MessageMedia → directory) never removes contacts',
					),
				);
				continue;
			}
			const all = this.ctx.linked.get(item.sourceId.toLowerCase()) ?? [];
			const contacts = all.filter((c) => !this.ctx.relinked.has(c) && this.owns(c));
			if (contacts.length === 0 && all.some((c) => !this.owns(c))) {
				entries.push(report(base, 'skipped', 'The contact belongs to another sync scope'));
				continue;
			}
			if (contacts.length === 0) {
				if (!this.ctx.state.complete) this.ctx.unresolved++;
				entries.push(report(base, 'skipped', 'No contact is linked to this user'));
			}
			for (const contact of contacts)
				removals.push(planRemoval(contact, base, item.reason ?? 'removed', this.ctx.removal));
		}
		if (this.ctx.options.mode === 'full' && this.ctx.direction !== 'toDirectory') {
			for (const [sourceKey, contacts] of this.ctx.linked) {
				if (seen.has(sourceKey)) continue;
				for (const contact of contacts) {
					if (this.ctx.relinked.has(contact) || !this.owns(contact)) continue;
					const sourceId =
						contact.customFields.find((cf) => cf.id === this.ctx.link.id)?.value.trim() ??
						sourceKey;
					const base: SyncOutcome = { sourceId, action: 'unchanged', contactId: contact.id };
					const marked =
						this.ctx.scope === undefined ? undefined : markAbsent(contact, base, this.ctx.removal);
					if (marked !== undefined) entries.push(marked);
					else if (this.unnamed > 0) {
						entries.push(
							report(
								base,
								'blocked',
								`Absent from the input, but ${this.unnamed} input item(s) name no user (a failed directory read or broken items): removals of absent users are held back`,
							),
						);
					} else
						removals.push(
							planRemoval(contact, base, 'absent from the directory read', this.ctx.removal),
						);
				}
			}
		}
		return this.finish(entries, removals, inScope);
	}

	/** The contact belongs to this run's sync scope. */
	private owns(contact: Contact): boolean {
		return recordOf(contact, this.ctx.diff).scope === this.ctx.scope;
	}

	private finish(entries: PlanEntry[], removals: PlanEntry[], inScope: number): SyncPlan {
		let memberships = 0;
		let linked = 0;
		for (const contacts of this.ctx.linked.values()) {
			for (const contact of contacts) {
				if (!this.owns(contact)) continue;
				linked++;
				memberships += recordOf(contact, this.ctx.diff).lists.length;
			}
		}
		const updates = entries.filter((entry): entry is PlannedUpdate => entry.kind === 'update');
		const guard = weighRemovals(
			{
				removals: removals.filter((entry) => entry.kind !== 'report').length,
				linked,
				membershipRemovals: updates.reduce((sum, entry) => sum + entry.listsRemove.length, 0),
				memberships,
				inScope,
			},
			this.ctx.options,
		);
		const blocked = guard.status === 'tripped';
		if (blocked)
			for (const [index, entry] of entries.entries())
				if (entry.kind === 'update')
					entries[index] = holdListRemovals(entry, this.ctx.record, this.ctx.account.listName);
		for (const entry of removals) {
			if (!blocked || entry.kind === 'report') entries.push(entry);
			else
				entries.push(
					report(
						withoutChanges(entry.outcome),
						'blocked',
						`Deletion guard: would be ${entry.outcome.action} (${entry.outcome.reason})`,
					),
				);
		}

		const plan: SyncPlan = {
			mode: this.ctx.options.mode,
			direction: this.ctx.direction,
			...(this.ctx.baseSpec ? { baseField: this.ctx.baseSpec.mergeTag } : {}),
			entries,
			linkField: this.ctx.link.mergeTag,
			recordField: this.ctx.record.mergeTag,
			fields: nullRecord<FieldSpec>(),
			lists: nullRecord<ListSpec>(),
			managedLists: [...this.ctx.handed],
			optedOut: [...this.ctx.optedOut],
			guard,
		};
		const { newSubscription } = this.ctx.diff;
		if (newSubscription !== undefined) plan.newSubscription = newSubscription;
		if (this.ctx.scope !== undefined) plan.scope = this.ctx.scope;
		// Only what a write uses is created (a dry run lists it as "would create").
		for (const entry of entries) {
			const tags =
				entry.kind === 'create'
					? Object.keys(entry.desired.fields)
					: entry.kind === 'update'
						? Object.keys(entry.fields)
						: [];
			for (const tag of tags) plan.fields[tag] = this.ctx.account.fieldSpecs.get(tag) as FieldSpec;
			const keys =
				entry.kind === 'create'
					? (entry.desired.lists ?? [])
					: entry.kind === 'update'
						? [...entry.listsAdd, ...entry.listsRemove]
						: [];
			for (const key of keys) plan.lists[key] = this.ctx.account.listSpecs.get(key) as ListSpec;
			// Every contact write is stamped with the run's snapshot time, and checked against the stamp (overlap.ts).
			if (entry.kind === 'update' || entry.kind === 'delete')
				plan.fields[this.ctx.record.mergeTag] = this.ctx.record;
		}
		// A two-way run makes the base field even when it writes nothing: one-way runs on the account then
		// keep bases true for the contacts they create or hand over, which a later two-way run relies on.
		if (
			this.ctx.direction === 'bidirectional' &&
			this.ctx.baseSpec !== undefined &&
			this.ctx.baseSpec.id === undefined
		)
			plan.fields[this.ctx.baseSpec.mergeTag] = this.ctx.baseSpec;
		if (!this.ctx.state.complete) {
			if (this.ctx.unresolved > 0) {
				plan.needsFullScan = `${this.ctx.unresolved} item(s) have no linked contact under their number (new users, changed numbers or removals): all contacts were read to find their links`;
				plan.needsFullScanFor = 'links';
			} else if (guard.status !== 'ok') {
				// Weighed against the linked contacts known so far, a lower bound of all: within the threshold
				// here is within it for all; above it needs more of them (the guard is never weakened).
				plan.needsFullScan = `${guard.removals + guard.membershipRemovals} removals: all contacts were read to weigh them for the deletion guard`;
				plan.needsFullScanFor = 'guard';
			}
		}
		return plan;
	}

	/** Contacts that change hands in this run (adoption, swaps, a leaver's number to a new hire): see takeover.ts. */
	private planTakeovers(inputs: SyncInput[]): void {
		if (this.ctx.direction === 'toDirectory') return;
		const found = findTakeovers({
			inputs,
			linked: this.ctx.linked,
			byPhone: this.ctx.byPhone,
			linkFieldId: this.ctx.link.id,
			leaving: this.leaving,
			adoptExisting: this.ctx.options.adoptExisting,
		});
		for (const [contact, user] of found) {
			this.ctx.relinked.set(contact, user);
			const owner = linkedSourceId(contact, this.ctx.link.id);
			if (owner !== undefined)
				this.ctx.linked.set(
					owner,
					(this.ctx.linked.get(owner) ?? []).filter((c) => c !== contact),
				);
			this.ctx.linked.set(user, [contact, ...(this.ctx.linked.get(user) ?? [])]);
		}
	}
}

function sourceKeyOf(input: SyncInput): string | undefined {
	const id = input.kind === 'item' ? input.item.sourceId : input.sourceId;
	return id === undefined || id.trim() === '' ? undefined : id.trim().toLowerCase();
}
