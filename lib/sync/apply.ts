/**
 * Executes a sync plan through the MessageMedia client: custom fields and lists first, then contact
 * writes with bounded concurrency, then list membership through the bulk endpoint (one call per list,
 * the client chunks by 1000 ids). A create is retried only as look-up-then-create.
 */

import { ConfigurationError, ServiceApiError } from '../common/errors';
import { DEFAULT_RETRY_POLICY, isTransientNetworkError, withRetry, type RetryPolicy } from '../common/retry';
import type {
	Contact,
	CreateContactRequest,
	MessageMediaClient,
	UpdateContactRequest,
} from '../messagemedia/types';
import { diffContact, diffIsEmpty, linkedSourceId, listKey, smsChannel, withoutChanges, type DiffContext } from './plan';
import type {
	FieldSpec,
	ListSpec,
	OutcomeError,
	PlannedCreate,
	PlannedReport,
	PlannedUpdate,
	PlanEntry,
	SyncOptions,
	SyncOutcome,
	SyncPlan,
} from './types';
import { WriteBackRefused, type DirectoryWriter } from './writeback';

/**
 * Retries of a create (each after looking the number up): the same budget as the transport gives every
 * other request, so a create survives the same throttling bursts as the reads and updates around it.
 */
export const CREATE_RETRY_POLICY: RetryPolicy = DEFAULT_RETRY_POLICY;

export interface ApplyDeps {
	/** Overrides of the create retry policy (tests inject `sleep`). */
	retryPolicy?: Partial<RetryPolicy>;
	/** Writes directory users (reverse and bidirectional runs). */
	directory?: DirectoryWriter;
}

export interface ApplyResult {
	outcomes: SyncOutcome[];
	listsCreated: string[];
	fieldsCreated: string[];
}

const RETRYABLE_STATUS = new Set([0, 408, 429, 500, 502, 503, 504]);

const statusOf = (error: unknown): number | undefined => (error instanceof ServiceApiError ? error.status : undefined);

/** The server's Retry-After, which the transport keeps in the error's details. */
function retryAfterOf(error: unknown): number | undefined {
	const value = error instanceof ServiceApiError ? error.details?.retryAfterMs : undefined;
	return typeof value === 'number' ? value : undefined;
}

/** A failure worth another attempt: network, timeout, throttling, server busy. */
export function isRetryableFailure(error: unknown): boolean {
	const status = statusOf(error);
	return (status !== undefined && RETRYABLE_STATUS.has(status)) || isTransientNetworkError(error);
}

export function outcomeError(error: unknown): OutcomeError {
	if (error instanceof ServiceApiError) {
		const out: OutcomeError = { message: error.message, status: error.status };
		if (error.code !== undefined) out.code = error.code;
		if (error.requestId !== undefined) out.requestId = error.requestId;
		if (error.details !== undefined) out.details = error.details;
		return out;
	}
	return { message: error instanceof Error ? error.message : String(error) };
}

/** Runs `fn` over `items` with at most `limit` in flight, preserving nothing but completion. */
export async function forEachLimited<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
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
	private readonly fields: Record<string, FieldSpec> = {};
	private readonly lists: Record<string, ListSpec> = {};
	/** Why a field or list could not be created (entries needing it fail with this). */
	private readonly refErrors = new Map<string, unknown>();
	private readonly membership = new Map<string, { add: string[]; remove: string[]; outcomes: SyncOutcome[] }>();
	private readonly listsCreated: string[] = [];
	private readonly fieldsCreated: string[] = [];
	private readonly retryPolicy: RetryPolicy;
	private readonly directory?: DirectoryWriter;

	constructor(
		private readonly client: MessageMediaClient,
		private readonly plan: SyncPlan,
		private readonly options: Pick<SyncOptions, 'concurrency' | 'adoptExisting'>,
		deps: ApplyDeps,
	) {
		this.retryPolicy = { ...CREATE_RETRY_POLICY, ...deps.retryPolicy };
		this.directory = deps.directory;
	}

	async run(): Promise<ApplyResult> {
		await this.createFields();
		await this.createLists();
		const outcomes: SyncOutcome[] = new Array(this.plan.entries.length);
		await forEachLimited(this.plan.entries, this.options.concurrency, async (entry, index) => {
			try {
				outcomes[index] = await this.applyEntry(entry);
			} catch (error) {
				const conflict = statusOf(error) === 409;
				outcomes[index] = { ...entry.outcome, action: conflict ? 'conflict' : 'failed', error: outcomeError(error) };
			}
		});
		await this.applyMembership();
		return { outcomes, listsCreated: this.listsCreated, fieldsCreated: this.fieldsCreated };
	}

	private async createFields(): Promise<void> {
		for (const [tag, spec] of Object.entries(this.plan.fields)) {
			if (spec.id !== undefined) {
				this.fields[tag] = spec;
				continue;
			}
			try {
				const { label, mergeTag, maxLength, type } = spec;
				const created = await this.createOrFind(
					() => this.client.createCustomField({ label, mergeTag, maxLength, type }),
					async () => (await this.client.listCustomFields({ mergeTag })).find((f) => f.mergeTag.toLowerCase() === mergeTag),
				);
				this.fields[tag] = { ...spec, id: created.id };
				this.fieldsCreated.push(label);
			} catch (error) {
				this.refErrors.set(`field:${tag}`, error);
			}
		}
	}

	private async createLists(): Promise<void> {
		for (const [key, spec] of Object.entries(this.plan.lists)) {
			if (spec.id !== undefined) {
				this.lists[key] = spec;
				continue;
			}
			try {
				const created = await this.createOrFind(
					() => this.client.createList({ name: spec.name }),
					async () => (await this.client.listLists({ name: spec.name })).find((l) => listKey(l.name) === key),
				);
				this.lists[key] = { id: created.id, name: created.name };
				this.listsCreated.push(spec.name);
			} catch (error) {
				this.refErrors.set(`list:${key}`, error);
			}
		}
	}

	/** Creates a field or list; a 409 (made meanwhile, or by an attempt whose answer was lost) finds it instead. */
	private async createOrFind<T>(create: () => Promise<T>, find: () => Promise<T | undefined>): Promise<T> {
		try {
			return await create();
		} catch (error) {
			if (statusOf(error) !== 409 && !isRetryableFailure(error)) throw error;
			const found = await find();
			if (found !== undefined) return found;
			if (statusOf(error) === 409) throw error;
			return await create();
		}
	}

	private fieldId(tag: string): string {
		const error = this.refErrors.get(`field:${tag}`);
		if (error !== undefined) throw error;
		return this.fields[tag].id as string;
	}

	private listId(key: string): string {
		const error = this.refErrors.get(`list:${key}`);
		if (error !== undefined) throw error;
		return this.lists[key].id as string;
	}

	private async applyEntry(entry: PlanEntry): Promise<SyncOutcome> {
		switch (entry.kind) {
			case 'report': {
				const outcome = { ...entry.outcome };
				await this.writeBack(entry, outcome);
				return outcome;
			}
			case 'delete':
				try {
					await this.client.deleteContact(entry.contactId);
				} catch (error) {
					if (statusOf(error) !== 404) throw error;
					return { ...entry.outcome, reason: `${entry.outcome.reason}; the contact was already gone` };
				}
				return entry.outcome;
			case 'update': {
				const outcome = { ...entry.outcome };
				if (await this.writeBack(entry, outcome)) return await this.update(entry, outcome);
				// The directory was not written: the base must not claim it was (see PlannedWriteBack.baseOnFailure).
				const fields = { ...entry.fields };
				const baseField = this.plan.baseField;
				const fallback = entry.writeBack?.baseOnFailure;
				if (baseField !== undefined && fallback === null) delete fields[baseField];
				else if (baseField !== undefined && typeof fallback === 'string') fields[baseField] = fallback;
				return await this.update({ ...entry, fields }, outcome);
			}
			case 'create':
				return await this.create(entry);
		}
	}

	/**
	 * The entry's directory PATCH, before anything is written to the contact. True when there was none
	 * or it succeeded; a refusal (on-premises mastered) is reported `skipped`, any other error `failed`.
	 */
	private async writeBack(entry: PlannedUpdate | PlannedReport, outcome: SyncOutcome): Promise<boolean> {
		const planned = entry.writeBack;
		if (planned === undefined) return true;
		const directory = { ...(outcome.directory ?? { action: 'updated', userId: planned.userId }) };
		try {
			if (this.directory === undefined) {
				throw new ConfigurationError('No directory writer: the run writes to the directory but has no Entra ID credential', 'directory');
			}
			await this.directory.updateUser(planned.userId, planned.body);
			return true;
		} catch (error) {
			if (error instanceof WriteBackRefused) {
				outcome.directory = { ...directory, action: 'skipped', reason: error.reason, skipped: { ...directory.skipped, ...directory.changes } };
				delete outcome.directory.changes;
			} else {
				outcome.directory = { ...directory, action: 'failed', error: outcomeError(error) };
			}
			return false;
		}
	}

	private async update(
		change: Pick<PlannedUpdate, 'contactId' | 'attributes' | 'channels' | 'fields' | 'listsAdd' | 'listsRemove'>,
		outcome: SyncOutcome,
	): Promise<SyncOutcome> {
		const addIds = change.listsAdd.map((key) => this.listId(key));
		const removeIds = change.listsRemove.map((key) => this.listId(key));
		const body: UpdateContactRequest = { ...change.attributes };
		if (change.channels !== undefined) body.channels = change.channels;
		const customFields = Object.entries(change.fields).map(([tag, value]) => ({ id: this.fieldId(tag), value }));
		if (customFields.length > 0) body.customFields = customFields;
		if (Object.keys(body).length > 0) await this.client.updateContact(change.contactId, body);
		addIds.forEach((id) => this.queueMembership(id, 'add', change.contactId, outcome));
		removeIds.forEach((id) => this.queueMembership(id, 'remove', change.contactId, outcome));
		return outcome;
	}

	private queueMembership(listId: string, direction: 'add' | 'remove', contactId: string, outcome: SyncOutcome): void {
		let change = this.membership.get(listId);
		if (change === undefined) this.membership.set(listId, (change = { add: [], remove: [], outcomes: [] }));
		change[direction].push(contactId);
		if (!change.outcomes.includes(outcome)) change.outcomes.push(outcome);
	}

	private async applyMembership(): Promise<void> {
		for (const [listId, change] of this.membership) {
			try {
				await this.client.modifyListMembers(listId, {
					...(change.add.length > 0 ? { add: change.add } : {}),
					...(change.remove.length > 0 ? { remove: change.remove } : {}),
				});
			} catch (error) {
				const name = Object.values(this.lists).find((l) => l.id === listId)?.name ?? listId;
				for (const outcome of change.outcomes) {
					outcome.action = 'failed';
					outcome.error = { ...outcomeError(error), message: `List "${name}": ${outcomeError(error).message}` };
				}
			}
		}
	}

	private createBody(entry: PlannedCreate): CreateContactRequest {
		const { desired } = entry;
		const body: CreateContactRequest = {
			...desired.attributes,
			channels: [
				entry.subscriptionState
					? { channelId: desired.phone, type: 'SMS', subscriptionState: entry.subscriptionState }
					: { channelId: desired.phone, type: 'SMS' },
			],
		};
		if (desired.lists?.length) body.lists = desired.lists.map((key) => ({ id: this.listId(key) }));
		const customFields = Object.entries(desired.fields).map(([tag, value]) => ({ id: this.fieldId(tag), value }));
		if (customFields.length > 0) body.customFields = customFields;
		return body;
	}

	/**
	 * Creates a contact. A create that fails in a way worth retrying (network, timeout, 429, 5xx) may
	 * have landed, so every further attempt first looks the number up; a 409 looks it up too. A contact
	 * found linked to this user is the one created; an unlinked one is adopted (when allowed); anything
	 * else is a conflict and is not touched.
	 */
	private async create(entry: PlannedCreate): Promise<SyncOutcome> {
		const body = this.createBody(entry);
		const phone = entry.desired.phone;
		return await withRetry(
			async (attempt) => {
				if (attempt > 1) {
					const found = await this.findByPhone(phone);
					if (found !== undefined) return await this.reconcile(entry, found);
				}
				try {
					const created = await this.client.createContact(body);
					return { ...entry.outcome, contactId: created.id };
				} catch (error) {
					if (statusOf(error) !== 409) throw error;
					const found = await this.findByPhone(phone);
					if (found === undefined) throw error;
					return await this.reconcile(entry, found);
				}
			},
			(error) => ({ retry: isRetryableFailure(error), retryAfterMs: retryAfterOf(error) }),
			this.retryPolicy,
		);
	}

	private async findByPhone(phone: string): Promise<Contact | undefined> {
		const found = await this.client.findContactsByPhone([phone]);
		return found.find((c) => c.channels.some((ch) => ch.type === 'SMS' && ch.channelId === phone));
	}

	/** The number already has a contact: ours (an earlier attempt landed), adoptable, or someone else's. */
	private async reconcile(entry: PlannedCreate, found: Contact): Promise<SyncOutcome> {
		const owner = linkedSourceId(found, this.fields[this.plan.linkField]?.id);
		const base: SyncOutcome = { ...entry.outcome, contactId: found.id, phone: smsChannel(found)?.channelId ?? entry.desired.phone };
		if (owner !== undefined && owner !== entry.outcome.sourceId.toLowerCase()) {
			return conflict(base, `The number belongs to a contact linked to another user (${owner})`);
		}
		if (owner === undefined && !this.options.adoptExisting) {
			return conflict(base, 'An unlinked contact already has this number; turn on "Adopt Existing Contacts" to link it');
		}
		// Bring the found contact to the desired state (nothing to do when our earlier create landed whole).
		const diff = diffContact(found, entry.desired, this.diffContext());
		const outcome: SyncOutcome =
			owner !== undefined
				? base
				: {
						...withoutChanges(base),
						action: 'adopted',
						changes: diff.changes,
						lists: { added: diff.listsAdd.map((key) => this.lists[key].name), removed: diff.listsRemove.map((key) => this.lists[key].name) },
					};
		if (!diffIsEmpty(diff)) await this.update({ contactId: found.id, ...diff }, outcome);
		return outcome;
	}

	private diffContext(): DiffContext {
		return {
			fields: this.fields,
			lists: this.lists,
			managed: new Set(this.plan.managedLists),
			fieldLabel: (tag) => this.fields[tag]?.label ?? tag,
		};
	}
}

function conflict(base: SyncOutcome, reason: string): SyncOutcome {
	return { ...withoutChanges(base), action: 'conflict', reason };
}
