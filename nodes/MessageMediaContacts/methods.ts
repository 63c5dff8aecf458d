import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { toNodeError } from '../helpers/errors';
import { getMessageMediaClient } from '../helpers/messagemedia';

/** `loadOptions.getLists`: the account's lists by name (value = list id). */
export async function getLists(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	try {
		const lists = await (await getMessageMediaClient.call(this)).listLists();
		return lists
			.map((list) => ({ name: list.name, value: list.id, description: list.alias || undefined }))
			.sort((a, b) => a.name.localeCompare(b.name));
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}
