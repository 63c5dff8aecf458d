/**
 * Contact writes: the PATCH of an update (stamped, read back) and the create, retried only as
 * look-up-then-create (a contact found under the number is ours, adopted, or a conflict).
 */

import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from '../common/retry';
import type {
	Contact,
	CreateContactRequest,
	MessageMediaClient,
	UpdateContactRequest,
} from '../messagemedia/types';
import { linkedSourceId, smsChannels, storedFieldValues } from './contact';
import { diffContact, diffIsEmpty, type DiffContext } from './diff';
import { withoutChanges } from './entries';
import { isRetryableFailure, outcomeError, retryAfterOf, statusOf } from './failures';
import type { Memberships } from './memberships';
import { stampRecord, supersededOutcome, type FreshReads } from './overlap';
import { storedDifferences } from './readback';
import { encodeRecord, listHash } from './record';
import type { References } from './references';
import type { PlannedCreate, PlannedUpdate, SyncOptions, SyncOutcome, SyncPlan } from './types';

/**
 * Retries of a create (each after looking the number up): the same budget as the transport gives every
 * other request, so a create survives the same throttling bursts as the reads and updates around it.
 */
export const CREATE_RETRY_POLICY: RetryPolicy = DEFAULT_RETRY_POLICY;

/** What an update writes to one contact. */
type ContactChange = Pick<
	PlannedUpdate,
	| 'contactId'
	| 'attributes'
	| 'channels'
	| 'fields'
	| 'listsAdd'
	| 'storedFields'
	| 'record'
	| 'optOut'
>;

export class ContactWriter {
	private readonly retryPolicy: RetryPolicy;

	constructor(
		private readonly client: MessageMediaClient,
		private readonly plan: SyncPlan,
		private readonly options: Pick<SyncOptions, 'adoptExisting'>,
		private readonly refs: References,
		private readonly memberships: Memberships,
		/** Overlapping runs: undefined when the plan has no snapshot time. */
		private readonly fresh: FreshReads | undefined,
		retryPolicy: Partial<RetryPolicy> | undefined,
	) {
		this.retryPolicy = { ...CREATE_RETRY_POLICY, ...retryPolicy };
	}

	/**
	 * PATCHes the contact: changed attributes, the complete channel set when it changes, and — when any
	 * custom field changes — every value the contact holds with the changes, so the outcome is the same
	 * whether the service replaces or merges arrays. The contact it returns is compared with what was
	 * meant: a difference is reported in the outcome's `diverged`, never taken as written.
	 */
	async update(change: ContactChange, outcome: SyncOutcome): Promise<SyncOutcome> {
		const failed = this.memberships.failedFor(change.contactId);
		const fields = Object.assign(Object.create(null) as Record<string, string>, change.fields);
		const recordSpec =
			this.refs.fields.get(this.plan.recordField) ?? this.plan.fields[this.plan.recordField];
		if (failed !== undefined && change.record !== undefined && recordSpec !== undefined) {
			// Lists the contact is still in stay claimed.
			const text = encodeRecord({
				...change.record,
				lists: [...change.record.lists, ...[...failed.keys()].map(listHash)],
			});
			if (recordSpec.id !== undefined && change.storedFields[recordSpec.id] === text)
				delete fields[this.plan.recordField];
			else fields[this.plan.recordField] = text;
		}
		if (
			this.fresh !== undefined &&
			recordSpec !== undefined &&
			(Object.keys(change.attributes).length > 0 ||
				change.channels !== undefined ||
				Object.keys(fields).length > 0)
		) {
			// Every write says which directory read it comes from (overlap.ts).
			const stored = recordSpec.id === undefined ? undefined : change.storedFields[recordSpec.id];
			fields[this.plan.recordField] = stampRecord(
				fields[this.plan.recordField] ?? stored,
				this.fresh.snapshotAt,
			);
		}
		const addIds = change.listsAdd.map((key) => this.refs.listId(key));
		const body: UpdateContactRequest = { ...change.attributes };
		if (change.channels !== undefined) body.channels = change.channels;
		if (Object.keys(fields).length > 0) {
			const values = Object.assign(
				Object.create(null) as Record<string, string>,
				change.storedFields,
			);
			for (const [tag, value] of Object.entries(fields)) values[this.refs.fieldId(tag)] = value;
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
		addIds.forEach((id) => this.memberships.queueAddition(id, change.contactId, outcome));
		if (failed !== undefined) {
			const [key, error] = [...failed.entries()][0];
			outcome.action = 'failed';
			outcome.error = {
				...outcomeError(error),
				message: `List "${this.refs.listName(key)}": ${outcomeError(error).message}`,
			};
		}
		return outcome;
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
		if (desired.lists?.length)
			body.lists = desired.lists.map((key) => ({ id: this.refs.listId(key) }));
		const fields = { ...desired.fields };
		if (this.fresh !== undefined && fields[this.plan.recordField] !== undefined)
			fields[this.plan.recordField] = stampRecord(
				fields[this.plan.recordField],
				this.fresh.snapshotAt,
			);
		const customFields = Object.entries(fields).map(([tag, value]) => ({
			id: this.refs.fieldId(tag),
			value,
		}));
		if (customFields.length > 0) body.customFields = customFields;
		return body;
	}

	/**
	 * Creates a contact. A create that fails in a way worth retrying (network, timeout, 429, 5xx) may
	 * have landed, so every further attempt first looks the number up; a 409 looks it up too. A contact
	 * found linked to this user is the one created; an unlinked one is adopted (when allowed); anything
	 * else is a conflict and is not touched.
	 */
	async create(entry: PlannedCreate): Promise<SyncOutcome> {
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
		if (state?.kind === 'superseded')
			return supersededOutcome({ ...entry.outcome, contactId: found.id }, state.record);
		const owner = linkedSourceId(found, this.refs.fields.get(this.plan.linkField)?.id);
		const base: SyncOutcome = {
			...entry.outcome,
			contactId: found.id,
			phone: smsChannels(found)[0]?.channelId ?? entry.desired.phone,
		};
		if (owner !== undefined && owner !== entry.outcome.sourceId.toLowerCase()) {
			return conflict(base, `The number belongs to a contact linked to another user (${owner})`);
		}
		if (owner === undefined && !this.options.adoptExisting) {
			return conflict(
				base,
				'An unlinked contact already has this number; turn on "Adopt Existing Contacts" to link it',
			);
		}
		// Bring the found contact to the desired state (nothing to do when our earlier create landed whole).
		const desired = { ...entry.desired, fields: { ...entry.desired.fields } };
		delete desired.fields[this.plan.recordField];
		const diff = diffContact(
			found,
			desired,
			this.diffContext(),
			(tag) => this.refs.fields.get(tag)?.label ?? tag,
		);
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
						lists: { added: diff.listsAdd.map((key) => this.refs.listName(key)), removed: [] },
					};
		if (!diffIsEmpty({ ...diff, listsRemove: [] })) {
			await this.update(
				{ contactId: found.id, ...diff, storedFields: storedFieldValues(found) },
				outcome,
			);
		}
		return outcome;
	}

	private diffContext(): DiffContext {
		return {
			fields: this.refs.fields,
			handed: new Set(this.plan.managedLists),
			record: this.refs.fields.get(this.plan.recordField),
			optedOut: new Set(this.plan.optedOut),
			newSubscription: this.plan.newSubscription,
			...(this.plan.scope === undefined ? {} : { scope: this.plan.scope }),
		};
	}
}

function conflict(base: SyncOutcome, reason: string): SyncOutcome {
	return { ...withoutChanges(base), action: 'conflict', reason };
}
