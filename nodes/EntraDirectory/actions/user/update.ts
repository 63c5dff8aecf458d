import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { GraphTransport } from '../../../../lib/entra/graph';
import { buildUpdateBody, updateUser } from '../../../../lib/entra/users';

const UPDATABLE_STRING_FIELDS = [
	'businessPhone',
	'city',
	'companyName',
	'country',
	'department',
	'displayName',
	'employeeId',
	'employeeType',
	'givenName',
	'jobTitle',
	'mobilePhone',
	'officeLocation',
	'postalCode',
	'preferredLanguage',
	'state',
	'streetAddress',
	'surname',
	'usageLocation',
];

const FIELD_NAMES: Record<string, string> = {
	businessPhone: 'Business Phone',
	employeeId: 'Employee ID',
};

/** An example value per field, shown as its placeholder. */
const EXAMPLES: Record<string, string> = {
	businessPhone: '+61 2 9876 5432',
	city: 'Sydney',
	companyName: 'Contoso',
	country: 'Australia',
	department: 'Sales',
	displayName: 'Adele Vance',
	employeeId: 'E1234',
	employeeType: 'Employee',
	givenName: 'Adele',
	jobTitle: 'Account Executive',
	mobilePhone: '+61 412 345 678',
	officeLocation: 'Level 3, Sydney',
	postalCode: '2000',
	preferredLanguage: 'en-AU',
	state: 'NSW',
	streetAddress: '1 Market Street',
	surname: 'Vance',
	usageLocation: 'AU',
};

function titleCase(name: string): string {
	return FIELD_NAMES[name] ?? name.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());
}

export const description: INodeProperties[] = [
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: { resource: ['user'], operation: ['update'] } },
		options: [
			{
				displayName: 'Account Enabled',
				name: 'accountEnabled',
				type: 'boolean',
				default: true,
				description: 'Whether the account can sign in',
			},
			...UPDATABLE_STRING_FIELDS.map((name) => ({
				displayName: titleCase(name),
				name,
				type: 'string' as const,
				default: '',
				placeholder: `e.g. ${EXAMPLES[name]}`,
			})),
			{
				displayName: 'Other Attributes',
				name: 'otherAttributes',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				description: 'Any other attribute, e.g. a directory extension attribute',
				options: [
					{
						displayName: 'Attribute',
						name: 'attribute',
						values: [
							{
								displayName: 'Name',
								name: 'name',
								type: 'string',
								default: '',
								placeholder: 'e.g. extension_<appId>_costCenter',
							},
							{
								displayName: 'Value',
								name: 'value',
								type: 'string',
								default: '',
								placeholder: 'e.g. CC-1042',
							},
						],
					},
				],
			},
		],
	},
];

export async function execute(
	context: IExecuteFunctions,
	graph: GraphTransport,
	i: number,
): Promise<IDataObject[]> {
	const userId = context.getNodeParameter('userId', i) as string;
	const changes = buildUpdateBody(context.getNodeParameter('updateFields', i, {}) as IDataObject);
	await updateUser(graph, userId, changes);
	return [{ id: userId, updated: Object.keys(changes) }];
}
