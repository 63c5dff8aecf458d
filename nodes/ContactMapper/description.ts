/** The Contact Mapper's parameters, in the order the editor shows them. */
import type { INodeProperties } from 'n8n-workflow';

import { EXAMPLE_CONFIGURATION, VALUELESS_OPERATORS } from './configuration';

export const contactMapperProperties: INodeProperties[] = [
	{
		displayName: 'Configuration Mode',
		name: 'configurationMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Form',
				value: 'form',
				description: 'Map attributes and set filters with the fields below',
			},
			{
				name: 'JSON (Product Page Format)',
				value: 'json',
				description: 'Paste the "sync" configuration object from the Entra Sync product page',
			},
		],
		default: 'form',
	},
	{
		displayName: 'Configuration JSON',
		name: 'configurationJson',
		type: 'json',
		default: EXAMPLE_CONFIGURATION,
		description:
			'The "sync" object (with or without the outer {"sync": …}): direction, source, target, schedule, mapping (attribute → contact_name, phone_number, email, group, any contact field, or custom:Label for a custom field), filters (attribute → value or list of values; or rows with an operator), combineFilters, lists',
		hint: 'E.g. "mapping": { "mobilePhone": "phone_number", "department": "group" } and "filters": { "department": ["Sales"] }',
		displayOptions: { show: { configurationMode: ['json'] } },
	},
	{
		displayName: 'Mapping',
		name: 'mapping',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Mapping',
		description:
			'Directory attribute → contact field. Several rows for the same field: the first non-empty value wins (lists collect all).',
		default: {
			rows: [
				{ source: 'displayName', field: 'fullName' },
				{ source: 'mobilePhone', field: 'phone' },
				{ source: 'mail', field: 'email' },
				{ source: 'department', field: 'lists' },
			],
		},
		displayOptions: { show: { configurationMode: ['form'] } },
		options: [
			{
				name: 'rows',
				displayName: 'Mapping',
				values: [
					{
						displayName: 'Source',
						name: 'source',
						type: 'string',
						default: '',
						placeholder: 'e.g. mobilePhone or onPremisesExtensionAttributes.extensionAttribute1',
						description:
							'Attribute path of the directory user (dots and brackets, e.g. businessPhones[0]), or an expression computing the value',
					},
					{
						displayName: 'Contact Field',
						name: 'field',
						type: 'options',
						options: [
							{ name: 'Alias', value: 'alias' },
							{ name: 'Country', value: 'country' },
							{ name: 'Custom Field', value: 'customField' },
							{ name: 'Date of Birth', value: 'dateOfBirth' },
							{ name: 'Email', value: 'email' },
							{ name: 'First Name', value: 'firstName' },
							{
								name: 'Full Name (Split Into First and Last)',
								value: 'fullName',
								description: 'Used when the user has no givenName/surname',
							},
							{ name: 'Last Name', value: 'lastName' },
							{ name: 'Lists (Groups)', value: 'lists' },
							{ name: 'Location', value: 'location' },
							{ name: 'Note', value: 'note' },
							{ name: 'Phone (SMS)', value: 'phone' },
							{ name: 'State', value: 'state' },
						],
						default: 'fullName',
					},
					{
						displayName: 'Custom Field Label or Merge Tag',
						name: 'customFieldKey',
						type: 'string',
						default: '',
						placeholder: 'e.g. employee_id',
						displayOptions: { show: { field: ['customField'] } },
					},
				],
			},
		],
	},
	{
		displayName: 'Fixed List Names',
		name: 'fixedLists',
		type: 'string',
		default: '',
		placeholder: 'e.g. All Staff, Alerts',
		description: 'Lists every mapped contact joins, separated by commas',
		displayOptions: { show: { configurationMode: ['form'] } },
	},
	{
		displayName: 'Scope Filters',
		name: 'scopeFilters',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Filter',
		description:
			'Which users belong in the contact list. Text comparisons ignore case. A missing attribute counts as empty. Disabled users are always out of scope.',
		default: {
			rows: [
				{ attribute: 'department', operator: 'in', value: 'Sales, Support' },
				{ attribute: 'accountEnabled', operator: 'isTrue' },
			],
		},
		displayOptions: { show: { configurationMode: ['form'] } },
		options: [
			{
				name: 'rows',
				displayName: 'Filter',
				values: [
					{
						displayName: 'Attribute',
						name: 'attribute',
						type: 'string',
						default: '',
						placeholder: 'e.g. department',
						description:
							'Attribute path of the directory user, e.g. department or onPremisesExtensionAttributes.extensionAttribute1',
					},
					{
						displayName: 'Operator',
						name: 'operator',
						type: 'options',
						options: [
							{ name: 'Contains', value: 'contains' },
							{ name: 'Ends With', value: 'endsWith' },
							{ name: 'Equals', value: 'equals' },
							{ name: 'Is Empty', value: 'isEmpty' },
							{ name: 'Is False', value: 'isFalse' },
							{ name: 'Is Not Empty', value: 'isNotEmpty' },
							{ name: 'Is Not One Of', value: 'notIn' },
							{ name: 'Is One Of', value: 'in' },
							{ name: 'Is True', value: 'isTrue' },
							{ name: 'Matches Regex', value: 'regex' },
							{ name: 'Not Equals', value: 'notEquals' },
							{ name: 'Starts With', value: 'startsWith' },
						],
						default: 'equals',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						description:
							'For "Is One Of" / "Is Not One Of": values separated by commas. For regex: an RE2 pattern (no backreferences or lookaround), or /pattern/flags with i, m, s.',
						displayOptions: { hide: { operator: VALUELESS_OPERATORS } },
					},
				],
			},
		],
	},
	{
		displayName: 'Combine Filters',
		name: 'combineFilters',
		type: 'options',
		options: [
			{ name: 'All Filters Match (AND)', value: 'and' },
			{ name: 'Any Filter Matches (OR)', value: 'or' },
		],
		default: 'and',
		displayOptions: { show: { configurationMode: ['form'] } },
	},
	{
		displayName: 'Default Country',
		name: 'defaultCountry',
		type: 'string',
		default: '',
		placeholder: 'e.g. AU',
		description:
			'ISO 3166-1 alpha-2 code of the country for phone numbers written without a country code (e.g. 0412 345 678). Without it such numbers are rejected as ambiguous.',
	},
	{
		displayName: 'Country Attribute',
		name: 'countryAttribute',
		type: 'string',
		default: 'usageLocation',
		description:
			"User attribute with the user's country (alpha-2 like usageLocation, or an English country name like country); when set for a user it replaces the default country",
	},
	{
		displayName: 'Phone Sources',
		name: 'phoneSources',
		type: 'string',
		default: 'mobilePhone, businessPhones[0]',
		description:
			'Attributes tried in order, after the mapped Phone (SMS) field, until one holds a usable number; separated by commas',
	},
	{
		displayName: 'Allow Fixed-Line Numbers',
		name: 'allowFixedLine',
		type: 'boolean',
		default: false,
		description:
			'Whether to keep fixed-line (desk) numbers. Off: SMS cannot reach a fixed line, so a user whose number is one goes to Rejected (phoneNotMobile); numbers that may be mobile (as in the US) are kept.',
	},
	{
		displayName: 'Mobile Numbers Only',
		name: 'mobileOnly',
		type: 'boolean',
		default: false,
		description:
			'Whether to reject every number that is not a mobile: fixed lines and also toll-free, VoIP and other numbers (numbers that may be fixed or mobile are accepted)',
	},
	{
		displayName: 'Out-of-Scope and Disabled Users',
		name: 'outOfScopeHandling',
		type: 'options',
		options: [
			{
				name: 'Drop Them',
				value: 'drop',
				description: 'Output nothing for them (deleted users still get remove items)',
			},
			{
				name: 'Output Remove Items',
				value: 'remove',
				description: 'The sync node applies its removal policy to their contacts',
			},
		],
		default: 'remove',
	},
	{
		displayName: 'Values Too Long for MessageMedia',
		name: 'truncation',
		type: 'options',
		options: [
			{
				name: 'Reject the User',
				value: 'reject',
				description: 'Send the user to the Rejected output',
			},
			{
				name: 'Truncate and Report',
				value: 'truncate',
				description: 'Cut the value and list the field in the item\'s "truncated"',
			},
		],
		default: 'truncate',
	},
	{
		displayName: 'Include Fingerprint',
		name: 'includeFingerprint',
		type: 'boolean',
		default: false,
		description:
			'Whether each contact item carries a "fingerprint" (SHA-256 of its mapped values) for workflows that compare runs. The sync does not need it.',
	},
	{
		displayName: 'Include Directory Attributes',
		name: 'includeSource',
		type: 'boolean',
		default: false,
		description:
			'Whether each contact item also carries the user it was mapped from, under "source". Off keeps large runs lean; later nodes can still reach the user through the item\'s link to the node before. Two-way items and Rejected items always carry it.',
	},
];
