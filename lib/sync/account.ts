/**
 * The account as the planner resolves it: custom fields by merge tag and lists by key, existing or
 * to be created, and an item's contact fields resolved against them (Maps: names are not trusted keys).
 */

import { CONTACT_ATTRIBUTES } from '../messagemedia/contact-request';
import type { ContactFields } from '../types';
import { byAge, findCustomField, listKey, mergeTagFor } from './contact';
import { emptyFields } from './diff';
import type { ActualState, FieldSpec, ListSpec, ResolvedContact, SyncOptions } from './types';

/** RFC 5321 path limit. */
export const EMAIL_FIELD_MAX_LENGTH = 254;
export const TEXT_FIELD_MAX_LENGTH = 255;

export class AccountIndex {
	readonly fieldSpecs = new Map<string, FieldSpec>();
	readonly listSpecs = new Map<string, ListSpec>();
	private readonly existingLists = new Map<string, { id: string; name: string }>();
	/** The sync's own fields (link, record, base): never mapped. */
	readonly own = new Set<FieldSpec>();

	constructor(
		private readonly state: ActualState,
		private readonly options: SyncOptions,
	) {
		// Lists a contact is in exist even when the list read missed them.
		const lists = [
			...[...state.lists].sort(byAge),
			...state.contacts.flatMap((contact) => contact.lists),
		];
		for (const list of lists) {
			if (!this.existingLists.has(listKey(list.name)))
				this.existingLists.set(listKey(list.name), list);
		}
	}

	readonly fieldLabel = (tag: string): string => this.fieldSpecs.get(tag)?.label ?? tag;

	/** A list's name for reports (creating its spec from the key when unknown). */
	readonly listName = (key: string): string => (this.listSpec(key, key) as ListSpec).name;

	/** Resolves custom-field keys and list names; a string is the reason the item can't be written. */
	resolve(contact: ContactFields): ResolvedContact | string {
		const resolved: ResolvedContact = { attributes: {}, fields: emptyFields() };
		for (const key of CONTACT_ATTRIBUTES)
			if (contact[key] !== undefined) resolved.attributes[key] = contact[key];
		if (contact.phone !== undefined) resolved.phone = contact.phone;
		if (contact.email !== undefined) {
			const email = this.fieldSpec(this.options.emailFieldLabel, {
				type: 'EMAIL',
				maxLength: EMAIL_FIELD_MAX_LENGTH,
			}) as FieldSpec;
			resolved.fields[email.mergeTag] = contact.email;
		}
		for (const [key, value] of Object.entries(contact.customFields ?? {})) {
			const spec = this.fieldSpec(
				key,
				this.options.createMissingFields
					? { type: 'TEXT', maxLength: TEXT_FIELD_MAX_LENGTH }
					: undefined,
			);
			if (spec === undefined) {
				return `Custom field "${key}" matches no label or merge tag; create it in MessageMedia or turn on "Create Missing Custom Fields"`;
			}
			if (this.own.has(spec)) {
				return `Custom field "${key}" is one of the sync's own fields (link, ownership record or base) and can't be mapped`;
			}
			resolved.fields[spec.mergeTag] = value;
		}
		if (contact.lists !== undefined) {
			resolved.lists = [];
			for (const name of contact.lists) {
				const spec = this.listSpec(listKey(name), name);
				if (spec === undefined)
					return `List "${name}" doesn't exist; create it in MessageMedia or turn on "Create Missing Lists"`;
				if (!resolved.lists.includes(listKey(name))) resolved.lists.push(listKey(name));
			}
		}
		return resolved;
	}

	existingFieldSpec(key: string): FieldSpec | undefined {
		const existing = findCustomField(this.state.customFields, key);
		if (existing === undefined) return undefined;
		return this.fieldSpec(key, undefined);
	}

	fieldSpec(
		key: string,
		create: Pick<FieldSpec, 'type' | 'maxLength'> | undefined,
	): FieldSpec | undefined {
		const existing = findCustomField(this.state.customFields, key);
		const spec: FieldSpec | undefined = existing
			? {
					id: existing.id,
					label: existing.label,
					mergeTag: existing.mergeTag,
					type: existing.type,
					maxLength: existing.maxLength,
				}
			: create && { label: key.trim(), mergeTag: mergeTagFor(key), ...create };
		if (spec === undefined) return undefined;
		const known = this.fieldSpecs.get(spec.mergeTag);
		if (known !== undefined) return known;
		this.fieldSpecs.set(spec.mergeTag, spec);
		return spec;
	}

	listSpec(key: string, name?: string): ListSpec | undefined {
		const known = this.listSpecs.get(key);
		if (known) return known;
		const existing = this.existingLists.get(key);
		if (existing) {
			const spec = { id: existing.id, name: existing.name };
			this.listSpecs.set(key, spec);
			return spec;
		}
		if (!this.options.createMissingLists || name === undefined) return undefined;
		const spec = { name: name.trim() };
		this.listSpecs.set(key, spec);
		return spec;
	}
}
