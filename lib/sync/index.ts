/**
 * The sync engine: read → plan → guard → apply → report. `runSync` is what the MessageMedia Contacts
 * node's Sync operation calls; `planSync` and `applyPlan` are its pure and writing halves.
 */

import { ConfigurationError } from '../common/errors';
import type { MessageMediaClient, RequestStats } from '../messagemedia/types';
import { applyPlan, type ApplyDeps } from './apply';
import { withoutChanges } from './entries';
import { readAndPlan } from './read';
import type {
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
import { OUTCOME_ACTIONS } from './types';
import { resolveDirection, writesToDirectory } from './writeback';

export { classifyInput, type ClassifiedInput, type InvalidInput } from './input';
export { resolveSyncOptions } from './options';
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

function countActions(outcomes: SyncOutcome[]): Record<OutcomeAction, number> {
	const counts = Object.fromEntries(OUTCOME_ACTIONS.map((action) => [action, 0])) as Record<
		OutcomeAction,
		number
	>;
	for (const outcome of outcomes) counts[outcome.action]++;
	return counts;
}

function directorySummary(
	direction: Direction,
	options: SyncOptions,
	outcomes: SyncOutcome[],
): DirectorySummary {
	const summary: DirectorySummary = {
		direction,
		authority: options.authority,
		updated: 0,
		skipped: 0,
		failed: 0,
		conflicts: 0,
	};
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
		if (writesToDirectory(direction))
			summary.directory = directorySummary(direction, options, outcomes);
		return summary;
	};

	// Nothing to act on incrementally: no request at all.
	if (options.mode === 'incremental' && inputs.length === 0) {
		return {
			outcomes: [],
			summary: summarise([], undefined, { lookup: 'none', listsCreated: [], fieldsCreated: [] }),
		};
	}

	const read = await readAndPlan(client, inputs, options, started);
	const { lookup, lookupNote } = read;
	// The directory read the run's values come from: given by the caller, else the run's start.
	const plan: SyncPlan = { ...read.plan, snapshotAt: deps.snapshotAt ?? started };
	const planned = plan.entries.map((entry) => entry.outcome);
	const toCreate = {
		listsCreated: Object.values(plan.lists)
			.filter((l) => l.id === undefined)
			.map((l) => l.name),
		fieldsCreated: Object.values(plan.fields)
			.filter((f) => f.id === undefined)
			.map((f) => f.label),
	};
	if (options.dryRun) {
		return {
			outcomes: planned,
			summary: summarise(planned, plan, { lookup, lookupNote, ...toCreate }),
		};
	}
	if (plan.guard.status === 'tripped' && !options.continueWithoutRemovals) {
		const message = plan.guard.message as string;
		const outcomes = plan.entries.map((entry): SyncOutcome => {
			if (entry.kind === 'report') return entry.outcome;
			return {
				...withoutChanges(entry.outcome),
				action: 'skipped',
				reason: `Not applied (would be ${entry.outcome.action}): the deletion guard stopped the run`,
			};
		});
		return {
			outcomes,
			summary: summarise(outcomes, plan, {
				lookup,
				lookupNote,
				listsCreated: [],
				fieldsCreated: [],
				error: message,
			}),
			guardFailure: message,
		};
	}
	const applied = await applyPlan(client, plan, options, {
		...deps,
		deadline: started + options.runTimeLimitMinutes * 60_000,
		now,
	});
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
