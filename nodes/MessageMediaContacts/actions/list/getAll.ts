import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import type { ListFilter, MessageMediaClient } from '../../../../lib/messagemedia/types';
import { forEachItem, pagingDescription, readPageOptions } from '../common';

export const description: INodeProperties[] = [
	...pagingDescription('list', 'getAll', 'lists'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add filter',
		default: {},
		displayOptions: { show: { resource: ['list'], operation: ['getAll'] } },
		options: [
			{
				displayName: 'Alias',
				name: 'alias',
				type: 'string',
				default: '',
				placeholder: 'e.g. sales-team',
				description: 'Only lists with this alias',
			},
			{
				displayName: 'Name',
				name: 'name',
				type: 'string',
				default: '',
				placeholder: 'e.g. Sales',
				description: 'Only lists with this name',
			},
		],
	},
];

export async function execute(
	this: IExecuteFunctions,
	client: MessageMediaClient,
): Promise<INodeExecutionData[]> {
	return await forEachItem(this, async (itemIndex) => {
		const filters = this.getNodeParameter('filters', itemIndex, {}) as {
			name?: string;
			alias?: string;
		};
		const filter: ListFilter = {};
		if (filters.name) filter.name = filters.name;
		if (filters.alias) filter.alias = filters.alias;
		return (await client.listLists(
			filter,
			readPageOptions(this, itemIndex),
		)) as unknown as IDataObject[];
	});
}
