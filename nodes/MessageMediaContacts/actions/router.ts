import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { MessageMediaClient } from '../../../lib/messagemedia/types';
import { toNodeError } from '../../helpers/errors';
import { getMessageMediaClient } from '../../helpers/messagemedia';
import type { OperationExecute } from './common';
import { contactOperations } from './contact';
import { executeSync } from './contact/sync';
import { customFieldOperations } from './customField';
import { listOperations } from './list';

const OPERATIONS: Record<string, Record<string, OperationExecute>> = {
	contact: contactOperations,
	customField: customFieldOperations,
	list: listOperations,
};

/**
 * Output layout: Contact → Sync has two outputs (0 = per-contact outcomes, 1 = run summary); every other
 * operation returns its items on the single output 0. Matches `outputs` in the node description.
 */
export async function route(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;

	let client: MessageMediaClient;
	try {
		client = await getMessageMediaClient.call(this);
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}

	if (resource === 'contact' && operation === 'sync') return await executeSync.call(this, client);

	const execute = OPERATIONS[resource]?.[operation];
	if (!execute) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operation}" is not known for the resource "${resource}"`,
		);
	}
	return [await execute.call(this, client)];
}
