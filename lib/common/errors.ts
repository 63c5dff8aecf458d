/**
 * Typed errors of the sync engine. Transports throw `ServiceApiError` (a remote API said no);
 * configuration and input problems are `ConfigurationError`. Nodes turn them into n8n errors in one
 * place (nodes/helpers/errors.ts). Messages are already redacted: they never carry secrets.
 */

export type ServiceName = 'entra' | 'graph' | 'messagemedia';

export interface ServiceErrorDetails {
	service: ServiceName;
	/** HTTP status, 0 for network failures. */
	status: number;
	/** The service's own error code (Graph `error.code`, AADSTS code, MessageMedia `type`). */
	code?: string;
	message: string;
	/** Human hint: what to do about it. */
	hint?: string;
	/** Correlation id from the service (Graph `request-id`, MessageMedia `uuid`). */
	requestId?: string;
	/** Extra structured details (e.g. MessageMedia `invalidFields`). */
	details?: Record<string, unknown>;
}

export class ServiceApiError extends Error {
	readonly service: ServiceName;
	readonly status: number;
	readonly code?: string;
	readonly hint?: string;
	readonly requestId?: string;
	readonly details?: Record<string, unknown>;

	constructor(info: ServiceErrorDetails) {
		super(info.message);
		this.name = 'ServiceApiError';
		this.service = info.service;
		this.status = info.status;
		this.code = info.code;
		this.hint = info.hint;
		this.requestId = info.requestId;
		this.details = info.details;
	}

	/** JSON-safe view for error items and NodeApiError. */
	toJSON(): ServiceErrorDetails {
		return {
			service: this.service,
			status: this.status,
			code: this.code,
			message: this.message,
			hint: this.hint,
			requestId: this.requestId,
			details: this.details,
		};
	}
}

/** Bad configuration or input that no retry can fix; `key` names the offending parameter or field. */
export class ConfigurationError extends Error {
	readonly key?: string;

	constructor(message: string, key?: string) {
		super(message);
		this.name = 'ConfigurationError';
		this.key = key;
	}
}
