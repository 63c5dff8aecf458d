import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { ConfigurationError, ServiceApiError } from '../../lib/common/errors';

/**
 * The one place where errors from lib/ become n8n errors: remote API failures keep the service's
 * status, code, message and request id (NodeApiError); configuration problems name the key at fault
 * (NodeOperationError). Anything else is wrapped as an operation error.
 */
export function toNodeError(
	node: INode,
	error: unknown,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	if (error instanceof ServiceApiError) {
		const description = [
			error.hint,
			error.code ? `Code: ${error.code}` : undefined,
			error.requestId ? `Request id: ${error.requestId}` : undefined,
		]
			.filter(Boolean)
			.join(' · ');
		return new NodeApiError(node, error.toJSON() as unknown as JsonObject, {
			itemIndex,
			message: error.message,
			description: description || undefined,
			httpCode: error.status ? String(error.status) : undefined,
		});
	}
	if (error instanceof ConfigurationError) {
		return new NodeOperationError(node, error.message, {
			itemIndex,
			description: error.key ? `Check "${error.key}".` : undefined,
		});
	}
	return new NodeOperationError(node, error instanceof Error ? error : String(error), {
		itemIndex,
	});
}

/** The json of an error item under continueOnFail: message and, for API errors, the safe details. */
export function errorItemJson(error: unknown): JsonObject {
	if (error instanceof ServiceApiError)
		return { error: error.message, ...(error.toJSON() as unknown as JsonObject) };
	if (error instanceof ConfigurationError) return { error: error.message, key: error.key ?? null };
	return { error: error instanceof Error ? error.message : String(error) };
}
