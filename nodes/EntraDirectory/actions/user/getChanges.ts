import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { readUserDelta } from '../../../../lib/entra/delta';
import type { GraphTransport } from '../../../../lib/entra/graph';
import { filterAttributes } from '../../../../lib/entra/odata';
import { scopeDelta } from '../../../../lib/entra/poll';
import { listGroupMemberIds } from '../../../../lib/entra/users';
import { readItemScope } from '../common';

export const description: INodeProperties[] = [
	{
		displayName: 'Delta Link',
		name: 'deltaLink',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json._delta.deltaLink }}',
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
];

/** One delta round; every item carries the round's delta link under `_delta`. */
export async function execute(
	context: IExecuteFunctions,
	graph: GraphTransport,
	i: number,
): Promise<IDataObject[]> {
	const scope = readItemScope(context, i);
	const delta = await readUserDelta(graph, {
		select: [...scope.select, ...filterAttributes(scope.filters)],
		deltaLink: (context.getNodeParameter('deltaLink', i, '') as string).trim() || undefined,
		startFromNow: context.getNodeParameter('startFromNow', i, false) as boolean,
	});
	const members = scope.group ? await listGroupMemberIds(graph, scope.group) : undefined;
	const meta: IDataObject = { deltaLink: delta.deltaLink, fullResync: delta.fullResync };
	if (delta.resyncReason) meta.resyncReason = delta.resyncReason;
	return scopeDelta(delta, scope.filters, members).map(
		(entry) => ({ ...entry, _delta: meta }) as IDataObject,
	);
}
