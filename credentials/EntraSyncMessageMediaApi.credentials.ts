import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * MessageMedia (Sinch Engage) API key and secret for the Entra Sync nodes. Requests are signed by the
 * package's own transport (Basic, or the HMAC scheme of MessageMedia's SDKs, which has to cover the exact
 * body bytes), so the credential has no declarative `authenticate`; the Test button is node-based
 * (`testedBy` on MessageMedia Contacts) and calls `GET /api/v1/contacts/lists?pageSize=1` on the
 * configured base URL.
 */
export class EntraSyncMessageMediaApi implements ICredentialType {
	name = 'entraSyncMessageMediaApi';

	displayName = 'MessageMedia (Entra Sync) API';

	icon: Icon = {
		light: 'file:../icons/messagemedia.svg',
		dark: 'file:../icons/messagemedia.dark.svg',
	};

	documentationUrl = 'https://github.com/entra-sync/n8n-nodes-entra-sync#messagemedia-credential';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'API key from the MessageMedia (Sinch Engage) Hub, under API settings',
		},
		{
			displayName: 'API Secret',
			name: 'apiSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'API secret issued together with the key',
		},
		{
			displayName: 'Authentication Method',
			name: 'authMethod',
			type: 'options',
			options: [
				{
					name: 'Basic',
					value: 'basic',
					description: 'Send the key and secret as HTTP Basic credentials',
				},
				{
					name: 'HMAC Signature',
					value: 'hmac',
					description:
						"Sign every request with the secret (HMAC-SHA1, as MessageMedia's SDKs do); the secret never travels. Use it when the key is an HMAC key.",
				},
			],
			default: 'basic',
		},
		{
			displayName: 'Region',
			name: 'region',
			type: 'options',
			options: [
				{
					name: 'APAC',
					value: 'apac',
					description: 'https://au.app.api.sinch.com',
				},
				{
					name: 'Custom',
					value: 'custom',
					description: 'Another host: the legacy APAC host, a proxy, or a local test server',
				},
				{
					name: 'EU',
					value: 'eu',
					description: 'https://eu.app.api.sinch.com',
				},
			],
			default: 'apac',
			description: 'Where the MessageMedia account lives',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://api.messagemedia.com',
			required: true,
			displayOptions: { show: { region: ['custom'] } },
			description:
				"Base URL of the MessageMedia API, without a path. https://api.messagemedia.com is the legacy APAC host that MessageMedia's own tools still use. Must be https://; http:// is accepted only for loopback hosts (localhost, 127.0.0.1).",
		},
	];
}
