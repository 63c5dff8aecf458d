/**
 * List membership changes of existing contacts, one bulk request per list (the client chunks by 1000
 * ids): the planned removals before the contact writes, additions and late removals after them.
 */

import type { MessageMediaClient } from '../messagemedia/types';
import { outcomeError } from './failures';
import type { References } from './references';
import type { PlannedUpdate, SyncOutcome } from './types';

export class Memberships {
	private readonly additions = new Map<string, { ids: string[]; outcomes: SyncOutcome[] }>();
	/** Lists a contact could not be taken out of: contact id → list key → the error. */
	private readonly failedRemovals = new Map<string, Map<string, unknown>>();
	/** Memberships found on the re-read before an update that the run takes away after its writes: list id → contact ids. */
	private readonly lateRemovals = new Map<string, string[]>();

	constructor(
		private readonly client: MessageMediaClient,
		private readonly refs: References,
	) {}

	/** One bulk request per list for every membership the entries take away. */
	async remove(entries: PlannedUpdate[]): Promise<void> {
		const byList = new Map<string, string[]>();
		for (const entry of entries) {
			for (const key of entry.listsRemove) {
				const ids = byList.get(key);
				if (ids) ids.push(entry.contactId);
				else byList.set(key, [entry.contactId]);
			}
		}
		for (const [key, contactIds] of byList) {
			try {
				await this.client.modifyListMembers(this.refs.listId(key), { remove: contactIds });
			} catch (error) {
				for (const id of contactIds) {
					const failed = this.failedRemovals.get(id) ?? new Map<string, unknown>();
					failed.set(key, error);
					this.failedRemovals.set(id, failed);
				}
			}
		}
	}

	/** The lists the contact could not be taken out of (list key → the error), if any. */
	failedFor(contactId: string): Map<string, unknown> | undefined {
		return this.failedRemovals.get(contactId);
	}

	/** Memberships of the contact (list ids) to take away after the contact writes. */
	removeLater(contactId: string, listIds: string[]): void {
		for (const listId of listIds)
			this.lateRemovals.set(listId, [...(this.lateRemovals.get(listId) ?? []), contactId]);
	}

	/** A membership to add after the contact writes; its failure is reported on `outcome`. */
	queueAddition(listId: string, contactId: string, outcome: SyncOutcome): void {
		let change = this.additions.get(listId);
		if (change === undefined) this.additions.set(listId, (change = { ids: [], outcomes: [] }));
		change.ids.push(contactId);
		if (!change.outcomes.includes(outcome)) change.outcomes.push(outcome);
	}

	/** One bulk request per list for the queued additions; none starts past the run time limit. */
	async add(pastDeadline: () => boolean): Promise<void> {
		for (const [listId, change] of this.additions) {
			if (pastDeadline()) {
				// The records already claim these memberships: the next run adds them.
				for (const outcome of change.outcomes)
					outcome.reason = `${outcome.reason ? `${outcome.reason}; ` : ''}list additions left to the next run (run time limit)`;
				continue;
			}
			try {
				await this.client.modifyListMembers(listId, { add: change.ids });
			} catch (error) {
				const name = this.refs.listNameById(listId);
				for (const outcome of change.outcomes) {
					outcome.action = 'failed';
					outcome.error = {
						...outcomeError(error),
						message: `List "${name}": ${outcomeError(error).message}`,
					};
				}
			}
		}
	}

	/**
	 * Memberships another run added after this run planned (found on the re-read before the update):
	 * one bulk request per list. The record keeps claiming them, so a failure here is the next run's.
	 */
	async removeLate(): Promise<void> {
		for (const [listId, contactIds] of this.lateRemovals) {
			try {
				await this.client.modifyListMembers(listId, { remove: contactIds });
			} catch {
				// Still claimed: the next run takes them away.
			}
		}
	}
}
