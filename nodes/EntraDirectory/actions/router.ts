import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { GraphTransport } from '../../../lib/entra/graph';
import { getGraphTransport } from '../../helpers/entra';
import { errorItemJson, toNodeError } from '../../helpers/errors';
import type { OperationExecute } from './common';
import { groupOperations } from './group';
import { userOperations } from './user';

const OPERATIONS: Record<string, Record<string, OperationExecute>> = {
	group: groupOperations,
	user: userOperations,
};

/**
 * Runs the item's resource/operation for each input item on one Graph transport (created at the first
 * item, so a credential problem is that item's error); results are paired with their input item.
 */
export async function route(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const output: INodeExecutionData[] = [];
	let graph: GraphTransport | undefined;
	for (let i = 0; i < items.length; i++) {
		try {
			graph ??= await getGraphTransport(this);
			const resource = this.getNodeParameter('resource', i) as string;
			const operation = this.getNodeParameter('operation', i) as string;
			const execute = OPERATIONS[resource]?.[operation];
			if (!execute) {
				throw new NodeOperationError(
					this.getNode(),
					`Unsupported operation "${resource}: ${operation}".`,
					{ itemIndex: i },
				);
			}
			for (const json of await execute(this, graph, i))
				output.push({ json, pairedItem: { item: i } });
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
