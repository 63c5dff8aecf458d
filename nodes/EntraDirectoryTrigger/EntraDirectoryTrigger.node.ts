import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
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
 * last poll (and, for the replay window, again on the next polls: see lib/entra/poll.ts). The cursor
 * (delta links, scope hash, group member ids) lives in the node's static data and only advances once
 * the items of a poll are built.
 */
export class EntraDirectoryTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Entra Directory Trigger',
		name: 'entraDirectoryTrigger',
		icon: { light: 'file:entraDirectoryTrigger.svg', dark: 'file:entraDirectoryTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{$parameter["emitExisting"] ? "All users, then changes" : "Changes from activation"}}',
		description:
			'Starts the workflow when users in Microsoft Entra ID are created, changed or removed',
		defaults: { name: 'Entra Directory Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'entraSyncEntraIdApi', required: true, testedBy: 'entraSyncEntraIdApiTest' },
		],
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
			{
				displayName: 'Replay Window (Polls)',
				name: 'replayPolls',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 100 },
				default: 5,
				description:
					'On how many consecutive polls each change is emitted. A change whose run failed (MessageMedia unavailable, a worker lost) arrives with a later run, as long as the service is back within this many polls; the sync writes only differences, so a change that already arrived costs reads, not writes. 1 = emit each change once.',
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
				replayPolls: this.getNodeParameter('replayPolls', 5) as number,
			});
			const items = this.helpers.returnJsonArray(result.items as unknown as IDataObject[]);
			if (result.cursor) {
				for (const key of Object.keys(staticData)) delete staticData[key];
				Object.assign(staticData, result.cursor);
				if (!result.cursor.memberIds) delete staticData.memberIds;
				if (!result.cursor.replay) delete staticData.replay;
			}
			return items.length ? [items] : null;
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
	}
}
