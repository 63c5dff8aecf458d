/** The Contact Mapper node's parameters → the mapper's configuration (lib/mapping validates it). */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { FilterRule, MappedField, MappingConfig, MappingRule } from '../../lib/mapping';
import { parseListNames, parseSeedConfiguration } from '../../lib/mapping';

/** The product page's configuration example, verbatim: the JSON mode's default. */
export const EXAMPLE_CONFIGURATION = `{
  "sync": {
    "direction": "one-way",
    "source": "entra-id",
    "target": "messagemedia",
    "schedule": "0 6 * * *",
    "mapping": {
      "displayName": "contact_name",
      "mobilePhone": "phone_number",
      "mail": "email",
      "department": "group"
    },
    "filters": {
      "department": ["Sales", "Support"],
      "accountEnabled": true
    }
  }
}`;

interface MappingRow {
	source?: string;
	field?: string;
	customFieldKey?: string;
}

interface FilterRow {
	attribute?: string;
	operator?: string;
	value?: unknown;
}

export const VALUELESS_OPERATORS = ['isEmpty', 'isNotEmpty', 'isTrue', 'isFalse'];

/** Reads the node's parameters into the mapper's configuration; lib/mapping validates it. */
export function readConfiguration(ctx: IExecuteFunctions): {
	config: MappingConfig;
	expressionRows: number[];
} {
	const phoneSources = parseListNames(
		ctx.getNodeParameter('phoneSources', 0, '') as string,
		'phoneSources',
	);
	const options = {
		defaultCountry: ctx.getNodeParameter('defaultCountry', 0, '') as string,
		countryAttribute: ctx.getNodeParameter('countryAttribute', 0, '') as string,
		mobileOnly: ctx.getNodeParameter('mobileOnly', 0, false) as boolean,
		allowFixedLine: ctx.getNodeParameter('allowFixedLine', 0, false) as boolean,
		phoneSources,
		outOfScopeHandling: ctx.getNodeParameter(
			'outOfScopeHandling',
			0,
			'remove',
		) as MappingConfig['outOfScopeHandling'],
		truncation: ctx.getNodeParameter('truncation', 0, 'truncate') as MappingConfig['truncation'],
		includeSource: ctx.getNodeParameter('includeSource', 0, false) as boolean,
		includeFingerprint: ctx.getNodeParameter('includeFingerprint', 0, false) as boolean,
	};

	if (ctx.getNodeParameter('configurationMode', 0) === 'json') {
		const json = parseSeedConfiguration(
			ctx.getNodeParameter('configurationJson', 0),
			'configurationJson',
		);
		const config = {
			mapping: json.mapping,
			filters: json.filters,
			combineFilters: json.combineFilters,
			fixedLists: json.fixedLists,
			direction: json.direction,
			...options,
		};
		return { config, expressionRows: [] };
	}

	// A mapping row whose source is an expression is evaluated per item; the others are attribute paths.
	const rawRows = ((ctx.getNode().parameters.mapping as IDataObject | undefined)?.rows ??
		[]) as MappingRow[];
	const rows = ctx.getNodeParameter('mapping.rows', 0, []) as MappingRow[];
	const expressionRows: number[] = [];
	const mapping: MappingRule[] = rows.map((row, index) => {
		const isExpression =
			typeof rawRows[index]?.source === 'string' && rawRows[index].source!.startsWith('=');
		if (isExpression) expressionRows.push(index);
		return {
			source: String(row.source ?? ''),
			field: row.field as MappedField,
			customFieldKey: row.customFieldKey,
			kind: isExpression ? 'value' : 'attribute',
			key: `Mapping row ${index + 1}`,
		};
	});
	const filterRows = ctx.getNodeParameter('scopeFilters.rows', 0, []) as FilterRow[];
	const filters: FilterRule[] = filterRows.map((row, index) => ({
		attribute: String(row.attribute ?? ''),
		operator: row.operator as FilterRule['operator'],
		value: VALUELESS_OPERATORS.includes(String(row.operator)) ? undefined : row.value,
		key: `Scope filter ${index + 1}`,
	}));
	const config: MappingConfig = {
		mapping,
		filters,
		combineFilters: ctx.getNodeParameter(
			'combineFilters',
			0,
			'and',
		) as MappingConfig['combineFilters'],
		fixedLists: parseListNames(ctx.getNodeParameter('fixedLists', 0, '') as string, 'fixedLists'),
		...options,
	};
	return { config, expressionRows };
}
