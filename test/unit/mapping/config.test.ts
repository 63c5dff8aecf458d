import { ConfigurationError } from '../../../lib/common/errors';
import { compileMapper, parseSeedConfiguration } from '../../../lib/mapping';

function errorOf(action: () => unknown): ConfigurationError {
	let caught: unknown;
	try {
		action();
	} catch (error) {
		caught = error;
	}
	expect(caught).toBeInstanceOf(ConfigurationError);
	return caught as ConfigurationError;
}

const EXTENSION_ATTRIBUTE = 'onPremisesExtensionAttributes.extensionAttribute1';
const parse = (json: unknown) => errorOf(() => parseSeedConfiguration(json));
const minimal = { mapping: { mobilePhone: 'phone_number' } };

describe('parseSeedConfiguration: accepted forms', () => {
	it('accepts the sync object with or without the outer wrapper', () => {
		const wrapped = parseSeedConfiguration({ sync: minimal });
		const bare = parseSeedConfiguration(JSON.stringify(minimal));
		expect(wrapped.mapping).toEqual([
			{ source: 'mobilePhone', field: 'phone', key: 'sync.mapping.mobilePhone' },
		]);
		expect(bare).toEqual({
			direction: 'one-way',
			source: 'entra-id',
			target: 'messagemedia',
			mapping: [{ source: 'mobilePhone', field: 'phone', key: 'mapping.mobilePhone' }],
			filters: [],
			combineFilters: 'and',
			fixedLists: [],
		});
	});

	it.each([
		['one-way', 'one-way'],
		['two-way', 'bidirectional'],
		['Bidirectional', 'bidirectional'],
		['reverse', 'reverse'],
		['one-way-reverse', 'reverse'],
	])('direction %s → %s', (direction, expected) => {
		expect(parseSeedConfiguration({ ...minimal, direction }).direction).toBe(expected);
	});

	it('accepts our field names, custom:<label>, several fields per attribute, rows, operators and fixed lists', () => {
		const config = parseSeedConfiguration({
			sync: {
				mapping: {
					givenName: 'firstName',
					surname: 'last_name',
					employeeId: 'custom:Employee ID',
					mail: ['email', 'custom:work_email'],
					[EXTENSION_ATTRIBUTE]: 'note',
				},
				filters: [
					{ attribute: 'jobTitle', operator: 'regex', value: 'manager' },
					{ attribute: 'companyName', operator: 'isNotEmpty' },
				],
				combineFilters: 'OR',
				lists: ['All Staff', ' Alerts '],
				schedule: '*/15 6-18 * * MON-FRI',
			},
		});
		expect(config.mapping).toEqual([
			{ source: 'givenName', field: 'firstName', key: 'sync.mapping.givenName' },
			{ source: 'surname', field: 'lastName', key: 'sync.mapping.surname' },
			{
				source: 'employeeId',
				field: 'customField',
				customFieldKey: 'Employee ID',
				key: 'sync.mapping.employeeId',
			},
			{ source: 'mail', field: 'email', key: 'sync.mapping.mail' },
			{
				source: 'mail',
				field: 'customField',
				customFieldKey: 'work_email',
				key: 'sync.mapping.mail',
			},
			{ source: EXTENSION_ATTRIBUTE, field: 'note', key: `sync.mapping.${EXTENSION_ATTRIBUTE}` },
		]);
		expect(
			config.filters.map(({ attribute, operator, value }) => ({ attribute, operator, value })),
		).toEqual([
			{ attribute: 'jobTitle', operator: 'regex', value: 'manager' },
			{ attribute: 'companyName', operator: 'isNotEmpty', value: undefined },
		]);
		expect(config.filters.map((filter) => filter.key)).toEqual([
			'sync.filters[0]',
			'sync.filters[1]',
		]);
		expect(config.combineFilters).toBe('or');
		expect(config.fixedLists).toEqual(['All Staff', 'Alerts']);
		expect(config.schedule).toBe('*/15 6-18 * * MON-FRI');
	});

	it("turns the product page's filter shorthand into rows: list → in, boolean → isTrue/isFalse, null → isEmpty, text → equals", () => {
		const { filters } = parseSeedConfiguration({
			...minimal,
			filters: {
				department: ['Sales'],
				accountEnabled: false,
				officeLocation: null,
				country: 'Australia',
				employeeType: 7,
			},
		});
		expect(filters.map(({ attribute, operator, value }) => [attribute, operator, value])).toEqual([
			['department', 'in', ['Sales']],
			['accountEnabled', 'isFalse', undefined],
			['officeLocation', 'isEmpty', undefined],
			['country', 'equals', 'Australia'],
			['employeeType', 'equals', 7],
		]);
	});

	it('accepts mapping rows', () => {
		const config = parseSeedConfiguration({
			mapping: [
				{ source: 'employeeId', field: 'customField', customFieldKey: 'employee_id' },
				{ source: 'mobilePhone', field: 'phone' },
			],
		});
		expect(config.mapping).toEqual([
			{
				source: 'employeeId',
				field: 'customField',
				customFieldKey: 'employee_id',
				key: 'mapping[0]',
			},
			{ source: 'mobilePhone', field: 'phone', key: 'mapping[1]' },
		]);
	});
});

describe('parseSeedConfiguration: errors name the offending key', () => {
	it.each<[string, unknown, string, RegExp]>([
		[
			'malformed JSON',
			'{"sync": {"mapping": {"mail": "email",}}}',
			'configurationJson',
			/^configurationJson: not valid JSON \(/,
		],
		[
			'not an object',
			'["sync"]',
			'configurationJson',
			/must be a JSON object like \{"sync": \{…\}\} \(got an array\)/,
		],
		[
			'an unknown key inside sync',
			{ sync: { ...minimal, schedul: '0 6 * * *' } },
			'sync.schedul',
			/^sync\.schedul: unknown key \(known keys: direction, source/,
		],
		[
			'an unknown key without the wrapper',
			{ ...minimal, filter: {} },
			'filter',
			/^filter: unknown key/,
		],
		[
			'a key next to sync',
			{ sync: minimal, mapping: {} },
			'mapping',
			/^mapping: unknown key next to "sync"/,
		],
		[
			'sync not an object',
			{ sync: 'one-way' },
			'sync',
			/^sync: must be an object \(got string "one-way"\)/,
		],
		[
			'an unknown contact field',
			{ sync: { mapping: { mail: 'e-mail' } } },
			'sync.mapping.mail',
			/^sync\.mapping\.mail: unknown contact field "e-mail"/,
		],
		[
			'an empty custom label',
			{ mapping: { a: 'custom:' } },
			'mapping.a',
			/needs a custom field label/,
		],
		[
			'an unknown key in custom form',
			{ mapping: { a: 'customer' } },
			'mapping.a',
			/unknown contact field "customer"/,
		],
		[
			'a contact field of the wrong type',
			{ mapping: { mail: 42 } },
			'mapping.mail',
			/must be a name such as "phone" \(got number 42\)/,
		],
		[
			'mapping of the wrong type',
			{ mapping: 'displayName' },
			'mapping',
			/^mapping: must be an object of directory attribute → contact field \(got string/,
		],
		['an empty mapping', { mapping: {} }, 'mapping', /map at least one directory attribute/],
		['a missing mapping', { direction: 'one-way' }, 'mapping', /^mapping: missing/],
		[
			'a mapping row without source',
			{ mapping: [{ field: 'phone' }] },
			'mapping[0].source',
			/must be a directory attribute name/,
		],
		[
			'a mapping row with an unknown key',
			{ mapping: [{ source: 'a', field: 'phone', type: 'x' }] },
			'mapping[0].type',
			/unknown key in a mapping row/,
		],
		[
			'a bad operator in a filter row',
			{ ...minimal, filters: [{ attribute: 'a', operator: 'like', value: 'x' }] },
			'filters[0].operator',
			/unknown operator string "like"/,
		],
		[
			'a filter row with an unknown key',
			{ ...minimal, filters: [{ attribute: 'a', operator: 'equals', values: 'x' }] },
			'filters[0].values',
			/unknown key in a filter row/,
		],
		[
			'a filter value of the wrong type',
			{ sync: { ...minimal, filters: { department: { in: ['Sales'] } } } },
			'sync.filters.department',
			/a filter value must be text, a number, a boolean, null or a list/,
		],
		[
			'filters of the wrong type',
			{ ...minimal, filters: 'department=Sales' },
			'filters',
			/^filters: must be an object of attribute → value, or an array of filter rows/,
		],
		[
			'a bad direction',
			{ ...minimal, direction: 'sideways' },
			'direction',
			/^direction: unknown value "sideways" \(use "one-way", "reverse" or "bidirectional"\)/,
		],
		[
			'a direction of the wrong type',
			{ ...minimal, direction: true },
			'direction',
			/^direction: must be text \(got boolean true\)/,
		],
		['a bad source', { ...minimal, source: 'okta' }, 'source', /unknown source "okta"/],
		['a bad target', { ...minimal, target: 'twilio' }, 'target', /unknown target "twilio"/],
		[
			'a bad schedule',
			{ ...minimal, schedule: 'every morning' },
			'schedule',
			/"every morning" is not a cron expression/,
		],
		[
			'a bad combineFilters',
			{ ...minimal, combineFilters: 'xor' },
			'combineFilters',
			/unknown value "xor" \(use "and" or "or"\)/,
		],
		[
			'lists of the wrong type',
			{ ...minimal, lists: [1] },
			'lists[0]',
			/^lists\[0\]: must be text \(got number 1\)/,
		],
	])('%s', (_case, json, key, message) => {
		const error = parse(json);
		expect(error.key).toBe(key);
		expect(error.message).toMatch(message);
		expect(error.message).toContain(key);
	});
});

describe('compileMapper: configuration errors name the key', () => {
	const mapping = parseSeedConfiguration(minimal).mapping;

	it.each<[string, Parameters<typeof compileMapper>[0], string, RegExp]>([
		[
			'a defaultCountry that is not ISO alpha-2',
			{ mapping, defaultCountry: 'Australia' },
			'defaultCountry',
			/"Australia" is not an ISO 3166-1 alpha-2 country code/,
		],
		[
			'an unknown defaultCountry code',
			{ mapping, defaultCountry: 'XX' },
			'defaultCountry',
			/"XX" is not an ISO 3166-1 alpha-2/,
		],
		[
			'a bad countryAttribute path',
			{ mapping, countryAttribute: 'address..country' },
			'countryAttribute',
			/not a valid attribute path/,
		],
		[
			'a bad phone source path',
			{ mapping, phoneSources: ['mobilePhone', 'businessPhones[x]'] },
			'phoneSources[1]',
			/"businessPhones\[x\]" is not a valid attribute path/,
		],
		[
			'no phone source at all',
			{ mapping: [{ source: 'mail', field: 'email' }], phoneSources: [] },
			'phoneSources',
			/no phone source/,
		],
		[
			'a custom field without a key',
			{ mapping: [{ source: 'a', field: 'customField', key: 'Mapping row 1' }] },
			'Mapping row 1',
			/needs its label or merge tag/,
		],
		[
			'a JSON-configuration custom field without a key',
			{ mapping: parseSeedConfiguration({ mapping: { employeeId: 'customField' } }).mapping },
			'mapping.employeeId',
			/^mapping\.employeeId: a custom field needs its label or merge tag/,
		],
		[
			'an unknown field in a form row',
			{ mapping: [{ source: 'a', field: 'mobile' as never, key: 'Mapping row 3' }] },
			'Mapping row 3',
			/unknown contact field "mobile"/,
		],
		[
			'a bad outOfScopeHandling',
			{ mapping, outOfScopeHandling: 'keep' as never },
			'outOfScopeHandling',
			/must be "remove" or "drop"/,
		],
		[
			'a bad truncation',
			{ mapping, truncation: 'ignore' as never },
			'truncation',
			/must be "truncate" or "reject"/,
		],
		[
			'a bad combineFilters',
			{ mapping, combineFilters: 'xor' as never },
			'combineFilters',
			/must be "and" or "or"/,
		],
	])('%s', (_case, config, key, message) => {
		const error = errorOf(() => compileMapper(config));
		expect(error.key).toBe(key);
		expect(error.message).toMatch(message);
	});

	it('accepts a lower-case defaultCountry', () => {
		const mapUser = compileMapper({ mapping, defaultCountry: 'au' });
		expect(mapUser({ id: '1', mobilePhone: '0412 345 678' })).toMatchObject({
			contact: { phone: '+61412345678' },
		});
	});
});
