import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { ConfigurationError } from '../../../lib/common/errors';
import type { CustomField, MessageMediaClient, PageOptions } from '../../../lib/messagemedia/types';
import { errorItemJson, toNodeError } from '../../helpers/errors';
import { returnAllAndLimit } from '../../helpers/paging';

/** Signature of every operation except Sync: one client for the run, items in, items out (first output). */
export type OperationExecute = (
	this: IExecuteFunctions,
	client: MessageMediaClient,
) => Promise<INodeExecutionData[]>;

/** The account's custom fields, fetched at most once per execution and only when first needed. */
export function customFieldsOnce(client: MessageMediaClient): () => Promise<CustomField[]> {
	let pending: Promise<CustomField[]> | undefined;
	return async () => await (pending ??= client.listCustomFields());
}

/**
 * Runs `run` for each input item: results become items paired with that input; a failure becomes an
 * error item (continueOnFail) or an n8n error carrying the item index.
 */
export async function forEachItem(
	context: IExecuteFunctions,
	run: (itemIndex: number) => Promise<IDataObject | IDataObject[] | undefined>,
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	const items = context.getInputData();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const result = await run(itemIndex);
			if (result === undefined) continue;
			for (const json of Array.isArray(result) ? result : [result])
				out.push({ json, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (context.continueOnFail()) {
				out.push({ json: errorItemJson(error), pairedItem: { item: itemIndex } });
				continue;
			}
			throw toNodeError(context.getNode(), error, itemIndex);
		}
	}
	return out;
}

/** `returnAll`, `limit` and `options.pageSize` for a Get Many operation. */
export function pagingDescription(
	resource: string,
	operation: string,
	noun: string,
): INodeProperties[] {
	const show = { resource: [resource], operation: [operation] };
	return [
		...returnAllAndLimit(show, false),
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add option',
			default: {},
			displayOptions: { show },
			options: [
				{
					displayName: 'Page Size',
					name: 'pageSize',
					type: 'number',
					typeOptions: { minValue: 1, maxValue: 1000 },
					default: 1000,
					description: `How many ${noun} to fetch per request (the API allows at most 1000)`,
				},
			],
		},
	];
}

export function readPageOptions(context: IExecuteFunctions, itemIndex: number): PageOptions {
	const returnAll = context.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const options = context.getNodeParameter('options', itemIndex, {}) as { pageSize?: number };
	const page: PageOptions = {};
	if (options.pageSize !== undefined) page.pageSize = options.pageSize;
	if (!returnAll) page.limit = context.getNodeParameter('limit', itemIndex, 50) as number;
	return page;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids from a parameter that may hold one id, a comma/newline-separated string or (through an expression)
 * an array. Each must be a UUID, as every MessageMedia id is.
 */
export function parseIds(value: unknown, key: string): string[] {
	const raw = Array.isArray(value)
		? value.map(String)
		: typeof value === 'string'
			? value.split(/[\s,;]+/)
			: [];
	const ids = raw.map((id) => id.trim()).filter((id) => id !== '');
	const bad = ids.find((id) => !UUID.test(id));
	if (bad !== undefined)
		throw new ConfigurationError(`"${bad}" is not a MessageMedia id (a UUID)`, key);
	return ids;
}

/** Exactly one MessageMedia id. */
export function parseId(value: unknown, key: string): string {
	const ids = parseIds(value, key);
	if (ids.length !== 1)
		throw new ConfigurationError(ids.length ? 'Give exactly one ID' : 'The ID is empty', key);
	return ids[0];
}

/** Phone numbers from a comma/newline-separated string or an array. */
export function parsePhones(value: unknown): string[] {
	const raw = Array.isArray(value)
		? value.map(String)
		: typeof value === 'string'
			? value.split(/[\s,;]+/)
			: [];
	return raw.map((phone) => phone.trim()).filter((phone) => phone !== '');
}
