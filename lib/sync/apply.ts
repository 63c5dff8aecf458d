/**
 * Executes a sync plan through the MessageMedia client: custom fields and lists first
 * (`references.ts`), then contact writes with bounded concurrency (`contact-writes.ts`), with list
 * membership changes through the bulk endpoint around them (`memberships.ts`).
 */

import { ConfigurationError } from '../common/errors';
import type { RetryPolicy } from '../common/retry';
import type { MessageMediaClient } from '../messagemedia/types';
import { ContactWriter } from './contact-writes';
import { withoutChanges } from './entries';
import { outcomeError, statusOf } from './failures';
import { Memberships } from './memberships';
import {
	FreshReads,
	freshUpdate,
	supersededOutcome,
	writesSomething,
	writtenByNewerRun,
	type FreshState,
} from './overlap';
import { References } from './references';
import type {
	PlannedReport,
	PlannedUpdate,
	PlanEntry,
	SyncOptions,
	SyncOutcome,
	SyncPlan,
} from './types';
import { WriteBackRefused, type DirectoryWriter } from './writeback';

export interface ApplyDeps {
	/** Overrides of the create retry policy (tests inject `sleep`). */
	retryPolicy?: Partial<RetryPolicy>;
	/** Writes directory users (reverse and bidirectional runs). */
	directory?: DirectoryWriter;
	/** No contact write starts after this time (ms since epoch); the rest is reported skipped. */
	deadline?: number;
	/** Clock for the deadline (tests). */
	now?: () => number;
}

export interface ApplyResult {
	outcomes: SyncOutcome[];
	/** Writes were left undone because the run time limit was reached. */
	timedOut: boolean;
	listsCreated: string[];
	fieldsCreated: string[];
}

/** Runs `fn` over `items` with at most `limit` in flight, preserving nothing but completion. */
export async function forEachLimited<T>(
	items: T[],
	limit: number,
	fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < items.length) {
			const index = next++;
			await fn(items[index], index);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export async function applyPlan(
	client: MessageMediaClient,
	plan: SyncPlan,
	options: Pick<SyncOptions, 'concurrency' | 'adoptExisting'>,
	deps: ApplyDeps = {},
): Promise<ApplyResult> {
	return await new Applier(client, plan, options, deps).run();
}

class Applier {
	private readonly refs: References;
	private readonly memberships: Memberships;
	private readonly contacts: ContactWriter;
	private readonly directory?: DirectoryWriter;
	private readonly deadline: number;
	private readonly now: () => number;
	/** Overlapping runs: contacts read again before they are written (undefined: the plan has no snapshot time). */
	private readonly fresh?: FreshReads;

	constructor(
		private readonly client: MessageMediaClient,
		private readonly plan: SyncPlan,
		private readonly options: Pick<SyncOptions, 'concurrency' | 'adoptExisting'>,
		deps: ApplyDeps,
	) {
		this.refs = new References(client, plan);
		this.memberships = new Memberships(client, this.refs);
		this.directory = deps.directory;
		this.deadline = deps.deadline ?? Number.POSITIVE_INFINITY;
		this.now = deps.now ?? Date.now;
		if (plan.snapshotAt !== undefined)
			this.fresh = new FreshReads(
				client,
				plan.snapshotAt,
				() => this.refs.fields.get(plan.recordField)?.id,
			);
		this.contacts = new ContactWriter(
			client,
			plan,
			options,
			this.refs,
			this.memberships,
			this.fresh,
			deps.retryPolicy,
		);
	}

	/**
	 * The contact as it is now, unless a run with a newer directory read wrote it (checked first on
	 * what the plan read, without a request) or it is gone. Without a snapshot time: no check.
	 */
	private async freshState(
		contactId: string,
		storedFields?: Record<string, string>,
	): Promise<FreshState | undefined> {
		if (this.fresh === undefined) return undefined;
		const planned = storedFields === undefined ? undefined : this.fresh.recordIn(storedFields);
		if (planned !== undefined && writtenByNewerRun(planned, this.fresh.snapshotAt))
			return { kind: 'superseded', record: planned };
		return await this.fresh.check(contactId);
	}

	private timedOut = false;

	private pastDeadline(): boolean {
		if (this.now() >= this.deadline) this.timedOut = true;
		return this.timedOut;
	}

	/**
	 * Fields and lists first; then memberships the plan takes away (before the records that stop
	 * claiming them, so a run cut short leaves nothing it can't finish next time); then contact writes
	 * (records claim new memberships before they exist); then memberships added.
	 */
	async run(): Promise<ApplyResult> {
		await this.refs.create();
		await this.memberships.remove(await this.currentRemovals());
		const outcomes: SyncOutcome[] = new Array(this.plan.entries.length);
		await forEachLimited(this.plan.entries, this.options.concurrency, async (entry, index) => {
			if (entry.kind !== 'report' && this.pastDeadline()) {
				// Not started: the contact stays as it was, and the next run plans it again.
				const reason = `Not applied (would be ${entry.outcome.action}): the run time limit was reached; the next run picks it up`;
				outcomes[index] = { ...withoutChanges(entry.outcome), action: 'skipped', reason };
				return;
			}
			try {
				outcomes[index] = await this.applyEntry(entry);
			} catch (error) {
				const conflict = statusOf(error) === 409;
				outcomes[index] = {
					...entry.outcome,
					action: conflict ? 'conflict' : 'failed',
					error: outcomeError(error),
				};
			}
		});
		await this.memberships.add(() => this.pastDeadline());
		await this.memberships.removeLate();
		return {
			outcomes,
			listsCreated: this.refs.listsCreated,
			fieldsCreated: this.refs.fieldsCreated,
			timedOut: this.timedOut,
		};
	}

	/** The updates taking memberships away whose contacts no newer run wrote (re-read first). */
	private async currentRemovals(): Promise<PlannedUpdate[]> {
		const removing = this.plan.entries.filter(
			(entry): entry is PlannedUpdate => entry.kind === 'update' && entry.listsRemove.length > 0,
		);
		const current = new Set<string>();
		await forEachLimited(removing, this.options.concurrency, async (entry) => {
			try {
				const state = await this.freshState(entry.contactId, entry.storedFields);
				if (state === undefined || state.kind === 'current') current.add(entry.contactId);
			} catch {
				// The update reads it again and reports the failure.
			}
		});
		return removing.filter((entry) => current.has(entry.contactId));
	}

	private async applyEntry(entry: PlanEntry): Promise<SyncOutcome> {
		switch (entry.kind) {
			case 'report': {
				const outcome = { ...entry.outcome };
				await this.writeBack(entry, outcome);
				return outcome;
			}
			case 'delete': {
				const state = await this.freshState(entry.contactId);
				if (state?.kind === 'superseded') return supersededOutcome(entry.outcome, state.record);
				if (state?.kind === 'gone')
					return {
						...entry.outcome,
						reason: `${entry.outcome.reason}; the contact was already gone`,
					};
				try {
					await this.client.deleteContact(entry.contactId);
				} catch (error) {
					if (statusOf(error) !== 404) throw error;
					return {
						...entry.outcome,
						reason: `${entry.outcome.reason}; the contact was already gone`,
					};
				}
				return entry.outcome;
			}
			case 'update': {
				const outcome = { ...entry.outcome };
				if (!writesSomething(entry)) return outcome;
				const state = await this.freshState(entry.contactId, entry.storedFields);
				if (state?.kind === 'superseded') return supersededOutcome(entry.outcome, state.record);
				if (state?.kind === 'gone') {
					return {
						...withoutChanges(entry.outcome),
						action: 'skipped',
						reason: `Not applied (would be ${entry.outcome.action}): the contact was deleted since this run read it; the next run plans it again`,
					};
				}
				// Fields a person (or another run) changed since the plan read the contact are kept.
				if (state?.kind === 'current') {
					const fresh = freshUpdate(entry, state.contact, this.fresh as FreshReads, this.plan);
					if (fresh.stuck !== undefined) {
						return {
							...withoutChanges(entry.outcome),
							action: 'skipped',
							reason: `Not applied (would be ${entry.outcome.action}): ${fresh.stuck}; the next run plans it again`,
						};
					}
					this.memberships.removeLater(entry.contactId, fresh.lateRemovals);
					entry = fresh.entry;
				}
				if (await this.writeBack(entry, outcome)) return await this.contacts.update(entry, outcome);
				// The directory was not written: the base must not claim it was (see PlannedWriteBack.baseOnFailure).
				const fields = { ...entry.fields };
				const baseField = this.plan.baseField;
				const fallback = entry.writeBack?.baseOnFailure;
				if (baseField !== undefined && fallback === null) delete fields[baseField];
				else if (baseField !== undefined && typeof fallback === 'string')
					fields[baseField] = fallback;
				return await this.contacts.update({ ...entry, fields }, outcome);
			}
			case 'create':
				return await this.contacts.create(entry);
		}
	}

	/**
	 * The entry's directory PATCH, before anything is written to the contact. True when there was none
	 * or it succeeded; a refusal (on-premises mastered) is reported `skipped`, any other error `failed`.
	 */
	private async writeBack(
		entry: PlannedUpdate | PlannedReport,
		outcome: SyncOutcome,
	): Promise<boolean> {
		const planned = entry.writeBack;
		if (planned === undefined) return true;
		const directory = { ...(outcome.directory ?? { action: 'updated', userId: planned.userId }) };
		try {
			if (this.directory === undefined) {
				throw new ConfigurationError(
					'No directory writer: the run writes to the directory but has no Entra ID credential',
					'directory',
				);
			}
			await this.directory.updateUser(planned.userId, planned.body);
			return true;
		} catch (error) {
			if (error instanceof WriteBackRefused) {
				outcome.directory = {
					...directory,
					action: 'skipped',
					reason: error.reason,
					skipped: { ...directory.skipped, ...directory.changes },
				};
				delete outcome.directory.changes;
			} else {
				outcome.directory = { ...directory, action: 'failed', error: outcomeError(error) };
			}
			return false;
		}
	}
}
