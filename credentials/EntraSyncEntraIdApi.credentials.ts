import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * App-only (client credentials) access to Microsoft Graph for one Entra ID tenant. The token is
 * obtained by msal-node inside the nodes (lib/entra/token.ts), so the credential only holds the
 * settings; it is tested through the Entra Directory node (`testedBy`), which gets a token and
 * reads one user.
 */
export class EntraSyncEntraIdApi implements ICredentialType {
	name = 'entraSyncEntraIdApi';

	displayName = 'Microsoft Entra ID (Entra Sync) API';

	icon: Icon = { light: 'file:../icons/entra.svg', dark: 'file:../icons/entra.dark.svg' };

	documentationUrl =
		'https://learn.microsoft.com/en-us/entra/identity-platform/quickstart-register-app';

	properties: INodeProperties[] = [
		{
			displayName:
				'Register an app in Entra ID, add the Microsoft Graph <b>application</b> permission User.Read.All (GroupMember.Read.All for group scoping, User.ReadWrite.All for updates) and grant admin consent.',
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Tenant ID',
			name: 'tenantId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '00000000-0000-0000-0000-000000000000',
			description:
				'Directory (tenant) ID of the app registration, or a verified domain such as contoso.onmicrosoft.com. "common" and "organizations" do not work with client credentials.',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '00000000-0000-0000-0000-000000000000',
			description: 'Application (client) ID of the app registration',
		},
		{
			displayName: 'Authentication',
			name: 'authMethod',
			type: 'options',
			options: [
				{ name: 'Certificate', value: 'certificate' },
				{ name: 'Client Secret', value: 'clientSecret' },
			],
			default: 'clientSecret',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The secret value (not the secret ID) from Certificates & secrets',
			displayOptions: { show: { authMethod: ['clientSecret'] } },
		},
		{
			displayName: 'Certificate Private Key',
			name: 'certificatePrivateKey',
			type: 'string',
			typeOptions: { password: true, rows: 4 },
			default: '',
			required: true,
			placeholder: '-----BEGIN PRIVATE KEY-----',
			description:
				'Unencrypted PEM private key of the certificate uploaded to the app registration',
			displayOptions: { show: { authMethod: ['certificate'] } },
		},
		{
			displayName: 'Certificate Thumbprint',
			name: 'certificateThumbprint',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Hex thumbprint of the certificate as shown in the app registration: SHA-1 (40 characters) or SHA-256 (64 characters)',
			displayOptions: { show: { authMethod: ['certificate'] } },
		},
		{
			displayName: 'Cloud',
			name: 'cloud',
			type: 'options',
			options: [
				{ name: 'China (21Vianet)', value: 'china' },
				{
					name: 'Custom',
					value: 'custom',
					description: 'Own token and Graph endpoints (proxies, test fakes)',
				},
				{ name: 'Global', value: 'global' },
				{ name: 'US Government (GCC High)', value: 'usGov' },
				{ name: 'US Government DoD', value: 'usGovDod' },
			],
			default: 'global',
			description: 'The national cloud your tenant lives in',
		},
		{
			displayName: 'Authority Host',
			name: 'authorityHost',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://login.microsoftonline.com',
			description:
				'Token service host; tokens are requested from <host>/<tenant>/oauth2/v2.0/token. HTTPS, or http:// for localhost only.',
			displayOptions: { show: { cloud: ['custom'] } },
		},
		{
			displayName: 'Graph Base URL',
			name: 'graphBaseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://graph.microsoft.com',
			description: 'Microsoft Graph root, without /v1.0. HTTPS, or http:// for localhost only.',
			displayOptions: { show: { cloud: ['custom'] } },
		},
	];
}
