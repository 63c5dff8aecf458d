import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { GraphTransport } from '../../../lib/entra/graph';
import { readUserScope } from '../../helpers/entra';

/** Signature of every operation: the run's Graph transport, one input item in, its output items out. */
export type OperationExecute = (
	context: IExecuteFunctions,
	graph: GraphTransport,
	itemIndex: number,
) => Promise<IDataObject[]>;

/** The shared user scope (attributes, filters, group) of the item. */
export function readItemScope(
	context: IExecuteFunctions,
	itemIndex: number,
): ReturnType<typeof readUserScope> {
	return readUserScope((name, fallback, options) =>
		context.getNodeParameter(name, itemIndex, fallback, options),
	);
}

/** `limit` unless Return All is on (then undefined: every page). */
export function readLimit(context: IExecuteFunctions, itemIndex: number): number | undefined {
	return context.getNodeParameter('returnAll', itemIndex, true)
		? undefined
		: (context.getNodeParameter('limit', itemIndex, 50) as number);
}
