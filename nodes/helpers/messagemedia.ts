import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import {
	checkMessageMediaCredentials,
	createMessageMediaClient,
} from '../../lib/messagemedia/client';
import type { MessageMediaClient } from '../../lib/messagemedia/types';

/** Credential type name: stored in every workflow that uses it, so it never changes. */
export const MESSAGEMEDIA_CREDENTIAL_TYPE = 'entraSyncMessageMediaApi';

/**
 * The MessageMedia client for this execution, built from the `entraSyncMessageMediaApi` credential
 * (fields validated in lib/messagemedia/config.ts; a bad field throws ConfigurationError naming it).
 * Requests go through lib's transport rather than n8n's request helpers because an HMAC signature has
 * to cover the exact body bytes and request line that are sent.
 */
export async function getMessageMediaClient(
	this: IExecuteFunctions | ILoadOptionsFunctions,
): Promise<MessageMediaClient> {
	const credentials: ICredentialDataDecryptedObject = await this.getCredentials(
		MESSAGEMEDIA_CREDENTIAL_TYPE,
	);
	return createMessageMediaClient(credentials);
}

/**
 * The credential's Test button (wired through `testedBy`): `GET /api/v1/contacts/lists?pageSize=1` on the
 * configured base URL, signed like every other request. Never echoes the secret.
 */
export async function testMessageMediaCredential(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const result = await checkMessageMediaCredentials(credential.data ?? {});
	return result.ok
		? { status: 'OK', message: 'Connection successful' }
		: { status: 'Error', message: result.message };
}
