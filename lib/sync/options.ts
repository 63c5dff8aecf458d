/**
 * The sync's options: their types, defaults (`DEFAULT_SYNC_OPTIONS`) and `resolveSyncOptions`, which
 * fills the defaults in and checks the values.
 */

import { ConfigurationError } from '../common/errors';
import { AUTHORITIES, type Authority } from './merge';

export type SyncMode = 'full' | 'incremental';
export type RemovalPolicy = 'delete' | 'removeFromLists' | 'unsubscribe' | 'ignore';
/** `unset` sends no `subscriptionState` and leaves it to the account's default. */
export type NewContactSubscription = 'SUBSCRIBED' | 'unset';
/**
 * Direction of a run: `fromMapper` takes the direction the Contact Mapper stamped on the items (from
 * the JSON configuration), one-way when they carry none.
 */
export type DirectionChoice = 'fromMapper' | 'toMessaging' | 'toDirectory' | 'bidirectional';
/** The direction a run actually takes. */
export type Direction = Exclude<DirectionChoice, 'fromMapper'>;
/** How a phone number written back to the directory looks: E.164, or like the number it replaces. */
export type PhoneWriteFormat = 'e164' | 'original';

export interface SyncOptions {
	/** `full`: the input is the whole scope, linked contacts absent from it are removed; `incremental`: only the input items. */
	mode: SyncMode;
	/** Report the plan, write nothing. */
	dryRun: boolean;
	removalPolicy: RemovalPolicy;
	/** Link an unlinked contact that has the same SMS number instead of reporting a conflict. */
	adoptExisting: boolean;
	/** Label of the custom field holding the Entra object id (created when missing). */
	linkFieldLabel: string;
	/** Label of the custom field holding the email address (created when missing). */
	emailFieldLabel: string;
	/** Create a TEXT custom field for a `customFields` key that matches no label or merge tag. */
	createMissingFields: boolean;
	/** Create lists named by the input that don't exist yet. */
	createMissingLists: boolean;
	/** Lists the sync manages besides those named by this run's input (so a contact can leave a list nobody is in any more). */
	managedLists: string[];
	newContactSubscription: NewContactSubscription;
	/** Deletion guard: more removals than this percent of linked contacts stop the run... */
	maxRemovalPercent: number;
	/** ...but up to this many removals are always allowed. */
	minRemovalsBeforeGuard: number;
	/** Approve removals above the threshold for this run. */
	allowMassRemoval: boolean;
	/** When the guard trips: apply creates and updates, hold removals back (reported `blocked`), don't fail. */
	continueWithoutRemovals: boolean;
	/** Most MessageMedia requests in flight (1..MAX_CONCURRENCY): the adaptive controller's ceiling. */
	concurrency: number;
	/**
	 * Name of the sync scope this run owns ('' = the default scope). Several syncs can feed one account
	 * (two tenants, one workflow per partition): a full run only removes contacts of its own scope.
	 */
	syncScope: string;
	/** No contact write starts after this many minutes from the start of the run (the rest is reported skipped). */
	runTimeLimitMinutes: number;
	direction: DirectionChoice;
	/** Who wins when both sides changed a field since the last sync (bidirectional). */
	authority: Authority;
	phoneWriteFormat: PhoneWriteFormat;
	/** Label of the custom field holding the sync base (bidirectional; created when missing). */
	baseFieldLabel: string;
	/** Label of the custom field holding the ownership record: the number and list memberships the sync made (created when missing). */
	recordFieldLabel: string;
	/**
	 * Directory attributes Entra keeps read-only for users synced from on-premises AD
	 * (`onPremisesSyncEnabled`): never written back for them. The node passes lib/entra's list.
	 */
	onPremisesReadOnly: string[];
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
	mode: 'full',
	dryRun: false,
	removalPolicy: 'delete',
	adoptExisting: true,
	linkFieldLabel: 'Entra Object ID',
	emailFieldLabel: 'Email',
	createMissingFields: true,
	createMissingLists: true,
	managedLists: [],
	newContactSubscription: 'SUBSCRIBED',
	maxRemovalPercent: 10,
	minRemovalsBeforeGuard: 5,
	allowMassRemoval: false,
	continueWithoutRemovals: false,
	concurrency: 20,
	runTimeLimitMinutes: 120,
	syncScope: '',
	direction: 'fromMapper',
	authority: 'directory',
	phoneWriteFormat: 'original',
	baseFieldLabel: 'Entra Sync Base',
	recordFieldLabel: 'Entra Sync State',
	onPremisesReadOnly: [],
};

export const MAX_CONCURRENCY = 50;

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
	if (options.recordFieldLabel === '')
		throw new ConfigurationError('The ownership record field needs a label', 'recordFieldLabel');
	const own = [
		options.linkFieldLabel,
		options.emailFieldLabel,
		options.baseFieldLabel,
		options.recordFieldLabel,
	].map((label) => label.toLowerCase());
	if (new Set(own).size < own.length) {
		throw new ConfigurationError(
			'The link, email, base and ownership record fields need labels of their own',
			'recordFieldLabel',
		);
	}
	if (!['fromMapper', 'toMessaging', 'toDirectory', 'bidirectional'].includes(options.direction)) {
		throw new ConfigurationError(`Unknown direction "${options.direction}"`, 'direction');
	}
	if (!AUTHORITIES.includes(options.authority))
		throw new ConfigurationError(`Unknown authority "${options.authority}"`, 'authority');
	if (options.phoneWriteFormat !== 'e164' && options.phoneWriteFormat !== 'original') {
		throw new ConfigurationError(
			`Unknown phone write format "${options.phoneWriteFormat}"`,
			'phoneWriteFormat',
		);
	}
	if (options.baseFieldLabel === '')
		throw new ConfigurationError('The base field needs a label', 'baseFieldLabel');
	const base = options.baseFieldLabel.toLowerCase();
	if (
		base === options.linkFieldLabel.toLowerCase() ||
		base === options.emailFieldLabel.toLowerCase()
	) {
		throw new ConfigurationError(
			'The base field needs a label of its own (not the link or email field)',
			'baseFieldLabel',
		);
	}
	if (options.linkFieldLabel === '')
		throw new ConfigurationError('The link field needs a label', 'linkFieldLabel');
	if (options.emailFieldLabel === '')
		throw new ConfigurationError('The email field needs a label', 'emailFieldLabel');
	if (options.linkFieldLabel.toLowerCase() === options.emailFieldLabel.toLowerCase()) {
		throw new ConfigurationError(
			'The link field and the email field need different labels',
			'emailFieldLabel',
		);
	}
	if (
		!Number.isInteger(options.concurrency) ||
		options.concurrency < 1 ||
		options.concurrency > MAX_CONCURRENCY
	) {
		throw new ConfigurationError(
			`Concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`,
			'concurrency',
		);
	}
	if (!(options.runTimeLimitMinutes > 0))
		throw new ConfigurationError(
			'Run time limit must be more than 0 minutes',
			'runTimeLimitMinutes',
		);
	if (!(options.maxRemovalPercent >= 0 && options.maxRemovalPercent <= 100)) {
		throw new ConfigurationError('Max removal percent must be from 0 to 100', 'maxRemovalPercent');
	}
	if (!Number.isInteger(options.minRemovalsBeforeGuard) || options.minRemovalsBeforeGuard < 0) {
		throw new ConfigurationError(
			'Removals always allowed must be a whole number, 0 or more',
			'minRemovalsBeforeGuard',
		);
	}
	return options;
}
