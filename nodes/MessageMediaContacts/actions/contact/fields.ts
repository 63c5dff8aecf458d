import type {
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeProperties,
	ResourceMapperField,
	ResourceMapperFields,
	ResourceMapperValue,
} from 'n8n-workflow';

import { ConfigurationError } from '../../../../lib/common/errors';
import type { ContactInput } from '../../../../lib/messagemedia/contact-request';
import type { SubscriptionState } from '../../../../lib/messagemedia/types';
import { isEmptyPlaceholder } from '../../../../lib/types';
import { toNodeError } from '../../../helpers/errors';
import { getMessageMediaClient } from '../../../helpers/messagemedia';

/** Resource mapper ids of custom fields: `customField:<merge tag>` (merge tags cannot change, labels can). */
export const CUSTOM_FIELD_PREFIX = 'customField:';

const TEXT_FIELDS: Array<{ id: keyof ContactInput; displayName: string }> = [
	{ id: 'firstName', displayName: 'First Name' },
	{ id: 'lastName', displayName: 'Last Name' },
	{ id: 'alias', displayName: 'Alias' },
	{ id: 'country', displayName: 'Country' },
	{ id: 'state', displayName: 'State' },
	{ id: 'location', displayName: 'Location' },
	{ id: 'note', displayName: 'Note' },
	{ id: 'dateOfBirth', displayName: 'Date of Birth (YYYY-MM-DD)' },
];

/** The `contactId` parameter of one operation. */
export function contactIdProperty(operation: string): INodeProperties {
	return {
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
		description: 'ID (UUID) of the MessageMedia contact',
		displayOptions: { show: { resource: ['contact'], operation: [operation] } },
	};
}

export const contactFieldsProperty: INodeProperties = {
	displayName: 'Contact Fields',
	name: 'contactFields',
	type: 'resourceMapper',
	noDataExpression: true,
	default: { mappingMode: 'defineBelow', value: null },
	required: true,
	typeOptions: {
		loadOptionsDependsOn: ['operation'],
		resourceMapper: {
			resourceMapperMethod: 'getContactFields',
			mode: 'add',
			fieldWords: { singular: 'field', plural: 'fields' },
			addAllFields: false,
			multiKeyMatch: false,
			supportAutoMap: true,
		},
	},
	description:
		'Contact values. Phone is the SMS channel in E.164 form (+61491570156). Empty values are not sent. The SMS subscription state changes only when you add and set that field.',
	displayOptions: { show: { resource: ['contact'], operation: ['create', 'update'] } },
};

/** `methods.resourceMapping.getContactFields`: the contact attributes plus the account's custom fields. */
export async function getContactFields(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	const creating = this.getCurrentNodeParameter('operation') === 'create';
	let customFields;
	try {
		customFields = await (await getMessageMediaClient.call(this)).listCustomFields();
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
	const base = {
		defaultMatch: false,
		canBeUsedToMatch: false,
		display: true,
		type: 'string' as const,
	};
	const fields: ResourceMapperField[] = [
		{ ...base, id: 'phone', displayName: 'Phone (E.164)', required: creating },
		...TEXT_FIELDS.map((field) => ({
			...base,
			id: field.id,
			displayName: field.displayName,
			required: false,
		})),
		{
			...base,
			id: 'subscriptionState',
			displayName: 'SMS Subscription State',
			required: false,
			removed: true,
			type: 'options',
			options: [
				{ name: 'Subscribed', value: 'SUBSCRIBED' },
				{ name: 'Unsubscribed', value: 'UNSUBSCRIBED' },
			],
		},
		...customFields.map((field) => ({
			...base,
			id: `${CUSTOM_FIELD_PREFIX}${field.mergeTag}`,
			displayName: `${field.label} (custom field)`,
			required: false,
		})),
	];
	return { fields };
}

function text(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	const out = typeof value === 'object' ? JSON.stringify(value) : String(value);
	return out.trim() === '' ? undefined : out.trim();
}

/**
 * The mapped values of item `itemIndex` as a ContactInput; undefined for n8n's empty placeholder item
 * when the mapping is automatic (nothing to map).
 */
export function readContactInput(
	context: IExecuteFunctions,
	itemIndex: number,
): ContactInput | undefined {
	const mapping = context.getNodeParameter('contactFields', itemIndex) as ResourceMapperValue;
	let values: IDataObject;
	if (mapping.mappingMode === 'autoMapInputData') {
		const json = context.getInputData()[itemIndex].json;
		if (isEmptyPlaceholder(json)) return undefined;
		const ids = new Set((mapping.schema ?? []).map((field) => field.id));
		values = Object.fromEntries(Object.entries(json).filter(([key]) => ids.has(key)));
	} else {
		values = (mapping.value ?? {}) as IDataObject;
	}

	const input: ContactInput = {};
	const customFields: Record<string, string> = {};
	for (const [key, raw] of Object.entries(values)) {
		const value = text(raw);
		if (value === undefined) continue;
		if (key.startsWith(CUSTOM_FIELD_PREFIX)) {
			// An own property whatever the merge tag (`constructor`, `__proto__`…).
			Object.defineProperty(customFields, key.slice(CUSTOM_FIELD_PREFIX.length), {
				value,
				enumerable: true,
				writable: true,
				configurable: true,
			});
		} else if (key === 'subscriptionState') {
			if (value !== 'SUBSCRIBED' && value !== 'UNSUBSCRIBED') {
				throw new ConfigurationError(
					`SMS subscription state must be SUBSCRIBED or UNSUBSCRIBED, not "${value}"`,
					'subscriptionState',
				);
			}
			input.subscriptionState = value as SubscriptionState;
		} else if (key === 'phone' || TEXT_FIELDS.some((field) => field.id === key)) {
			(input as Record<string, string>)[key] = value;
		}
	}
	if (Object.keys(customFields).length) input.customFields = customFields;
	return input;
}
