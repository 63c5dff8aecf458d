import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { entraSyncEntraIdApiTest, searchGroups } from '../helpers/entra';
import { groupDescription } from './actions/group';
import { route } from './actions/router';
import { userDescription } from './actions/user';

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
		description:
			'Read users and groups from Microsoft Entra ID (app-only), incrementally with delta links',
		defaults: { name: 'Entra Directory' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'entraSyncEntraIdApi', required: true, testedBy: 'entraSyncEntraIdApiTest' },
		],
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
			...userDescription,
			...groupDescription,
		],
	};

	methods = {
		listSearch: { searchGroups },
		credentialTest: { entraSyncEntraIdApiTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this);
	}
}
