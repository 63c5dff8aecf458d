import type { IDataObject, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { pollDirectory } from '../../lib/entra/poll';
import {
	entraSyncEntraIdApiTest,
	getGraphTransport,
	readUserScope,
	searchGroups,
	userScopeProperties,
} from '../helpers/entra';
import { toNodeError } from '../helpers/errors';

/** Users shown by "Fetch Test Event". */
const SAMPLE_SIZE = 5;

/**
 * Polls `/users/delta` and emits one item per user created, changed or removed in scope since the
 * last poll. The cursor (delta link, scope hash, group member ids) lives in the node's static data
 * and only advances once the items of a poll are built.
 */
export class EntraDirectoryTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Entra Directory Trigger',
		name: 'entraDirectoryTrigger',
		icon: { light: 'file:entraDirectoryTrigger.svg', dark: 'file:entraDirectoryTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["emitExisting"] ? "All users, then changes" : "Changes from activation"}}',
		description: 'Starts the workflow when users in Microsoft Entra ID are created, changed or removed',
		defaults: { name: 'Entra Directory Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'entraSyncEntraIdApi', required: true, testedBy: 'entraSyncEntraIdApiTest' }],
		properties: [
			...userScopeProperties(),
			{
				displayName: 'Emit Existing Users on First Poll',
				name: 'emitExisting',
				type: 'boolean',
				default: false,
				description:
					'Whether the first poll after activation (or after the scope changed) emits every user in scope. Off: start from now and emit only later changes.',
			},
		],
	};

	methods = { listSearch: { searchGroups }, credentialTest: { entraSyncEntraIdApiTest } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const staticData = this.getWorkflowStaticData('node') as IDataObject;
		try {
			const read = (name: string, fallback: unknown, options?: { extractValue?: boolean }) =>
				this.getNodeParameter(name, fallback, options);
			const scope = readUserScope(read);
			const graph = await getGraphTransport(this);
			const result = await pollDirectory(graph, {
				scope,
				emitExisting: this.getNodeParameter('emitExisting', false) as boolean,
				stored: { ...staticData },
				manual: this.getMode() === 'manual',
				sampleSize: SAMPLE_SIZE,
			});
			const items = this.helpers.returnJsonArray(result.items as unknown as IDataObject[]);
			if (result.cursor) {
				for (const key of Object.keys(staticData)) delete staticData[key];
				Object.assign(staticData, result.cursor);
				if (!result.cursor.memberIds) delete staticData.memberIds;
			}
			return items.length ? [items] : null;
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
	}
}
