import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import type { MapUser, RuleValues } from '../../lib/mapping';
import { compileMapper, isRejected } from '../../lib/mapping';
import { errorItemJson, toNodeError } from '../helpers/errors';
import { readConfiguration } from './configuration';
import { contactMapperProperties } from './description';

/**
 * Maps Entra users (or delta entries) to contacts with the lib/mapping engine. The parameters are in
 * description.ts; configuration.ts reads them into the engine's configuration.
 */
export class ContactMapper implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Contact Mapper',
		name: 'contactMapper',
		icon: { light: 'file:contactMapper.svg', dark: 'file:contactMapper.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{$parameter["configurationMode"] === "json" ? "JSON configuration" : "Form configuration"}}',
		description:
			'Turn Entra ID users into MessageMedia contacts: scope filters, E.164 phone numbers, name splitting, lists, with rejected users and reasons on a second output',
		defaults: {
			name: 'Contact Mapper',
		},
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Contacts', 'Rejected'],
		properties: contactMapperProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const contacts: INodeExecutionData[] = [];
		const rejected: INodeExecutionData[] = [];
		if (items.length === 0) return [contacts, rejected];

		let mapUser: MapUser;
		let expressionRows: number[];
		try {
			const read = readConfiguration(this);
			expressionRows = read.expressionRows;
			mapUser = compileMapper(read.config);
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this.getNode(), error);
			return [
				contacts,
				items.map((_, i) => ({ json: errorItemJson(error), pairedItem: { item: i } })),
			];
		}

		const truncatedFields = new Map<string, number>();
		for (let i = 0; i < items.length; i++) {
			try {
				let values: RuleValues | undefined;
				if (expressionRows.length > 0) {
					values = new Map(
						expressionRows.map((row) => [
							row,
							this.getNodeParameter(`mapping.rows[${row}].source`, i),
						]),
					);
				}
				const result = mapUser(items[i].json, values);
				if (result === null) continue;
				if (isRejected(result)) {
					rejected.push({ json: result as unknown as IDataObject, pairedItem: { item: i } });
					continue;
				}
				for (const field of result.truncated ?? [])
					truncatedFields.set(field, (truncatedFields.get(field) ?? 0) + 1);
				contacts.push({ json: result as unknown as IDataObject, pairedItem: { item: i } });
			} catch (error) {
				if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
				rejected.push({ json: errorItemJson(error), pairedItem: { item: i } });
			}
		}

		if (truncatedFields.size > 0) {
			const counts = [...truncatedFields].map(([field, count]) => `${field} ×${count}`).join(', ');
			this.addExecutionHints({
				message: `Some values were cut to fit MessageMedia's length limits (${counts}); see "truncated" on the items`,
				type: 'warning',
				location: 'outputPane',
			});
		}
		return [contacts, rejected];
	}
}
