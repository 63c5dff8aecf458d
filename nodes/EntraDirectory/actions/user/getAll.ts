import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { GraphTransport } from '../../../../lib/entra/graph';
import { listUsers } from '../../../../lib/entra/users';
import { readItemScope, readLimit } from '../common';
import { returnAllAndLimit } from '../../../helpers/paging';

const show = { resource: ['user'], operation: ['getAll'] };

export const description: INodeProperties[] = [
	...returnAllAndLimit(show, true),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
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
];

export async function execute(
	context: IExecuteFunctions,
	graph: GraphTransport,
	i: number,
): Promise<IDataObject[]> {
	const scope = readItemScope(context, i);
	const { rawFilter } = context.getNodeParameter('options', i, {}) as { rawFilter?: string };
	return (await listUsers(graph, {
		...scope,
		rawFilter,
		limit: readLimit(context, i),
	})) as IDataObject[];
}
