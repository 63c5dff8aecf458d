/**
 * Executes a sync plan through the MessageMedia client: custom fields and lists first, then contact
 * writes with bounded concurrency, then list membership through the bulk endpoint (one call per list,
 * the client chunks by 1000 ids). A create is retried only as look-up-then-create.
 */

import { ConfigurationError } from '../common/errors';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from '../common/retry';
import type { Contact, CreateContactRequest, MessageMediaClient, UpdateContactRequest } from '../messagemedia/types';
import { listKey, linkedSourceId, smsChannels, storedFieldValues } from './contact';
import { diffContact, diffIsEmpty, type DiffContext } from './diff';
import { withoutChanges } from './entries';
import { isRetryableFailure, outcomeError, retryAfterOf, statusOf } from './failures';
import { FreshReads, freshUpdate, stampRecord, supersededOutcome, writesSomething, writtenByNewerRun, type FreshState } from './overlap';
import { storedDifferences } from './readback';
import { encodeRecord, listHash } from './record';
import type {
	FieldSpec,
	ListSpec,
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
	private readonly fields = new Map<string, FieldSpec>();
	private readonly lists = new Map<string, ListSpec>();
	/** Why a field or list could not be created (entries needing it fail with this). */
	private readonly refErrors = new Map<string, unknown>();
	private readonly additions = new Map<string, { ids: string[]; outcomes: SyncOutcome[] }>();
	/** Lists a contact could not be taken out of: contact id → list key → the error. */
	private readonly failedRemovals = new Map<string, Map<string, unknown>>();
	/** Memberships found on the re-read before an update that the run takes away after its writes: list id → contact ids. */
	private readonly lateRemovals = new Map<string, string[]>();
	private readonly listsCreated: string[] = [];
	private readonly fieldsCreated: string[] = [];
	private readonly retryPolicy: RetryPolicy;
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
		this.retryPolicy = { ...CREATE_RETRY_POLICY, ...deps.retryPolicy };
		this.directory = deps.directory;
		this.deadline = deps.deadline ?? Number.POSITIVE_INFINITY;
		this.now = deps.now ?? Date.now;
		if (plan.snapshotAt !== undefined) this.fresh = new FreshReads(client, plan.snapshotAt, () => this.fields.get(plan.recordField)?.id);
	}

	/**
	 * The contact as it is now, unless a run with a newer directory read wrote it (checked first on
	 * what the plan read, without a request) or it is gone. Without a snapshot time: no check.
	 */
	private async freshState(contactId: string, storedFields?: Record<string, string>): Promise<FreshState | undefined> {
		if (this.fresh === undefined) return undefined;
		const planned = storedFields === undefined ? undefined : this.fresh.recordIn(storedFields);
		if (planned !== undefined && writtenByNewerRun(planned, this.fresh.snapshotAt)) return { kind: 'superseded', record: planned };
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
		await this.createFields();
		await this.createLists();
		await this.removeMemberships();
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
				outcomes[index] = { ...entry.outcome, action: conflict ? 'conflict' : 'failed', error: outcomeError(error) };
			}
		});
		await this.addMemberships();
		await this.removeLateMemberships();
		return { outcomes, listsCreated: this.listsCreated, fieldsCreated: this.fieldsCreated, timedOut: this.timedOut };
	}

	private async createFields(): Promise<void> {
		for (const [tag, spec] of Object.entries(this.plan.fields)) {
			if (spec.id !== undefined) {
				this.fields.set(tag, spec);
				continue;
			}
			try {
				const { label, mergeTag, maxLength, type } = spec;
				const created = await this.createOrFind(
					() => this.client.createCustomField({ label, mergeTag, maxLength, type }),
					async () => (await this.client.listCustomFields({ mergeTag })).find((f) => f.mergeTag.toLowerCase() === mergeTag),
				);
				this.fields.set(tag, { ...spec, id: created.id });
				this.fieldsCreated.push(label);
			} catch (error) {
				this.refErrors.set(`field:${tag}`, error);
			}
		}
	}

	private async createLists(): Promise<void> {
		for (const [key, spec] of Object.entries(this.plan.lists)) {
			if (spec.id !== undefined) {
				this.lists.set(key, spec);
				continue;
			}
			try {
				const created = await this.createOrFind(
					() => this.client.createList({ name: spec.name }),
					async () => (await this.client.listLists({ name: spec.name })).find((l) => listKey(l.name) === key),
				);
				this.lists.set(key, { id: created.id, name: created.name });
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
		return this.fields.get(tag)?.id as string;
	}

	private listId(key: string): string {
		const error = this.refErrors.get(`list:${key}`);
		if (error !== undefined) throw error;
		return this.lists.get(key)?.id as string;
	}

	private listName(key: string): string {
		return this.lists.get(key)?.name ?? this.plan.lists[key]?.name ?? key;
	}

	/** One bulk request per list for every membership the plan takes away. */
	private async removeMemberships(): Promise<void> {
		const byList = new Map<string, string[]>();
		const removing = this.plan.entries.filter((entry): entry is PlannedUpdate => entry.kind === 'update' && entry.listsRemove.length > 0);
		const current = new Set<string>();
		await forEachLimited(removing, this.options.concurrency, async (entry) => {
			try {
				const state = await this.freshState(entry.contactId, entry.storedFields);
				if (state === undefined || state.kind === 'current') current.add(entry.contactId);
			} catch {
				// The update reads it again and reports the failure.
			}
		});
		for (const entry of removing) {
			if (!current.has(entry.contactId)) continue;
			for (const key of entry.listsRemove) {
				const ids = byList.get(key);
				if (ids) ids.push(entry.contactId);
				else byList.set(key, [entry.contactId]);
			}
		}
		for (const [key, contactIds] of byList) {
			try {
				await this.client.modifyListMembers(this.listId(key), { remove: contactIds });
			} catch (error) {
				for (const id of contactIds) {
					const failed = this.failedRemovals.get(id) ?? new Map<string, unknown>();
					failed.set(key, error);
					this.failedRemovals.set(id, failed);
				}
			}
		}
	}

	/**
	 * Memberships another run added after this run planned (found on the re-read before the update):
	 * one bulk request per list. The record keeps claiming them, so a failure here is the next run's.
	 */
	private async removeLateMemberships(): Promise<void> {
		for (const [listId, contactIds] of this.lateRemovals) {
			try {
				await this.client.modifyListMembers(listId, { remove: contactIds });
			} catch {
				// Still claimed: the next run takes them away.
			}
		}
	}

	private async addMemberships(): Promise<void> {
		for (const [listId, change] of this.additions) {
			if (this.pastDeadline()) {
				// The records already claim these memberships: the next run adds them.
				for (const outcome of change.outcomes) outcome.reason = `${outcome.reason ? `${outcome.reason}; ` : ''}list additions left to the next run (run time limit)`;
				continue;
			}
			try {
				await this.client.modifyListMembers(listId, { add: change.ids });
			} catch (error) {
				const name = [...this.lists.values()].find((l) => l.id === listId)?.name ?? listId;
				for (const outcome of change.outcomes) {
					outcome.action = 'failed';
					outcome.error = { ...outcomeError(error), message: `List "${name}": ${outcomeError(error).message}` };
				}
			}
		}
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
				if (state?.kind === 'gone') return { ...entry.outcome, reason: `${entry.outcome.reason}; the contact was already gone` };
				try {
					await this.client.deleteContact(entry.contactId);
				} catch (error) {
					if (statusOf(error) !== 404) throw error;
					return { ...entry.outcome, reason: `${entry.outcome.reason}; the contact was already gone` };
				}
				return entry.outcome;
			}
			case 'update': {
				const outcome = { ...entry.outcome };
				if (!writesSomething(entry)) return outcome;
				const state = await this.freshState(entry.contactId, entry.storedFields);
				if (state?.kind === 'superseded') return supersededOutcome(entry.outcome, state.record);
				if (state?.kind === 'gone') {
					return { ...withoutChanges(entry.outcome), action: 'skipped', reason: `Not applied (would be ${entry.outcome.action}): the contact was deleted since this run read it; the next run plans it again` };
				}
				// Fields a person (or another run) changed since the plan read the contact are kept.
				if (state?.kind === 'current') {
					const fresh = freshUpdate(entry, state.contact, this.fresh as FreshReads, this.plan);
					for (const listId of fresh.lateRemovals) this.lateRemovals.set(listId, [...(this.lateRemovals.get(listId) ?? []), entry.contactId]);
					entry = fresh.entry;
				}
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

	/**
	 * PATCHes the contact: changed attributes, the complete channel set when it changes, and — when any
	 * custom field changes — every value the contact holds with the changes, so the outcome is the same
	 * whether the service replaces or merges arrays. The contact it returns is compared with what was
	 * meant: a difference is reported in the outcome's `diverged`, never taken as written.
	 */
	private async update(
		change: Pick<PlannedUpdate, 'contactId' | 'attributes' | 'channels' | 'fields' | 'listsAdd' | 'storedFields' | 'record' | 'optOut'>,
		outcome: SyncOutcome,
	): Promise<SyncOutcome> {
		const failed = this.failedRemovals.get(change.contactId);
		const fields = Object.assign(Object.create(null) as Record<string, string>, change.fields);
		const recordSpec = this.fields.get(this.plan.recordField) ?? this.plan.fields[this.plan.recordField];
		if (failed !== undefined && change.record !== undefined && recordSpec !== undefined) {
			// Lists the contact is still in stay claimed.
			const text = encodeRecord({ ...change.record, lists: [...change.record.lists, ...[...failed.keys()].map(listHash)] });
			if (recordSpec.id !== undefined && change.storedFields[recordSpec.id] === text) delete fields[this.plan.recordField];
			else fields[this.plan.recordField] = text;
		}
		if (this.fresh !== undefined && recordSpec !== undefined && (Object.keys(change.attributes).length > 0 || change.channels !== undefined || Object.keys(fields).length > 0)) {
			// Every write says which directory read it comes from (overlap.ts).
			const stored = recordSpec.id === undefined ? undefined : change.storedFields[recordSpec.id];
			fields[this.plan.recordField] = stampRecord(fields[this.plan.recordField] ?? stored, this.fresh.snapshotAt);
		}
		const addIds = change.listsAdd.map((key) => this.listId(key));
		const body: UpdateContactRequest = { ...change.attributes };
		if (change.channels !== undefined) body.channels = change.channels;
		if (Object.keys(fields).length > 0) {
			const values = Object.assign(Object.create(null) as Record<string, string>, change.storedFields);
			for (const [tag, value] of Object.entries(fields)) values[this.fieldId(tag)] = value;
			body.customFields = Object.entries(values).map(([id, value]) => ({ id, value }));
		}
		// The opt-out outlives the channel: on the account's list before the channel leaves the contact.
		if (change.optOut?.length) await this.client.addOptedOutNumbers(change.optOut);
		if (Object.keys(body).length > 0) {
			const stored = await this.client.updateContact(change.contactId, body);
			const differences = storedDifferences(body, stored);
			if (differences.length > 0) {
				outcome.diverged = `MessageMedia stored something other than what was sent: ${differences.join('; ')}`;
			}
		}
		addIds.forEach((id) => this.queueAddition(id, change.contactId, outcome));
		if (failed !== undefined) {
			const [key, error] = [...failed.entries()][0];
			outcome.action = 'failed';
			outcome.error = { ...outcomeError(error), message: `List "${this.listName(key)}": ${outcomeError(error).message}` };
		}
		return outcome;
	}

	private queueAddition(listId: string, contactId: string, outcome: SyncOutcome): void {
		let change = this.additions.get(listId);
		if (change === undefined) this.additions.set(listId, (change = { ids: [], outcomes: [] }));
		change.ids.push(contactId);
		if (!change.outcomes.includes(outcome)) change.outcomes.push(outcome);
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
		const fields = { ...desired.fields };
		if (this.fresh !== undefined && fields[this.plan.recordField] !== undefined) fields[this.plan.recordField] = stampRecord(fields[this.plan.recordField], this.fresh.snapshotAt);
		const customFields = Object.entries(fields).map(([tag, value]) => ({ id: this.fieldId(tag), value }));
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
		const state = this.fresh?.judge(found);
		if (state?.kind === 'superseded') return supersededOutcome({ ...entry.outcome, contactId: found.id }, state.record);
		const owner = linkedSourceId(found, this.fields.get(this.plan.linkField)?.id);
		const base: SyncOutcome = { ...entry.outcome, contactId: found.id, phone: smsChannels(found)[0]?.channelId ?? entry.desired.phone };
		if (owner !== undefined && owner !== entry.outcome.sourceId.toLowerCase()) {
			return conflict(base, `The number belongs to a contact linked to another user (${owner})`);
		}
		if (owner === undefined && !this.options.adoptExisting) {
			return conflict(base, 'An unlinked contact already has this number; turn on "Adopt Existing Contacts" to link it');
		}
		// Bring the found contact to the desired state (nothing to do when our earlier create landed whole).
		const desired = { ...entry.desired, fields: { ...entry.desired.fields } };
		delete desired.fields[this.plan.recordField];
		const diff = diffContact(found, desired, this.diffContext(), (tag) => this.fields.get(tag)?.label ?? tag);
		if (diff.stuck !== undefined) return conflict(base, diff.stuck);
		// Memberships are only added here: a contact found on create holds none the sync made and may not keep.
		diff.record.lists.push(...diff.listsRemove.map(listHash));
		const outcome: SyncOutcome =
			owner !== undefined
				? base
				: {
						...withoutChanges(base),
						action: 'adopted',
						changes: diff.changes,
						lists: { added: diff.listsAdd.map((key) => this.listName(key)), removed: [] },
					};
		if (!diffIsEmpty({ ...diff, listsRemove: [] })) {
			await this.update({ contactId: found.id, ...diff, storedFields: storedFieldValues(found) }, outcome);
		}
		return outcome;
	}

	private diffContext(): DiffContext {
		return {
			fields: this.fields,
			handed: new Set(this.plan.managedLists),
			record: this.fields.get(this.plan.recordField),
			optedOut: new Set(this.plan.optedOut),
			newSubscription: this.plan.newSubscription,
			...(this.plan.scope === undefined ? {} : { scope: this.plan.scope }),
		};
	}
}

function conflict(base: SyncOutcome, reason: string): SyncOutcome {
	return { ...withoutChanges(base), action: 'conflict', reason };
}
