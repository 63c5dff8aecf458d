import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { GraphTransport } from '../../../../lib/entra/graph';
import { listGroups } from '../../../../lib/entra/groups';
import { readLimit } from '../common';
import { returnAllAndLimit } from '../../../helpers/paging';

const show = { resource: ['group'], operation: ['getAll'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Name Starts With',
		name: 'nameStartsWith',
		type: 'string',
		default: '',
		placeholder: 'e.g. Sales',
		description: 'Only groups whose display name starts with this text',
		displayOptions: { show },
	},
	...returnAllAndLimit(show, true),
];

export async function execute(
	context: IExecuteFunctions,
	graph: GraphTransport,
	i: number,
): Promise<IDataObject[]> {
	const nameStartsWith = context.getNodeParameter('nameStartsWith', i, '') as string;
	return (await listGroups(graph, {
		nameStartsWith,
		limit: readLimit(context, i),
	})) as IDataObject[];
}
