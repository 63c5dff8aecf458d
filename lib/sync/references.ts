/**
 * The custom fields and lists a plan needs, created when missing before any contact write; the ids
 * (or the creation error) that the contact writes and membership requests then look up.
 */

import type { MessageMediaClient } from '../messagemedia/types';
import { listKey } from './contact';
import { isRetryableFailure, statusOf } from './failures';
import type { FieldSpec, ListSpec, SyncPlan } from './types';

export class References {
	/** Custom fields by merge tag, with their ids once created. */
	readonly fields = new Map<string, FieldSpec>();
	/** Lists by key, with their ids once created. */
	readonly lists = new Map<string, ListSpec>();
	readonly fieldsCreated: string[] = [];
	readonly listsCreated: string[] = [];
	/** Why a field or list could not be created (entries needing it fail with this). */
	private readonly errors = new Map<string, unknown>();

	constructor(
		private readonly client: MessageMediaClient,
		private readonly plan: Pick<SyncPlan, 'fields' | 'lists'>,
	) {}

	async create(): Promise<void> {
		await this.createFields();
		await this.createLists();
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
					async () =>
						(await this.client.listCustomFields({ mergeTag })).find(
							(f) => f.mergeTag.toLowerCase() === mergeTag,
						),
				);
				this.fields.set(tag, { ...spec, id: created.id });
				this.fieldsCreated.push(label);
			} catch (error) {
				this.errors.set(`field:${tag}`, error);
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
					async () =>
						(await this.client.listLists({ name: spec.name })).find((l) => listKey(l.name) === key),
				);
				this.lists.set(key, { id: created.id, name: created.name });
				this.listsCreated.push(spec.name);
			} catch (error) {
				this.errors.set(`list:${key}`, error);
			}
		}
	}

	/** Creates a field or list; a 409 (made meanwhile, or by an attempt whose answer was lost) finds it instead. */
	private async createOrFind<T>(
		create: () => Promise<T>,
		find: () => Promise<T | undefined>,
	): Promise<T> {
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

	fieldId(tag: string): string {
		const error = this.errors.get(`field:${tag}`);
		if (error !== undefined) throw error;
		return this.fields.get(tag)?.id as string;
	}

	listId(key: string): string {
		const error = this.errors.get(`list:${key}`);
		if (error !== undefined) throw error;
		return this.lists.get(key)?.id as string;
	}

	listName(key: string): string {
		return this.lists.get(key)?.name ?? this.plan.lists[key]?.name ?? key;
	}

	/** The name of a list by its id (the id when the plan has no such list). */
	listNameById(listId: string): string {
		return [...this.lists.values()].find((l) => l.id === listId)?.name ?? listId;
	}
}
