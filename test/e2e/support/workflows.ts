/**
 * The shipped templates, made runnable the way a user does it after importing one: choose the
 * credentials on our nodes. Nothing else is changed, so the e2e suite and the demo run the template
 * file itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CredentialSpec, Json } from './n8n';

export const PACKAGE_NAME = 'n8n-nodes-entra-sync';
export const ENTRA_CREDENTIAL = 'entraSyncEntraIdApi';
export const MESSAGEMEDIA_CREDENTIAL = 'entraSyncMessageMediaApi';

/** Which credential type each of our node types takes. */
const CREDENTIAL_OF_NODE: Record<string, string> = {
	[`${PACKAGE_NAME}.entraDirectory`]: ENTRA_CREDENTIAL,
	[`${PACKAGE_NAME}.entraDirectoryTrigger`]: ENTRA_CREDENTIAL,
	[`${PACKAGE_NAME}.entraDirectoryPushTrigger`]: ENTRA_CREDENTIAL,
	[`${PACKAGE_NAME}.messageMediaContacts`]: MESSAGEMEDIA_CREDENTIAL,
};

/** Names of the daily template's nodes the tests read. */
export const DAILY = {
	file: 'entra-sync.json',
	read: 'Read directory',
	mapper: 'Map to contacts',
	sync: 'Sync contacts',
	report: 'Run report',
} as const;

export const REALTIME = {
	file: 'entra-sync-realtime.json',
	trigger: 'Directory changes',
	mapper: 'Map to contacts',
	sync: 'Sync contacts',
	report: 'Run report',
} as const;

export const PUSH = {
	file: 'entra-sync-push.json',
	trigger: 'Directory changes',
	mapper: 'Map to contacts',
	sync: 'Sync contacts',
	report: 'Run report',
} as const;

export function loadTemplate(projectRoot: string, file: string): Json {
	return JSON.parse(readFileSync(join(projectRoot, 'templates', file), 'utf8')) as Json;
}

/**
 * A copy of the template with an id (n8n's CLI needs one to execute) and the given credentials
 * selected on every node of ours that takes them.
 */
export function withCredentials(
	template: Json,
	id: string,
	credentials: CredentialSpec[],
	name?: string,
): Json {
	const workflow = structuredClone(template);
	workflow.id = id;
	if (name) workflow.name = name;
	for (const node of workflow.nodes as Json[]) {
		const type = CREDENTIAL_OF_NODE[node.type as string];
		if (!type) continue;
		const credential = credentials.find((c) => c.type === type);
		if (!credential) throw new Error(`no ${type} credential given for node "${node.name}"`);
		node.credentials = { [type]: { id: credential.id, name: credential.name } };
	}
	return workflow;
}

/** Credentials that point our nodes at the fakes (`custom` cloud and region). */
export function fakeCredentials(
	fakesUrl: string,
	app: {
		tenantId: string;
		clientId: string;
		clientSecret?: string;
		certificate?: { privateKeyPem: string; thumbprint: string };
	},
	messagemedia: { apiKey: string; apiSecret: string; authMethod?: 'basic' | 'hmac' },
	ids: { entra: string; messagemedia: string },
): CredentialSpec[] {
	const entraAuth = app.certificate
		? {
				authMethod: 'certificate',
				certificatePrivateKey: app.certificate.privateKeyPem,
				certificateThumbprint: app.certificate.thumbprint,
			}
		: { authMethod: 'clientSecret', clientSecret: app.clientSecret ?? '' };
	return [
		{
			id: ids.entra,
			name: app.certificate ? 'Entra ID (fake tenant, certificate)' : 'Entra ID (fake tenant)',
			type: ENTRA_CREDENTIAL,
			data: {
				tenantId: app.tenantId,
				clientId: app.clientId,
				...entraAuth,
				cloud: 'custom',
				authorityHost: fakesUrl,
				graphBaseUrl: fakesUrl,
			},
		},
		{
			id: ids.messagemedia,
			name: 'MessageMedia (fake account)',
			type: MESSAGEMEDIA_CREDENTIAL,
			data: {
				apiKey: messagemedia.apiKey,
				apiSecret: messagemedia.apiSecret,
				authMethod: messagemedia.authMethod ?? 'basic',
				region: 'custom',
				baseUrl: fakesUrl,
			},
		},
	];
}
