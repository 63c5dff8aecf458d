/**
 * Attribute filters for directory users: one row = attribute, operator, value; rows are AND-ed.
 * `buildUserFilter` turns rows into a Graph `$filter` (and says whether it needs an advanced query);
 * `matchesFilters` evaluates the same rows locally (the delta endpoint cannot filter by attribute).
 */
import { ConfigurationError } from '../common/errors';

export type FilterOperator =
	| 'equals'
	| 'notEquals'
	| 'in'
	| 'startsWith'
	| 'endsWith'
	| 'isEmpty'
	| 'isNotEmpty';

export const FILTER_OPERATORS: FilterOperator[] = [
	'equals',
	'notEquals',
	'in',
	'startsWith',
	'endsWith',
	'isEmpty',
	'isNotEmpty',
];

export interface AttributeFilter {
	attribute: string;
	operator: FilterOperator;
	/** Ignored by isEmpty/isNotEmpty; for `in`, a comma-separated list. */
	value?: string;
}

export interface BuiltFilter {
	filter: string;
	/** True when Graph only accepts the filter with `ConsistencyLevel: eventual` + `$count=true`. */
	advancedQuery: boolean;
}

const BOOLEAN_ATTRIBUTES = new Set([
	'accountEnabled',
	'onPremisesSyncEnabled',
	'showInAddressList',
	'isResourceAccount',
]);
const DATE_ATTRIBUTES = new Set([
	'createdDateTime',
	'deletedDateTime',
	'employeeHireDate',
	'employeeLeaveDateTime',
	'onPremisesLastSyncDateTime',
]);
const COLLECTION_ATTRIBUTES = new Set([
	'businessPhones',
	'otherMails',
	'proxyAddresses',
	'imAddresses',
]);
/**
 * Properties whose every `$filter` operator needs advanced query parameters
 * (Graph docs, "Support for filter by properties of Microsoft Entra ID objects").
 */
const ADVANCED_ONLY_ATTRIBUTES = new Set([
	'companyName',
	'employeeHireDate',
	'employeeType',
	'mobilePhone',
	'officeLocation',
	'onPremisesImmutableId',
	'onPremisesLastSyncDateTime',
	'onPremisesSamAccountName',
	'passwordPolicies',
	'postalCode',
	'preferredLanguage',
	'showInAddressList',
	'streetAddress',
]);

const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]*(\/[A-Za-z][A-Za-z0-9_]*)?$/;

/** OData string literal: single quotes doubled (`O'Brien` → `'O''Brien'`). */
export function odataString(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}

function literal(attribute: string, value: string): string {
	const trimmed = value.trim();
	if (BOOLEAN_ATTRIBUTES.has(attribute)) {
		const lower = trimmed.toLowerCase();
		if (lower !== 'true' && lower !== 'false') {
			throw new ConfigurationError(
				`Filter on "${attribute}" needs the value true or false, got "${value}".`,
				'filters',
			);
		}
		return lower;
	}
	if (DATE_ATTRIBUTES.has(attribute)) {
		if (Number.isNaN(Date.parse(trimmed))) {
			throw new ConfigurationError(
				`Filter on "${attribute}" needs an ISO 8601 date, got "${value}".`,
				'filters',
			);
		}
		return new Date(trimmed).toISOString();
	}
	return odataString(value);
}

function splitList(value: string | undefined): string[] {
	return (value ?? '')
		.split(',')
		.map((v) => v.trim())
		.filter(Boolean);
}

function buildCondition(row: AttributeFilter): { expression: string; advanced: boolean } {
	const attribute = row.attribute.trim();
	if (!ATTRIBUTE_NAME.test(attribute)) {
		throw new ConfigurationError(
			`"${row.attribute}" is not a valid attribute name for a filter.`,
			'filters',
		);
	}
	const advancedOnly =
		ADVANCED_ONLY_ATTRIBUTES.has(attribute) ||
		attribute.startsWith('onPremisesExtensionAttributes/');
	const value = (row.value ?? '').trim();
	const needsValue = row.operator !== 'isEmpty' && row.operator !== 'isNotEmpty';
	if (needsValue && value.trim() === '') {
		throw new ConfigurationError(
			`Filter on "${attribute}" with "${row.operator}" needs a value.`,
			'filters',
		);
	}

	if (COLLECTION_ATTRIBUTES.has(attribute)) {
		const any = (inner: string) => `${attribute}/any(p:${inner})`;
		switch (row.operator) {
			case 'equals':
				return { expression: any(`p eq ${odataString(value)}`), advanced: false };
			case 'notEquals':
				return { expression: `not(${any(`p eq ${odataString(value)}`)})`, advanced: true };
			case 'in':
				return {
					expression: any(`p in (${splitList(value).map(odataString).join(',')})`),
					advanced: false,
				};
			case 'startsWith':
				return { expression: any(`startswith(p,${odataString(value)})`), advanced: false };
			case 'endsWith':
				return { expression: any(`endswith(p,${odataString(value)})`), advanced: true };
			case 'isEmpty':
				return { expression: `${attribute}/$count eq 0`, advanced: true };
			case 'isNotEmpty':
				return { expression: `${attribute}/$count ne 0`, advanced: true };
		}
	}

	switch (row.operator) {
		case 'equals':
			return { expression: `${attribute} eq ${literal(attribute, value)}`, advanced: advancedOnly };
		case 'notEquals':
			return { expression: `${attribute} ne ${literal(attribute, value)}`, advanced: true };
		case 'in': {
			const values = splitList(value);
			return {
				expression: `${attribute} in (${values.map((v) => literal(attribute, v)).join(',')})`,
				advanced: advancedOnly,
			};
		}
		case 'startsWith':
			return {
				expression: `startswith(${attribute},${odataString(value)})`,
				advanced: advancedOnly,
			};
		case 'endsWith':
			return { expression: `endswith(${attribute},${odataString(value)})`, advanced: true };
		// Filtering on null is an advanced query for every nullable user property.
		case 'isEmpty':
			return { expression: `${attribute} eq null`, advanced: true };
		case 'isNotEmpty':
			return { expression: `${attribute} ne null`, advanced: true };
		default:
			throw new ConfigurationError(`Unknown filter operator "${String(row.operator)}".`, 'filters');
	}
}

/**
 * Rows AND-ed, then the raw `$filter` (if any). A raw filter is always sent as an advanced query:
 * we cannot know which properties it touches, and advanced query parameters accept every filter
 * the default mode accepts.
 */
export function buildUserFilter(
	rows: AttributeFilter[] = [],
	rawFilter?: string,
): BuiltFilter | undefined {
	const parts: string[] = [];
	let advancedQuery = false;
	for (const row of rows) {
		const condition = buildCondition(row);
		parts.push(condition.expression);
		advancedQuery ||= condition.advanced;
	}
	const raw = rawFilter?.trim();
	if (raw) {
		parts.push(parts.length ? `(${raw})` : raw);
		advancedQuery = true;
	}
	if (!parts.length) return undefined;
	return { filter: parts.join(' and '), advancedQuery };
}

function isEmptyValue(value: unknown): boolean {
	return (
		value === null ||
		value === undefined ||
		value === '' ||
		(Array.isArray(value) && value.length === 0)
	);
}

function readAttribute(user: Record<string, unknown>, attribute: string): unknown {
	// Own properties only: an attribute named `constructor` or `__proto__` is missing, not inherited.
	return attribute
		.split('/')
		.reduce<unknown>(
			(obj, key) =>
				obj !== null && typeof obj === 'object' && Object.prototype.hasOwnProperty.call(obj, key)
					? (obj as Record<string, unknown>)[key]
					: undefined,
			user,
		);
}

/**
 * Evaluates filter rows against one user the way Graph does: string comparisons ignore case, a
 * collection matches when any element does. Missing attributes count as empty.
 */
export function matchesFilters(
	user: Record<string, unknown>,
	rows: AttributeFilter[] = [],
): boolean {
	return rows.every((row) => {
		const raw = readAttribute(user, row.attribute.trim());
		if (row.operator === 'isEmpty') return isEmptyValue(raw);
		if (row.operator === 'isNotEmpty') return !isEmptyValue(raw);
		const values = (Array.isArray(raw) ? raw : [raw])
			.filter((v) => !isEmptyValue(v))
			.map((v) => String(v).toLowerCase());
		const wanted = (row.value ?? '').trim().toLowerCase();
		switch (row.operator) {
			case 'equals':
				return values.includes(wanted);
			case 'notEquals':
				return !values.includes(wanted);
			case 'in': {
				const list = splitList(row.value).map((v) => v.toLowerCase());
				return values.some((v) => list.includes(v));
			}
			case 'startsWith':
				return values.some((v) => v.startsWith(wanted));
			case 'endsWith':
				return values.some((v) => v.endsWith(wanted));
			default:
				throw new ConfigurationError(
					`Unknown filter operator "${String(row.operator)}".`,
					'filters',
				);
		}
	});
}

/** Attributes a set of filter rows reads (so a client-side evaluation can `$select` them). */
export function filterAttributes(rows: AttributeFilter[] = []): string[] {
	return [...new Set(rows.map((row) => row.attribute.trim().split('/')[0]))];
}
