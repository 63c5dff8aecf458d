import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { ConfigurationError } from '../../../../lib/common/errors';
import type { MessageMediaClient } from '../../../../lib/messagemedia/types';
import { forEachItem } from '../common';

const show = { resource: ['list'], operation: ['create'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Sales',
		description: 'Name of the new list (group)',
		displayOptions: { show },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Alias',
				name: 'alias',
				type: 'string',
				default: '',
				placeholder: 'e.g. sales-team',
				description: 'Alias of the list',
			},
		],
	},
];

export async function execute(
	this: IExecuteFunctions,
	client: MessageMediaClient,
): Promise<INodeExecutionData[]> {
	return await forEachItem(this, async (itemIndex) => {
		const name = String(this.getNodeParameter('name', itemIndex, '')).trim();
		if (!name) throw new ConfigurationError('The list needs a name', 'name');
		const options = this.getNodeParameter('options', itemIndex, {}) as { alias?: string };
		const body: { name: string; alias?: string } = { name };
		if (options.alias) body.alias = options.alias;
		return (await client.createList(body)) as unknown as IDataObject;
	});
}
