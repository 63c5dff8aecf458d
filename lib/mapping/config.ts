import { ConfigurationError } from '../common/errors';
import type {
	FilterCombination,
	FilterOperator,
	FilterRule,
	MappedField,
	MappingRule,
	SeedConfiguration,
	SyncDirection,
} from './types';
import { CONTACT_FIELDS, FILTER_OPERATORS } from './types';

/**
 * The product page's configuration (its `sync` object), accepted verbatim, with or
 * without the outer `{"sync": …}`:
 *
 * ```json
 * { "direction": "one-way", "source": "entra-id", "target": "messagemedia", "schedule": "0 6 * * *",
 *   "mapping": { "displayName": "contact_name", "mobilePhone": "phone_number", "mail": "email", "department": "group" },
 *   "filters": { "department": ["Sales", "Support"], "accountEnabled": true } }
 * ```
 *
 * Beyond the product page's form: `mapping` may also be an array of `{source, field, customFieldKey?}` rows and use
 * our own field names or `custom:<label>`; `filters` may be an array of `{attribute, operator, value}`
 * rows; `combineFilters` is `and` (default) or `or`; `lists` names lists every contact joins.
 * Every error names the offending key (`sync.mapping.mail`, `sync.filters[1].operator`, …).
 */

const KNOWN_KEYS = [
	'direction',
	'source',
	'target',
	'schedule',
	'mapping',
	'filters',
	'combineFilters',
	'lists',
];

/** The product page's contact field names, and snake_case spellings of ours. */
const FIELD_ALIASES: Record<string, MappedField> = {
	contact_name: 'fullName',
	phone_number: 'phone',
	group: 'lists',
	groups: 'lists',
	list: 'lists',
	first_name: 'firstName',
	last_name: 'lastName',
	full_name: 'fullName',
	date_of_birth: 'dateOfBirth',
};

const DIRECTIONS: Record<string, SyncDirection> = {
	'one-way': 'one-way',
	oneway: 'one-way',
	push: 'one-way',
	'two-way': 'bidirectional',
	bidirectional: 'bidirectional',
	both: 'bidirectional',
	reverse: 'reverse',
	'one-way-reverse': 'reverse',
	pull: 'reverse',
};

const SOURCES = new Set(['entra-id', 'entra', 'entraid', 'azure-ad', 'azuread', 'aad']);
const TARGETS = new Set(['messagemedia', 'message-media', 'sinch-engage']);

/** Cron: 5 or 6 fields of digits, names, `*`, `/`, `,`, `-`, `?`, `L`, `W`, `#`. Checked loosely. */
const CRON_FIELD = /^[\dA-Za-z*/,?#-]+$/;

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'object') return 'an object';
	return `${typeof value} ${JSON.stringify(value)}`;
}

/** `table[key]` for the table's own keys only: `constructor` or `__proto__` is not a choice. */
function ownValue<T>(table: Record<string, T>, key: string): T | undefined {
	return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves a contact field name: ours, the product page's aliases, or `custom:<label>`. */
export function resolveContactField(
	name: unknown,
	key: string,
): { field: MappedField; customFieldKey?: string } {
	if (typeof name !== 'string' || name.trim() === '') {
		throw new ConfigurationError(
			`${key}: the contact field must be a name such as "phone" (got ${describe(name)})`,
			key,
		);
	}
	const trimmed = name.trim();
	const custom = /^custom(?:Field)?:(.*)$/i.exec(trimmed);
	if (custom) {
		const label = custom[1].trim();
		if (label === '')
			throw new ConfigurationError(
				`${key}: "${trimmed}" needs a custom field label after "custom:"`,
				key,
			);
		return { field: 'customField', customFieldKey: label };
	}
	if ((CONTACT_FIELDS as readonly string[]).includes(trimmed))
		return { field: trimmed as MappedField };
	const alias = ownValue(FIELD_ALIASES, trimmed.toLowerCase());
	if (alias) return { field: alias };
	throw new ConfigurationError(
		`${key}: unknown contact field "${trimmed}" (use one of ${CONTACT_FIELDS.join(', ')}, ` +
			`contact_name, phone_number, email, group, or custom:<label>)`,
		key,
	);
}

function parseMapping(value: unknown, key: string): MappingRule[] {
	const rules: MappingRule[] = [];
	if (isPlainObject(value)) {
		for (const [attribute, target] of Object.entries(value)) {
			const ruleKey = `${key}.${attribute}`;
			const targets = Array.isArray(target) ? target : [target];
			for (const name of targets)
				rules.push({ source: attribute, ...resolveContactField(name, ruleKey), key: ruleKey });
		}
	} else if (Array.isArray(value)) {
		value.forEach((row, index) => {
			const rowKey = `${key}[${index}]`;
			if (!isPlainObject(row))
				throw new ConfigurationError(
					`${rowKey}: a mapping row must be an object {source, field}`,
					rowKey,
				);
			for (const rowField of Object.keys(row)) {
				if (!['source', 'field', 'customFieldKey'].includes(rowField)) {
					throw new ConfigurationError(
						`${rowKey}.${rowField}: unknown key in a mapping row (use source, field, customFieldKey)`,
						`${rowKey}.${rowField}`,
					);
				}
			}
			if (typeof row.source !== 'string' || row.source.trim() === '') {
				throw new ConfigurationError(
					`${rowKey}.source: must be a directory attribute name (got ${describe(row.source)})`,
					`${rowKey}.source`,
				);
			}
			const resolved = resolveContactField(row.field, `${rowKey}.field`);
			if (row.customFieldKey !== undefined) {
				if (typeof row.customFieldKey !== 'string') {
					throw new ConfigurationError(
						`${rowKey}.customFieldKey: must be text (got ${describe(row.customFieldKey)})`,
						`${rowKey}.customFieldKey`,
					);
				}
				resolved.customFieldKey = row.customFieldKey;
			}
			rules.push({ source: row.source, ...resolved, key: rowKey });
		});
	} else {
		throw new ConfigurationError(
			`${key}: must be an object of directory attribute → contact field (got ${describe(value)})`,
			key,
		);
	}
	if (rules.length === 0)
		throw new ConfigurationError(`${key}: map at least one directory attribute`, key);
	return rules;
}

/** The product page's filter shorthand: a list means "in", a boolean isTrue/isFalse, null isEmpty, else equals. */
function shorthandFilter(attribute: string, value: unknown, key: string): FilterRule {
	if (Array.isArray(value)) return { attribute, operator: 'in', value, key };
	if (typeof value === 'boolean') return { attribute, operator: value ? 'isTrue' : 'isFalse', key };
	if (value === null) return { attribute, operator: 'isEmpty', key };
	if (typeof value === 'string' || typeof value === 'number')
		return { attribute, operator: 'equals', value, key };
	throw new ConfigurationError(
		`${key}: a filter value must be text, a number, a boolean, null or a list of values (got ${describe(value)}); ` +
			'for other operators use rows: [{"attribute": …, "operator": …, "value": …}]',
		key,
	);
}

function parseFilters(value: unknown, key: string): FilterRule[] {
	if (isPlainObject(value)) {
		return Object.entries(value).map(([attribute, expected]) =>
			shorthandFilter(attribute, expected, `${key}.${attribute}`),
		);
	}
	if (Array.isArray(value)) {
		return value.map((row, index) => {
			const rowKey = `${key}[${index}]`;
			if (!isPlainObject(row)) {
				throw new ConfigurationError(
					`${rowKey}: a filter row must be an object {attribute, operator, value}`,
					rowKey,
				);
			}
			for (const rowField of Object.keys(row)) {
				if (!['attribute', 'operator', 'value'].includes(rowField)) {
					throw new ConfigurationError(
						`${rowKey}.${rowField}: unknown key in a filter row (use attribute, operator, value)`,
						`${rowKey}.${rowField}`,
					);
				}
			}
			if (typeof row.attribute !== 'string' || row.attribute.trim() === '') {
				throw new ConfigurationError(
					`${rowKey}.attribute: must be a directory attribute name (got ${describe(row.attribute)})`,
					`${rowKey}.attribute`,
				);
			}
			if (
				typeof row.operator !== 'string' ||
				!(FILTER_OPERATORS as readonly string[]).includes(row.operator)
			) {
				throw new ConfigurationError(
					`${rowKey}.operator: unknown operator ${describe(row.operator)} (use one of ${FILTER_OPERATORS.join(', ')})`,
					`${rowKey}.operator`,
				);
			}
			return {
				attribute: row.attribute,
				operator: row.operator as FilterOperator,
				value: row.value,
				key: rowKey,
			};
		});
	}
	throw new ConfigurationError(
		`${key}: must be an object of attribute → value, or an array of filter rows (got ${describe(value)})`,
		key,
	);
}

function parseText(value: unknown, key: string): string {
	if (typeof value !== 'string')
		throw new ConfigurationError(`${key}: must be text (got ${describe(value)})`, key);
	return value.trim();
}

function parseChoice<T>(value: unknown, key: string, choices: Record<string, T>, hint: string): T {
	const text = parseText(value, key).toLowerCase();
	const choice = ownValue(choices, text);
	if (choice === undefined)
		throw new ConfigurationError(
			`${key}: unknown value ${JSON.stringify(value)} (use ${hint})`,
			key,
		);
	return choice;
}

/** Fixed list names: an array of names, or one text with names separated by commas. */
export function parseListNames(value: unknown, key: string): string[] {
	const items = typeof value === 'string' ? value.split(',') : value;
	if (!Array.isArray(items))
		throw new ConfigurationError(
			`${key}: must be a list of list names (got ${describe(value)})`,
			key,
		);
	return items
		.map((item, index) => parseText(item, `${key}[${index}]`))
		.filter((name) => name !== '');
}

export function parseSeedConfiguration(
	input: unknown,
	rootKey = 'configurationJson',
): SeedConfiguration {
	let document = input;
	if (typeof input === 'string') {
		try {
			document = JSON.parse(input);
		} catch (error) {
			throw new ConfigurationError(
				`${rootKey}: not valid JSON (${(error as Error).message})`,
				rootKey,
			);
		}
	}
	if (!isPlainObject(document)) {
		throw new ConfigurationError(
			`${rootKey}: must be a JSON object like {"sync": {…}} (got ${describe(document)})`,
			rootKey,
		);
	}

	let sync = document;
	let prefix = '';
	if ('sync' in document) {
		const extra = Object.keys(document).find((k) => k !== 'sync');
		if (extra !== undefined) {
			throw new ConfigurationError(
				`${extra}: unknown key next to "sync" (put every setting inside "sync")`,
				extra,
			);
		}
		if (!isPlainObject(document.sync)) {
			throw new ConfigurationError(
				`sync: must be an object (got ${describe(document.sync)})`,
				'sync',
			);
		}
		sync = document.sync;
		prefix = 'sync.';
	}

	for (const key of Object.keys(sync)) {
		if (!KNOWN_KEYS.includes(key)) {
			throw new ConfigurationError(
				`${prefix}${key}: unknown key (known keys: ${KNOWN_KEYS.join(', ')})`,
				`${prefix}${key}`,
			);
		}
	}

	const config: SeedConfiguration = {
		direction:
			sync.direction === undefined
				? 'one-way'
				: parseChoice(
						sync.direction,
						`${prefix}direction`,
						DIRECTIONS,
						'"one-way", "reverse" or "bidirectional"',
					),
		source: 'entra-id',
		target: 'messagemedia',
		mapping: [],
		filters: [],
		combineFilters: 'and',
		fixedLists: [],
	};
	if (
		sync.source !== undefined &&
		!SOURCES.has(parseText(sync.source, `${prefix}source`).toLowerCase())
	) {
		throw new ConfigurationError(
			`${prefix}source: unknown source ${JSON.stringify(sync.source)} (use "entra-id")`,
			`${prefix}source`,
		);
	}
	if (
		sync.target !== undefined &&
		!TARGETS.has(parseText(sync.target, `${prefix}target`).toLowerCase())
	) {
		throw new ConfigurationError(
			`${prefix}target: unknown target ${JSON.stringify(sync.target)} (use "messagemedia")`,
			`${prefix}target`,
		);
	}
	if (sync.schedule !== undefined) {
		const schedule = parseText(sync.schedule, `${prefix}schedule`);
		const fields = schedule.split(/\s+/);
		if (
			(fields.length !== 5 && fields.length !== 6) ||
			!fields.every((field) => CRON_FIELD.test(field))
		) {
			throw new ConfigurationError(
				`${prefix}schedule: ${JSON.stringify(schedule)} is not a cron expression (5 or 6 fields, e.g. "0 6 * * *")`,
				`${prefix}schedule`,
			);
		}
		config.schedule = schedule;
	}
	if (sync.mapping === undefined) {
		throw new ConfigurationError(
			`${prefix}mapping: missing (map directory attributes to contact fields)`,
			`${prefix}mapping`,
		);
	}
	config.mapping = parseMapping(sync.mapping, `${prefix}mapping`);
	if (sync.filters !== undefined) config.filters = parseFilters(sync.filters, `${prefix}filters`);
	if (sync.combineFilters !== undefined) {
		config.combineFilters = parseChoice<FilterCombination>(
			sync.combineFilters,
			`${prefix}combineFilters`,
			{ and: 'and', or: 'or' },
			'"and" or "or"',
		);
	}
	if (sync.lists !== undefined) config.fixedLists = parseListNames(sync.lists, `${prefix}lists`);
	return config;
}
