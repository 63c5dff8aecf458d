/**
 * Reads what the plan needs from MessageMedia and plans: all contacts (full mode), or the items'
 * numbers looked up with a scan only when that can't settle every item (incremental); then the
 * account's opt-out list for the numbers the plan would store subscribed.
 */

import type { MessageMediaClient } from '../messagemedia/types';
import { planSync } from './plan';
import type { ActualState, SyncInput, SyncOptions, SyncPlan, SyncSummary } from './types';

/** Contacts read to weigh an incremental run's removals for the guard: one page (the API's largest). */
const GUARD_SAMPLE = 1000;

/** Numbers an incremental run can look up: the items' own SMS numbers. */
function phonesOf(inputs: SyncInput[]): string[] {
	const phones = new Set<string>();
	for (const input of inputs)
		if (input.kind === 'item' && input.item.contact?.phone) phones.add(input.item.contact.phone);
	return [...phones];
}

/**
 * Reads what the plan needs and plans. Full mode reads all contacts once (pages of 1000). Incremental
 * mode looks the items' numbers up and reads all contacts only when that can't settle every item
 * (a user with no contact linked under their number may be new or may have a new number; a removal
 * without a number; many removals to weigh against the linked total).
 */
export async function readAndPlan(
	client: MessageMediaClient,
	inputs: SyncInput[],
	options: SyncOptions,
	now: number,
): Promise<{ plan: SyncPlan; lookup: SyncSummary['lookup']; lookupNote?: string }> {
	const customFields = await client.listCustomFields();
	const lists = await client.listLists();
	let state: ActualState;
	let lookup: SyncSummary['lookup'] = 'scan';
	let lookupNote: string | undefined;
	if (options.mode === 'full') {
		state = { contacts: await client.listContacts(), complete: true, lists, customFields };
	} else {
		const phones = phonesOf(inputs);
		const contacts = phones.length > 0 ? await client.findContactsByPhone(phones) : [];
		state = { contacts, complete: false, lists, customFields };
		const partial = planSync(inputs, state, options, now);
		if (partial.needsFullScan === undefined)
			return await withOptOuts(client, inputs, state, options, now, partial, 'phone');
		if (partial.needsFullScanFor === 'guard') {
			// The guard weighs removals against the linked contacts known: one page of them is often
			// enough evidence (a few moves among thousands), instead of every page.
			const sample = await client.listContacts({}, { limit: GUARD_SAMPLE, pageSize: GUARD_SAMPLE });
			if (sample.length < GUARD_SAMPLE) {
				// Shorter than a page: that was every contact.
				state = { contacts: sample, complete: true, lists, customFields };
				return await withOptOuts(
					client,
					inputs,
					state,
					options,
					now,
					planSync(inputs, state, options, now),
					'phone+scan',
					partial.needsFullScan,
				);
			}
			const known = new Set(contacts.map((contact) => contact.id));
			state = {
				contacts: [...contacts, ...sample.filter((contact) => !known.has(contact.id))],
				complete: false,
				lists,
				customFields,
			};
			const weighed = planSync(inputs, state, options, now);
			if (weighed.needsFullScan === undefined) {
				const note = `1 page of contacts (${sample.length}) was read to weigh ${weighed.guard.removals + weighed.guard.membershipRemovals} removals for the deletion guard`;
				return await withOptOuts(client, inputs, state, options, now, weighed, 'phone', note);
			}
		}
		state = { contacts: await client.listContacts(), complete: true, lists, customFields };
		lookup = phones.length > 0 ? 'phone+scan' : 'scan';
		lookupNote = partial.needsFullScan;
	}
	return await withOptOuts(
		client,
		inputs,
		state,
		options,
		now,
		planSync(inputs, state, options, now),
		lookup,
		lookupNote,
	);
}

/** Numbers the plan would put on a contact without an UNSUBSCRIBED state: new contacts and new numbers. */
function numbersToCheck(plan: SyncPlan): string[] {
	const numbers = new Set<string>();
	for (const entry of plan.entries) {
		if (entry.kind === 'create' && entry.subscriptionState !== 'UNSUBSCRIBED')
			numbers.add(entry.desired.phone);
		if (entry.kind === 'update') {
			for (const channel of entry.channels ?? []) {
				if (channel.type === 'SMS' && channel.subscriptionState !== 'UNSUBSCRIBED')
					numbers.add(channel.channelId);
			}
		}
	}
	return [...numbers];
}

/**
 * Asks the account's opt-out list about the numbers the plan would store as subscribed (none on a
 * rerun: no request); when some are on it, plans again with them opted out.
 */
async function withOptOuts(
	client: MessageMediaClient,
	inputs: SyncInput[],
	state: ActualState,
	options: SyncOptions,
	now: number,
	plan: SyncPlan,
	lookup: SyncSummary['lookup'],
	lookupNote?: string,
): Promise<{ plan: SyncPlan; lookup: SyncSummary['lookup']; lookupNote?: string }> {
	const numbers = numbersToCheck(plan);
	const optedOut = numbers.length > 0 ? await client.findOptedOutNumbers(numbers) : [];
	const final = optedOut.length > 0 ? planSync(inputs, { ...state, optedOut }, options, now) : plan;
	return lookupNote === undefined ? { plan: final, lookup } : { plan: final, lookup, lookupNote };
}
