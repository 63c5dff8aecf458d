import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { readUserDelta } from '../../lib/entra/delta';
import type { GraphTransport } from '../../lib/entra/graph';
import { listGroups } from '../../lib/entra/groups';
import { filterAttributes } from '../../lib/entra/odata';
import { scopeDelta } from '../../lib/entra/poll';
import { buildUpdateBody, getUser, listGroupMemberIds, listUsers, updateUser } from '../../lib/entra/users';
import { entraSyncEntraIdApiTest, getGraphTransport, readUserScope, searchGroups, userScopeProperties } from '../helpers/entra';
import { errorItemJson, toNodeError } from '../helpers/errors';

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

const FIELD_NAMES: Record<string, string> = { businessPhone: 'Business Phone', employeeId: 'Employee ID' };

function titleCase(name: string): string {
	return FIELD_NAMES[name] ?? name.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());
}

/**
 * Reads (and optionally writes back) Entra ID users through Microsoft Graph, app-only.
 * Programmatic rather than declarative: reads page through nextLinks with advanced-query headers,
 * delta rounds end in a delta link, and tokens come from msal-node.
 */
export class EntraDirectory implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Entra Directory',
		name: 'entraDirectory',
		icon: { light: 'file:entraDirectory.svg', dark: 'file:entraDirectory.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Read users and groups from Microsoft Entra ID (app-only), incrementally with delta links',
		defaults: { name: 'Entra Directory' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'entraSyncEntraIdApi', required: true, testedBy: 'entraSyncEntraIdApiTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Group', value: 'group' },
					{ name: 'User', value: 'user' },
				],
				default: 'user',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['user'] } },
				options: [
					{ name: 'Get', value: 'get', action: 'Get a user', description: 'Get one user by ID or user principal name' },
					{
						name: 'Get Changes',
						value: 'getChanges',
						action: 'Get changed users',
						description: 'Users created, changed or removed since a delta link',
					},
					{ name: 'Get Many', value: 'getAll', action: 'Get many users', description: 'List users' },
					{ name: 'Update', value: 'update', action: 'Update a user', description: 'Change attributes of a user' },
				],
				default: 'getAll',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['group'] } },
				options: [{ name: 'Get Many', value: 'getAll', action: 'Get many groups', description: 'List groups' }],
				default: 'getAll',
			},
			{
				displayName: 'User',
				name: 'userId',
				type: 'string',
				required: true,
				default: '',
				placeholder: 'adele.vance@contoso.com',
				description: 'Object ID or user principal name',
				displayOptions: { show: { resource: ['user'], operation: ['get', 'update'] } },
			},
			...userScopeProperties({ resource: ['user'], operation: ['getAll', 'getChanges'] }).map((p) =>
				p.name === 'attributes' || p.name === 'extraAttributes'
					? { ...p, displayOptions: { show: { resource: ['user'], operation: ['getAll', 'getChanges', 'get'] } } }
					: p,
			),
			{
				displayName: 'Delta Link',
				name: 'deltaLink',
				type: 'string',
				default: '',
				description:
					'The delta link from the previous run (every output item carries it under _delta.deltaLink). Empty = first run.',
				displayOptions: { show: { resource: ['user'], operation: ['getChanges'] } },
			},
			{
				displayName: 'Start From Now',
				name: 'startFromNow',
				type: 'boolean',
				default: false,
				description:
					'Whether a first run (no delta link) skips existing users and only returns a delta link for later changes',
				displayOptions: { show: { resource: ['user'], operation: ['getChanges'] } },
			},
			{
				displayName: 'Name Starts With',
				name: 'nameStartsWith',
				type: 'string',
				default: '',
				description: 'Only groups whose display name starts with this text',
				displayOptions: { show: { resource: ['group'], operation: ['getAll'] } },
			},
			{
				displayName: 'Return All',
				name: 'returnAll',
				type: 'boolean',
				default: true,
				description: 'Whether to return all results or only up to a given limit',
				displayOptions: { show: { operation: ['getAll'] } },
			},
			{
				displayName: 'Limit',
				name: 'limit',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 50,
				description: 'Max number of results to return',
				displayOptions: { show: { operation: ['getAll'], returnAll: [false] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				displayOptions: { show: { resource: ['user'], operation: ['getAll'] } },
				options: [
					{
						displayName: 'Raw Filter',
						name: 'rawFilter',
						type: 'string',
						default: '',
						placeholder: "endswith(mail,'@contoso.com')",
						description:
							'An OData $filter, AND-ed with the conditions above. Sent as an advanced query (ConsistencyLevel: eventual).',
					},
				],
			},
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
									{ displayName: 'Name', name: 'name', type: 'string', default: '' },
									{ displayName: 'Value', name: 'value', type: 'string', default: '' },
								],
							},
						],
					},
				],
			},
		],
	};

	methods = {
		listSearch: { searchGroups },
		credentialTest: { entraSyncEntraIdApiTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const output: INodeExecutionData[] = [];
		let graph: GraphTransport | undefined;
		for (let i = 0; i < items.length; i++) {
			try {
				graph ??= await getGraphTransport(this);
				const results = await runOperation(this, graph, i);
				for (const json of results) output.push({ json, pairedItem: { item: i } });
			} catch (error) {
				if (this.continueOnFail()) {
					output.push({ json: errorItemJson(error), pairedItem: { item: i } });
					continue;
				}
				throw toNodeError(this.getNode(), error, i);
			}
		}
		return [output];
	}
}

async function runOperation(context: IExecuteFunctions, graph: GraphTransport, i: number): Promise<IDataObject[]> {
	const resource = context.getNodeParameter('resource', i) as string;
	const operation = context.getNodeParameter('operation', i) as string;
	const read = (name: string, fallback: unknown, options?: { extractValue?: boolean }) =>
		context.getNodeParameter(name, i, fallback, options);
	const limit = () => (context.getNodeParameter('returnAll', i, true) ? undefined : (context.getNodeParameter('limit', i, 50) as number));

	if (resource === 'group') {
		const nameStartsWith = context.getNodeParameter('nameStartsWith', i, '') as string;
		return (await listGroups(graph, { nameStartsWith, limit: limit() })) as IDataObject[];
	}

	if (operation === 'getAll') {
		const scope = readUserScope(read);
		const { rawFilter } = context.getNodeParameter('options', i, {}) as { rawFilter?: string };
		return (await listUsers(graph, { ...scope, rawFilter, limit: limit() })) as IDataObject[];
	}

	if (operation === 'getChanges') {
		const scope = readUserScope(read);
		const delta = await readUserDelta(graph, {
			select: [...scope.select, ...filterAttributes(scope.filters)],
			deltaLink: (context.getNodeParameter('deltaLink', i, '') as string).trim() || undefined,
			startFromNow: context.getNodeParameter('startFromNow', i, false) as boolean,
		});
		const members = scope.group ? await listGroupMemberIds(graph, scope.group) : undefined;
		const meta: IDataObject = { deltaLink: delta.deltaLink, fullResync: delta.fullResync };
		if (delta.resyncReason) meta.resyncReason = delta.resyncReason;
		return scopeDelta(delta, scope.filters, members).map((entry) => ({ ...entry, _delta: meta }) as IDataObject);
	}

	const userId = context.getNodeParameter('userId', i) as string;
	if (operation === 'get') {
		const { select } = readUserScope(read);
		return [(await getUser(graph, userId, select)) as IDataObject];
	}

	if (operation === 'update') {
		const changes = buildUpdateBody(context.getNodeParameter('updateFields', i, {}) as IDataObject);
		await updateUser(graph, userId, changes);
		return [{ id: userId, updated: Object.keys(changes) }];
	}

	throw new NodeOperationError(context.getNode(), `Unsupported operation "${resource}: ${operation}".`, { itemIndex: i });
}
