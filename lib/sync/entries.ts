/** Plan entries and outcomes: how the planner words what it will do (or did not do). */

import { storedFieldValues, writableChannels } from './contact';
import type { AccountIndex } from './account';
import { contactListKeys, type ContactDiff } from './diff';
import type { Contact } from '../messagemedia/types';
import type { OutcomeAction, PlanEntry, PlannedUpdate, SyncOutcome } from './types';

/** The outcome without its field, list and directory changes (for what was not, or will not be, written). */
export function withoutChanges(outcome: SyncOutcome): SyncOutcome {
	const copy = { ...outcome };
	delete copy.changes;
	delete copy.values;
	delete copy.lists;
	delete copy.directory;
	return copy;
}

/** An entry that writes nothing: the outcome is only reported. */
export function report(
	base: SyncOutcome,
	action: OutcomeAction,
	reason?: string,
	error?: string,
): PlanEntry {
	const outcome: SyncOutcome = { ...base, action };
	if (reason !== undefined) outcome.reason = reason;
	if (error !== undefined) outcome.error = { message: error };
	return { kind: 'report', outcome };
}

/** An update of an existing contact from its diff. */
export function updateEntry(
	account: AccountIndex,
	base: SyncOutcome,
	contact: Contact,
	diff: ContactDiff,
	action: OutcomeAction,
	reason?: string,
): PlannedUpdate {
	const outcome: SyncOutcome = { ...base, action, contactId: contact.id };
	if (reason !== undefined) outcome.reason = reason;
	if (Object.keys(diff.changes).length > 0) outcome.changes = { ...diff.changes };
	if (diff.listsAdd.length > 0 || diff.listsRemove.length > 0) {
		outcome.lists = {
			added: diff.listsAdd.map(account.listName),
			removed: diff.listsRemove.map(account.listName),
		};
	}
	return {
		kind: 'update',
		outcome,
		contactId: contact.id,
		attributes: diff.attributes,
		channels: diff.channels,
		...(diff.channels ? { storedChannels: writableChannels(contact) } : {}),
		fields: diff.fields,
		listsAdd: diff.listsAdd,
		listsRemove: diff.listsRemove,
		storedFields: storedFieldValues(contact),
		memberships: [
			...new Set([
				...contactListKeys(contact).filter((key) => !diff.listsRemove.includes(key)),
				...diff.listsAdd,
			]),
		],
		record: diff.record,
		...(diff.optOut ? { optOut: diff.optOut } : {}),
	};
}
