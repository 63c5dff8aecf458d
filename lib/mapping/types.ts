import type { SyncDirection, SyncItem } from '../types';

/**
 * The Contact Mapper's configuration: what the JSON configuration (the product page's `sync` object)
 * and the node's form both turn into.
 * Pure data, validated by `compileMapper` (lib/mapping/mapper.ts).
 */

/** Contact fields a mapping rule can fill. `fullName` is split into firstName/lastName. */
export const CONTACT_FIELDS = [
	'firstName',
	'lastName',
	'fullName',
	'phone',
	'email',
	'lists',
	'alias',
	'note',
	'country',
	'state',
	'location',
	'dateOfBirth',
	'customField',
] as const;
export type MappedField = (typeof CONTACT_FIELDS)[number];

export interface MappingRule {
	/** Directory attribute path (`mobilePhone`, `businessPhones[0]`, `onPremisesExtensionAttributes.extensionAttribute1`). */
	source: string;
	field: MappedField;
	/** Custom field label or merge tag; required when `field` is `customField`. */
	customFieldKey?: string;
	/**
	 * `attribute` (default): `source` is a path read from each user. `value`: the value is computed per
	 * item by the host (an n8n expression) and handed to the mapper with the user.
	 */
	kind?: 'attribute' | 'value';
	/** Where the rule came from, for error messages (`sync.mapping.displayName`, `mapping row 2`). */
	key?: string;
}

export const FILTER_OPERATORS = [
	'equals',
	'notEquals',
	'in',
	'notIn',
	'contains',
	'startsWith',
	'endsWith',
	'regex',
	'isEmpty',
	'isNotEmpty',
	'isTrue',
	'isFalse',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export interface FilterRule {
	attribute: string;
	operator: FilterOperator;
	/** Scalar for equals/contains/…, array (or comma-separated string) for in/notIn, pattern for regex. */
	value?: unknown;
	/** Where the row came from, for error messages (`sync.filters.department`, `scope filter 2`). */
	key?: string;
}

export type FilterCombination = 'and' | 'or';

/** Direction of the sync (defined with the sync item in lib/types.ts). */
export type { SyncDirection } from '../types';

/** What the `sync` object (JSON mode) says, normalised. */
export interface SeedConfiguration {
	direction: SyncDirection;
	source: 'entra-id';
	target: 'messagemedia';
	/** Cron expression, informational (n8n's Schedule Trigger runs the workflow). */
	schedule?: string;
	mapping: MappingRule[];
	filters: FilterRule[];
	combineFilters: FilterCombination;
	/** List names every mapped contact joins. */
	fixedLists: string[];
}

export type OutOfScopeHandling = 'remove' | 'drop';
export type TruncationHandling = 'truncate' | 'reject';

export interface MappingConfig {
	mapping: MappingRule[];
	filters?: FilterRule[];
	combineFilters?: FilterCombination;
	fixedLists?: string[];
	/** ISO 3166-1 alpha-2 country for numbers written without a country code. */
	defaultCountry?: string;
	/** User attribute holding the user's country (alpha-2 such as `usageLocation`, or an English name). */
	countryAttribute?: string;
	/** Reject numbers that are not mobile (FIXED_LINE_OR_MOBILE counts as mobile). */
	mobileOnly?: boolean;
	/**
	 * Keep fixed-line numbers (default false: SMS cannot reach a fixed line, so one is rejected with
	 * `phoneNotMobile`). Numbers that may be mobile (FIXED_LINE_OR_MOBILE, e.g. the US) are always kept.
	 */
	allowFixedLine?: boolean;
	/** Phone attributes tried after the mapped `phone` rules, in order. */
	phoneSources?: string[];
	/** Out-of-scope and disabled users: emit `remove` items (default) or drop them. */
	outOfScopeHandling?: OutOfScopeHandling;
	/** Values longer than MessageMedia's limits: truncate and report (default) or reject the user. */
	truncation?: TruncationHandling;
	/**
	 * The JSON configuration's direction. `reverse` and `bidirectional` stamp every item with it and
	 * with the provenance of the fields the sync can write back; `one-way` (or unset) stamps nothing.
	 */
	direction?: SyncDirection;
	/**
	 * Copy the user object into each contact item's `source` (default false). Two-way items always
	 * carry it; Rejected items always do.
	 */
	includeSource?: boolean;
	/**
	 * Give each upsert a `fingerprint` (SHA-256 of the mapped values, for workflows that compare runs).
	 * Off by default: the sync does not need it, and at 100k users it is memory n8n holds and saves.
	 */
	includeFingerprint?: boolean;
}

export const DEFAULT_PHONE_SOURCES = ['mobilePhone', 'businessPhones[0]'];

/** A Contacts-output item: the sync item plus the fields whose values were cut to fit. */
export interface MappedItem extends SyncItem {
	truncated?: string[];
}
