/**
 * The sync engine: read → plan → guard → apply → report. `runSync` is what the MessageMedia Contacts
 * node's Sync operation calls; `planSync` and `applyPlan` are its pure and writing halves.
 */

import { ConfigurationError } from '../common/errors';
import type { MessageMediaClient, RequestStats } from '../messagemedia/types';
import { applyPlan, type ApplyDeps } from './apply';
import { planSync, withoutChanges } from './plan';
import type {
	ActualState,
	OutcomeAction,
	SyncInput,
	SyncOptions,
	SyncOutcome,
	SyncPlan,
	SyncResult,
	SyncSummary,
} from './types';
import { DEFAULT_SYNC_OPTIONS, MAX_CONCURRENCY, OUTCOME_ACTIONS } from './types';

export { classifyInput, type ClassifiedInput, type InvalidInput } from './input';
export { planSync, diffContact, mergeTagFor, listKey } from './plan';
export { applyPlan, type ApplyDeps, type ApplyResult } from './apply';
export * from './types';

export interface SyncDeps extends ApplyDeps {
	/** Clock for the run's duration (tests). */
	now?: () => number;
}

/** Options with defaults filled in and checked; bad values throw a ConfigurationError naming the option. */
export function resolveSyncOptions(partial: Partial<SyncOptions>): SyncOptions {
	const options: SyncOptions = { ...DEFAULT_SYNC_OPTIONS };
	for (const [key, value] of Object.entries(partial) as Array<[keyof SyncOptions, unknown]>) {
		if (value !== undefined) (options as unknown as Record<string, unknown>)[key] = value;
	}
	options.linkFieldLabel = options.linkFieldLabel.trim();
	options.emailFieldLabel = options.emailFieldLabel.trim();
	if (options.linkFieldLabel === '') throw new ConfigurationError('The link field needs a label', 'linkFieldLabel');
	if (options.emailFieldLabel === '') throw new ConfigurationError('The email field needs a label', 'emailFieldLabel');
	if (options.linkFieldLabel.toLowerCase() === options.emailFieldLabel.toLowerCase()) {
		throw new ConfigurationError('The link field and the email field need different labels', 'emailFieldLabel');
	}
	if (!Number.isInteger(options.concurrency) || options.concurrency < 1 || options.concurrency > MAX_CONCURRENCY) {
		throw new ConfigurationError(`Concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`, 'concurrency');
	}
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
): Promise<{ plan: SyncPlan; lookup: SyncSummary['lookup']; lookupNote?: string }> {
	const customFields = await client.listCustomFields();
	const lists = await client.listLists();
	if (options.mode === 'full') {
		const state: ActualState = { contacts: await client.listContacts(), complete: true, lists, customFields };
		return { plan: planSync(inputs, state, options), lookup: 'scan' };
	}
	const phones = phonesOf(inputs);
	const contacts = phones.length > 0 ? await client.findContactsByPhone(phones) : [];
	const partial = planSync(inputs, { contacts, complete: false, lists, customFields }, options);
	if (partial.needsFullScan === undefined) return { plan: partial, lookup: 'phone' };
	const state: ActualState = { contacts: await client.listContacts(), complete: true, lists, customFields };
	return {
		plan: planSync(inputs, state, options),
		lookup: phones.length > 0 ? 'phone+scan' : 'scan',
		lookupNote: partial.needsFullScan,
	};
}

function countActions(outcomes: SyncOutcome[]): Record<OutcomeAction, number> {
	const counts = Object.fromEntries(OUTCOME_ACTIONS.map((action) => [action, 0])) as Record<OutcomeAction, number>;
	for (const outcome of outcomes) counts[outcome.action]++;
	return counts;
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
			requests: requestsSince(before, client.stats),
			durationMs: now() - started,
			guard: plan?.guard ?? { status: 'ok', removals: 0, linked: 0, threshold: options.minRemovalsBeforeGuard },
			lookup: extra.lookup,
			listsCreated: extra.listsCreated,
			fieldsCreated: extra.fieldsCreated,
		};
		if (extra.lookupNote !== undefined) summary.lookupNote = extra.lookupNote;
		if (extra.error !== undefined) summary.error = extra.error;
		return summary;
	};

	// Nothing to act on incrementally: no request at all.
	if (options.mode === 'incremental' && inputs.length === 0) {
		return { outcomes: [], summary: summarise([], undefined, { lookup: 'none', listsCreated: [], fieldsCreated: [] }) };
	}

	const { plan, lookup, lookupNote } = await readAndPlan(client, inputs, options);
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
	const applied = await applyPlan(client, plan, options, deps);
	return {
		outcomes: applied.outcomes,
		summary: summarise(applied.outcomes, plan, {
			lookup,
			lookupNote,
			listsCreated: applied.listsCreated,
			fieldsCreated: applied.fieldsCreated,
		}),
	};
}
