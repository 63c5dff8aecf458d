import type { INodeProperties } from 'n8n-workflow';

/** `returnAll` and `limit` of a Get Many operation, shown for `show`. */
export function returnAllAndLimit(
	show: Record<string, string[]>,
	returnAllByDefault: boolean,
): INodeProperties[] {
	const returnAll: INodeProperties = {
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: { show },
	};
	return [
		{ ...returnAll, default: returnAllByDefault },
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			description: 'Max number of results to return',
			displayOptions: { show: { ...show, returnAll: [false] } },
		},
	];
}
