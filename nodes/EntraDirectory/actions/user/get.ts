import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { GraphTransport } from '../../../../lib/entra/graph';
import { getUser } from '../../../../lib/entra/users';
import { readItemScope } from '../common';

/** The user named by `userId` (shared with Update), with the scope's attributes. */
export async function execute(
	context: IExecuteFunctions,
	graph: GraphTransport,
	i: number,
): Promise<IDataObject[]> {
	const userId = context.getNodeParameter('userId', i) as string;
	const { select } = readItemScope(context, i);
	return [(await getUser(graph, userId, select)) as IDataObject];
}
