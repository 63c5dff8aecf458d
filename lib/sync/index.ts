/**
 * The sync engine: read → plan → guard → apply → report. `runSync` is what the MessageMedia Contacts
 * node's Sync operation calls; `planSync` and `applyPlan` are its pure and writing halves.
 */

import { ConfigurationError } from '../common/errors';
import type { MessageMediaClient, RequestStats } from '../messagemedia/types';
import { applyPlan, type ApplyDeps } from './apply';
import { AUTHORITIES } from './merge';
import { withoutChanges } from './entries';
import { planSync } from './plan';
import type {
	ActualState,
	Direction,
	DirectorySummary,
	OutcomeAction,
	SyncInput,
	SyncOptions,
	SyncOutcome,
	SyncPlan,
	SyncResult,
	SyncSummary,
} from './types';
import { DEFAULT_SYNC_OPTIONS, MAX_CONCURRENCY, OUTCOME_ACTIONS } from './types';
import { resolveDirection, writesToDirectory } from './writeback';

export { classifyInput, type ClassifiedInput, type InvalidInput } from './input';
export { planSync } from './plan';
export { listKey, mergeTagFor } from './contact';
export { diffContact, type ContactDiff, type DiffContext } from './diff';
export { decodeRecord, encodeRecord, listHash, type OwnershipRecord } from './record';
export { applyPlan, type ApplyDeps, type ApplyResult } from './apply';
export { storedDifferences } from './readback';
export {
	AUTHORITIES,
	decodeBase,
	encodeBase,
	hashValue,
	mergeField,
	newerSide,
	ownerHash,
	type Authority,
	type FieldValues,
	type MergeDecision,
	type MergeRule,
	type Side,
	type SyncBase,
} from './merge';
export {
	WriteBackRefused,
	formatPhoneForDirectory,
	resolveDirection,
	writesToDirectory,
	writesToMessaging,
	type DirectoryWriter,
} from './writeback';
export * from './types';

export interface SyncDeps extends ApplyDeps {
	/** Clock for the run's duration (tests). */
	now?: () => number;
	/** When the directory was read (ms since epoch), when the caller knows it; default: the run's start. */
	snapshotAt?: number;
}

/** Options with defaults filled in and checked; bad values throw a ConfigurationError naming the option. */
export function resolveSyncOptions(partial: Partial<SyncOptions>): SyncOptions {
	const options: SyncOptions = { ...DEFAULT_SYNC_OPTIONS };
	for (const [key, value] of Object.entries(partial) as Array<[keyof SyncOptions, unknown]>) {
		if (value !== undefined) (options as unknown as Record<string, unknown>)[key] = value;
	}
	options.linkFieldLabel = options.linkFieldLabel.trim();
	options.emailFieldLabel = options.emailFieldLabel.trim();
	options.baseFieldLabel = options.baseFieldLabel.trim();
	options.recordFieldLabel = options.recordFieldLabel.trim();
	options.syncScope = options.syncScope.trim();
	if (options.recordFieldLabel === '') throw new ConfigurationError('The ownership record field needs a label', 'recordFieldLabel');
	const own = [options.linkFieldLabel, options.emailFieldLabel, options.baseFieldLabel, options.recordFieldLabel].map((label) => label.toLowerCase());
	if (new Set(own).size < own.length) {
		throw new ConfigurationError('The link, email, base and ownership record fields need labels of their own', 'recordFieldLabel');
	}
	if (!['fromMapper', 'toMessaging', 'toDirectory', 'bidirectional'].includes(options.direction)) {
		throw new ConfigurationError(`Unknown direction "${options.direction}"`, 'direction');
	}
	if (!AUTHORITIES.includes(options.authority)) throw new ConfigurationError(`Unknown authority "${options.authority}"`, 'authority');
	if (options.phoneWriteFormat !== 'e164' && options.phoneWriteFormat !== 'original') {
		throw new ConfigurationError(`Unknown phone write format "${options.phoneWriteFormat}"`, 'phoneWriteFormat');
	}
	if (options.baseFieldLabel === '') throw new ConfigurationError('The base field needs a label', 'baseFieldLabel');
	const base = options.baseFieldLabel.toLowerCase();
	if (base === options.linkFieldLabel.toLowerCase() || base === options.emailFieldLabel.toLowerCase()) {
		throw new ConfigurationError('The base field needs a label of its own (not the link or email field)', 'baseFieldLabel');
	}
	if (options.linkFieldLabel === '') throw new ConfigurationError('The link field needs a label', 'linkFieldLabel');
	if (options.emailFieldLabel === '') throw new ConfigurationError('The email field needs a label', 'emailFieldLabel');
	if (options.linkFieldLabel.toLowerCase() === options.emailFieldLabel.toLowerCase()) {
		throw new ConfigurationError('The link field and the email field need different labels', 'emailFieldLabel');
	}
	if (!Number.isInteger(options.concurrency) || options.concurrency < 1 || options.concurrency > MAX_CONCURRENCY) {
		throw new ConfigurationError(`Concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`, 'concurrency');
	}
	if (!(options.runTimeLimitMinutes > 0)) throw new ConfigurationError('Run time limit must be more than 0 minutes', 'runTimeLimitMinutes');
	if (!(options.maxRemovalPercent >= 0 && options.maxRemovalPercent <= 100)) {
		throw new ConfigurationError('Max removal percent must be from 0 to 100', 'maxRemovalPercent');
	}
	if (!Number.isInteger(options.minRemovalsBeforeGuard) || options.minRemovalsBeforeGuard < 0) {
		throw new ConfigurationError('Removals always allowed must be a whole number, 0 or more', 'minRemovalsBeforeGuard');
	}
	return options;
}

function snapshot(stats: RequestStats): RequestStats {
	return { total: stats.total, byMethod: { ...stats.byMethod }, retries: stats.retries };
}

function requestsSince(before: RequestStats, after: RequestStats): RequestStats {
	const byMethod: Record<string, number> = {};
	for (const [method, count] of Object.entries(after.byMethod)) {
		const made = count - (before.byMethod[method] ?? 0);
		if (made > 0) byMethod[method] = made;
	}
	return { total: after.total - before.total, byMethod, retries: after.retries - before.retries };
}

/** Contacts read to weigh an incremental run's removals for the guard: one page (the API's largest). */
const GUARD_SAMPLE = 1000;

/** Numbers an incremental run can look up: the items' own SMS numbers. */
function phonesOf(inputs: SyncInput[]): string[] {
	const phones = new Set<string>();
	for (const input of inputs) if (input.kind === 'item' && input.item.contact?.phone) phones.add(input.item.contact.phone);
	return [...phones];
}

/**
 * Reads what the plan needs and plans. Full mode reads all contacts once (pages of 1000). Incremental
 * mode looks the items' numbers up and reads all contacts only when that can't settle every item
 * (a user with no contact linked under their number may be new or may have a new number; a removal
 * without a number; many removals to weigh against the linked total).
 */
async function readAndPlan(
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
		if (partial.needsFullScan === undefined) return await withOptOuts(client, inputs, state, options, now, partial, 'phone');
		if (partial.needsFullScanFor === 'guard') {
			// The guard weighs removals against the linked contacts known: one page of them is often
			// enough evidence (a few moves among thousands), instead of every page.
			const sample = await client.listContacts({}, { limit: GUARD_SAMPLE, pageSize: GUARD_SAMPLE });
			if (sample.length < GUARD_SAMPLE) {
				// Shorter than a page: that was every contact.
				state = { contacts: sample, complete: true, lists, customFields };
				return await withOptOuts(client, inputs, state, options, now, planSync(inputs, state, options, now), 'phone+scan', partial.needsFullScan);
			}
			const known = new Set(contacts.map((contact) => contact.id));
			state = { contacts: [...contacts, ...sample.filter((contact) => !known.has(contact.id))], complete: false, lists, customFields };
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
	return await withOptOuts(client, inputs, state, options, now, planSync(inputs, state, options, now), lookup, lookupNote);
}

/** Numbers the plan would put on a contact without an UNSUBSCRIBED state: new contacts and new numbers. */
function numbersToCheck(plan: SyncPlan): string[] {
	const numbers = new Set<string>();
	for (const entry of plan.entries) {
		if (entry.kind === 'create' && entry.subscriptionState !== 'UNSUBSCRIBED') numbers.add(entry.desired.phone);
		if (entry.kind === 'update') {
			for (const channel of entry.channels ?? []) {
				if (channel.type === 'SMS' && channel.subscriptionState !== 'UNSUBSCRIBED') numbers.add(channel.channelId);
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

function countActions(outcomes: SyncOutcome[]): Record<OutcomeAction, number> {
	const counts = Object.fromEntries(OUTCOME_ACTIONS.map((action) => [action, 0])) as Record<OutcomeAction, number>;
	for (const outcome of outcomes) counts[outcome.action]++;
	return counts;
}

function directorySummary(direction: Direction, options: SyncOptions, outcomes: SyncOutcome[]): DirectorySummary {
	const summary: DirectorySummary = { direction, authority: options.authority, updated: 0, skipped: 0, failed: 0, conflicts: 0 };
	for (const outcome of outcomes) {
		if (outcome.directory !== undefined) summary[outcome.directory.action]++;
		summary.conflicts += Object.keys(outcome.conflicts ?? {}).length;
	}
	return summary;
}

/**
 * The outcomes a run hands on: all of them, or (the default of the Sync node) all but the contacts
 * with nothing to write, which the summary counts — at 100k users, most of a rerun's items. An
 * unchanged contact that has something to say (a two-way write-back, a conflict, a stored divergence,
 * a reason) is kept.
 */
export function outcomesToOutput(outcomes: SyncOutcome[], unchanged: boolean): SyncOutcome[] {
	if (unchanged) return outcomes;
	return outcomes.filter(
		(outcome) =>
			outcome.action !== 'unchanged' ||
			outcome.directory !== undefined ||
			outcome.diverged !== undefined ||
			outcome.reason !== undefined ||
			Object.keys(outcome.conflicts ?? {}).length > 0,
	);
}

/**
 * Runs one sync: read MessageMedia, plan against the inputs, then (unless a dry run or a tripped
 * deletion guard) apply. When the guard trips without an override or "continue without removals",
 * nothing at all is written — no list, field, create or update — and `guardFailure` says how to approve.
 */
export async function runSync(
	client: MessageMediaClient,
	inputs: SyncInput[],
	options: SyncOptions,
	deps: SyncDeps = {},
): Promise<SyncResult> {
	const now = deps.now ?? Date.now;
	const started = now();
	const before = snapshot(client.stats);
	// Contact writes run `concurrency` workers; the transport's controller decides how many go at once.
	client.flow?.restart(options.concurrency);
	const direction = resolveDirection(inputs, options.direction);
	if (writesToDirectory(direction) && !options.dryRun && deps.directory === undefined) {
		throw new ConfigurationError(
			`This run writes to the directory (${direction === 'toDirectory' ? 'MessageMedia → directory' : 'both ways'}): select an Entra ID credential on the node (it needs User.ReadWrite.All, or User-Phone.ReadWrite.All for phones only)`,
			'entraSyncEntraIdApi',
		);
	}
	const summarise = (
		outcomes: SyncOutcome[],
		plan: SyncPlan | undefined,
		extra: Pick<SyncSummary, 'lookup' | 'lookupNote' | 'listsCreated' | 'fieldsCreated' | 'error'>,
	): SyncSummary => {
		const summary: SyncSummary = {
			mode: options.mode,
			dryRun: options.dryRun,
			items: inputs.length,
			counts: countActions(outcomes),
			diverged: outcomes.filter((outcome) => outcome.diverged !== undefined).length,
			requests: requestsSince(before, client.stats),
			...(client.flow !== undefined ? { concurrency: client.flow.report() } : {}),
			durationMs: now() - started,
			guard: plan?.guard ?? {
				status: 'ok',
				removals: 0,
				linked: 0,
				threshold: options.minRemovalsBeforeGuard,
				membershipRemovals: 0,
				memberships: 0,
				membershipThreshold: options.minRemovalsBeforeGuard,
			},
			lookup: extra.lookup,
			listsCreated: extra.listsCreated,
			fieldsCreated: extra.fieldsCreated,
		};
		if (extra.lookupNote !== undefined) summary.lookupNote = extra.lookupNote;
		if (extra.error !== undefined) summary.error = extra.error;
		if (writesToDirectory(direction)) summary.directory = directorySummary(direction, options, outcomes);
		return summary;
	};

	// Nothing to act on incrementally: no request at all.
	if (options.mode === 'incremental' && inputs.length === 0) {
		return { outcomes: [], summary: summarise([], undefined, { lookup: 'none', listsCreated: [], fieldsCreated: [] }) };
	}

	const read = await readAndPlan(client, inputs, options, started);
	const { lookup, lookupNote } = read;
	// The directory read the run's values come from: given by the caller, else the run's start.
	const plan: SyncPlan = { ...read.plan, snapshotAt: deps.snapshotAt ?? started };
	const planned = plan.entries.map((entry) => entry.outcome);
	const toCreate = {
		listsCreated: Object.values(plan.lists).filter((l) => l.id === undefined).map((l) => l.name),
		fieldsCreated: Object.values(plan.fields).filter((f) => f.id === undefined).map((f) => f.label),
	};
	if (options.dryRun) {
		return { outcomes: planned, summary: summarise(planned, plan, { lookup, lookupNote, ...toCreate }) };
	}
	if (plan.guard.status === 'tripped' && !options.continueWithoutRemovals) {
		const message = plan.guard.message as string;
		const outcomes = plan.entries.map((entry): SyncOutcome => {
			if (entry.kind === 'report') return entry.outcome;
			return { ...withoutChanges(entry.outcome), action: 'skipped', reason: `Not applied (would be ${entry.outcome.action}): the deletion guard stopped the run` };
		});
		return {
			outcomes,
			summary: summarise(outcomes, plan, { lookup, lookupNote, listsCreated: [], fieldsCreated: [], error: message }),
			guardFailure: message,
		};
	}
	const applied = await applyPlan(client, plan, options, { ...deps, deadline: started + options.runTimeLimitMinutes * 60_000, now });
	const summary = summarise(applied.outcomes, plan, {
		lookup,
		lookupNote,
		listsCreated: applied.listsCreated,
		fieldsCreated: applied.fieldsCreated,
	});
	if (applied.timedOut) {
		summary.timeLimit = `The run time limit (${options.runTimeLimitMinutes} min) was reached: ${summary.counts.skipped} write(s) were not started and are reported skipped; the next run picks them up`;
	}
	return { outcomes: applied.outcomes, summary };
}
