/**
 * n8n glue for Entra ID: credential → lib config, the parameters both Entra nodes share, and
 * readers for them. All directory logic lives in lib/entra.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	IHookFunctions,
	ILoadOptionsFunctions,
	INodeCredentialTestResult,
	INodeListSearchResult,
	INodeProperties,
	IPollFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';

import { ConfigurationError, ServiceApiError } from '../../lib/common/errors';
import { resolveEntraConfig } from '../../lib/entra/config';
import type { EntraConfig, EntraCredentialFields } from '../../lib/entra/config';
import { checkConnection } from '../../lib/entra/connection';
import { GraphTransport } from '../../lib/entra/graph';
import { searchGroupsPage } from '../../lib/entra/groups';
import { FILTER_OPERATORS } from '../../lib/entra/odata';
import type { AttributeFilter, FilterOperator } from '../../lib/entra/odata';
import { DEFAULT_USER_ATTRIBUTES } from '../../lib/entra/users';
import type { GroupMembership, GroupScope } from '../../lib/entra/users';

export const ENTRA_CREDENTIAL_TYPE = 'entraSyncEntraIdApi';

type EntraContext =
	| IExecuteFunctions
	| IPollFunctions
	| ILoadOptionsFunctions
	| IHookFunctions
	| IWebhookFunctions;

export function entraConfigFromCredentials(data: ICredentialDataDecryptedObject): EntraConfig {
	return resolveEntraConfig(data as unknown as EntraCredentialFields);
}

export async function getGraphTransport(context: EntraContext): Promise<GraphTransport> {
	const data = await context.getCredentials(ENTRA_CREDENTIAL_TYPE);
	return new GraphTransport(entraConfigFromCredentials(data));
}

/** Credential test (`testedBy`): token + one user read; messages name the AADSTS code or the missing consent. */
export async function testEntraCredential(
	data: ICredentialDataDecryptedObject,
): Promise<INodeCredentialTestResult> {
	try {
		const graph = new GraphTransport(entraConfigFromCredentials(data));
		return { status: 'OK', message: await checkConnection(graph) };
	} catch (error) {
		if (error instanceof ServiceApiError) {
			const message =
				error.service === 'graph' && error.status === 403
					? `The token works, but Microsoft Graph denied reading users (${error.code ?? 'HTTP 403'}): grant the User.Read.All application permission and admin consent.`
					: [error.message, error.hint].filter(Boolean).join(' ');
			return { status: 'Error', message };
		}
		if (error instanceof ConfigurationError) return { status: 'Error', message: error.message };
		return { status: 'Error', message: 'The credential test failed unexpectedly.' };
	}
}

/** `methods.credentialTest.entraSyncEntraIdApiTest` of both Entra nodes. */
export async function entraSyncEntraIdApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
): Promise<INodeCredentialTestResult> {
	return await testEntraCredential(credential.data ?? {});
}

/** listSearch for the group picker: display-name prefix, paged by nextLink. */
export async function searchGroups(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const graph = await getGraphTransport(this);
	const page = await searchGroupsPage(graph, filter, paginationToken);
	return {
		results: page.value.map((group) => ({
			name: group.mail
				? `${group.displayName ?? group.id} (${group.mail})`
				: (group.displayName ?? group.id),
			value: group.id,
		})),
		paginationToken: page.nextLink,
	};
}

const OPERATOR_NAMES: Record<FilterOperator, string> = {
	endsWith: 'Ends With',
	equals: 'Equals',
	in: 'In (Comma-Separated List)',
	isEmpty: 'Is Empty',
	isNotEmpty: 'Is Not Empty',
	notEquals: 'Not Equals',
	startsWith: 'Starts With',
};

/** Parameters shared by Entra Directory (user reads) and Entra Directory Trigger. */
export function userScopeProperties(show?: Record<string, string[]>): INodeProperties[] {
	const displayOptions = show ? { show } : undefined;
	return [
		{
			displayName: 'Attributes',
			name: 'attributes',
			type: 'multiOptions',
			options: [...DEFAULT_USER_ATTRIBUTES]
				.filter((a) => a !== 'id')
				.sort()
				.map((a) => ({ name: a, value: a })),
			default: [
				'accountEnabled',
				'businessPhones',
				'department',
				'displayName',
				'givenName',
				'jobTitle',
				'mail',
				'mobilePhone',
				'surname',
				'usageLocation',
				'userPrincipalName',
			],
			description: 'User attributes to read ($select). The object ID is always included.',
			displayOptions,
		},
		{
			displayName: 'Extra Attributes',
			name: 'extraAttributes',
			type: 'string',
			default: '',
			placeholder: 'employeeId, onPremisesSyncEnabled, extension_<appId>_costCenter',
			description:
				'More attributes, comma-separated: any user property, including directory extension attributes (extension_&lt;appIdWithoutDashes&gt;_&lt;name&gt;)',
			displayOptions,
		},
		{
			displayName: 'Filters',
			name: 'filters',
			type: 'fixedCollection',
			placeholder: 'Add Condition',
			typeOptions: { multipleValues: true },
			default: {},
			description: 'Only users matching all conditions',
			displayOptions,
			options: [
				{
					displayName: 'Condition',
					name: 'conditions',
					values: [
						{
							displayName: 'Attribute',
							name: 'attribute',
							type: 'string',
							default: '',
							placeholder: 'e.g. department',
						},
						{
							displayName: 'Operator',
							name: 'operator',
							type: 'options',
							options: [...FILTER_OPERATORS]
								.sort((a, b) => OPERATOR_NAMES[a].localeCompare(OPERATOR_NAMES[b]))
								.map((op) => ({ name: OPERATOR_NAMES[op], value: op })),
							default: 'equals',
						},
						{
							displayName: 'Value',
							name: 'value',
							type: 'string',
							default: '',
							placeholder: 'e.g. Sales (or Sales, Support for In)',
							displayOptions: { hide: { operator: ['isEmpty', 'isNotEmpty'] } },
						},
					],
				},
			],
		},
		{
			displayName: 'Group Scope',
			name: 'groupScope',
			type: 'resourceLocator',
			default: { mode: 'list', value: '' },
			description: 'Only members of this group (leave empty for all users)',
			hint: 'Search by the start of the group name, e.g. "Sales", or paste its object ID with By ID',
			displayOptions,
			modes: [
				{
					displayName: 'From List',
					name: 'list',
					type: 'list',
					typeOptions: { searchListMethod: 'searchGroups', searchable: true },
				},
				{
					displayName: 'By ID',
					name: 'id',
					type: 'string',
					placeholder: '00000000-0000-0000-0000-000000000000',
					validation: [
						{
							type: 'regex',
							properties: {
								regex:
									'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
								errorMessage: 'Enter a group object ID (GUID)',
							},
						},
					],
				},
			],
		},
		{
			displayName: 'Membership',
			name: 'membership',
			type: 'options',
			options: [
				{ name: 'Direct Members', value: 'direct' },
				{ name: 'Transitive (Include Nested Groups)', value: 'transitive' },
			],
			default: 'transitive',
			description: 'Whether members of nested groups count (used only with a group scope)',
			displayOptions,
		},
	];
}

type ParamReader = (
	name: string,
	fallback: unknown,
	options?: { extractValue?: boolean },
) => unknown;

/** Reads the shared scope parameters through a getNodeParameter bound to the item (or the poll). */
export function readUserScope(read: ParamReader): {
	select: string[];
	filters: AttributeFilter[];
	group?: GroupScope;
} {
	const attributes = (read('attributes', []) as string[]) ?? [];
	const extra = String(read('extraAttributes', '') ?? '')
		.split(',')
		.map((a) => a.trim())
		.filter(Boolean);
	const rows = ((read('filters.conditions', []) as AttributeFilter[]) ?? []).map((row) => ({
		attribute: String(row.attribute ?? ''),
		operator: row.operator,
		value: row.value === undefined ? undefined : String(row.value),
	}));
	for (const row of rows) {
		if (!row.attribute.trim())
			throw new ConfigurationError('Every filter condition needs an attribute.', 'filters');
	}
	// The locator's value is taken here, not with n8n's extractValue: n8n refuses extractValue for a
	// parameter the operation does not show (Entra Directory → User → Get has no group scope).
	const locator = read('groupScope', '');
	const groupId = String(
		(locator !== null && typeof locator === 'object'
			? (locator as { value?: unknown }).value
			: locator) ?? '',
	).trim();
	const membership = (read('membership', 'transitive') as GroupMembership) ?? 'transitive';
	return {
		select: [...attributes, ...extra],
		filters: rows,
		group: groupId ? { groupId, membership } : undefined,
	};
}
