/**
 * Contract checks against the vendor's own OpenAPI description of MessageMedia (Sinch Engage).
 *
 * Loads the vendored copy `test/contract/sinch-engage-openapi/openapi.yaml` (upstream repository and commit
 * in its SOURCE.md), dereferences it once with @apidevtools/json-schema-ref-parser and validates with ajv
 * (JSON Schema 2020-12, which OpenAPI 3.1+/3.2 schemas are; `example`, `nullable` and `x-*` are handled).
 *
 * API (all async, the spec is loaded on first use and cached):
 *   loadSpec()                                        → resolves once the spec is loaded; rejects, naming
 *     the file, when it cannot be read (the fake server awaits it before it listens).
 *   validateRequest(method, pathWithQuery, body)      → { ok, errors, operationId? }
 *     checks the path template and its path parameters, the query (exploded object parameters such as
 *     `request` → `pageSize`, `listIds=a&listIds=b`, …) and the JSON body against the requestBody schema.
 *   validateResponse(method, path, status, body)      → { ok, errors, operationId? }
 *     checks the status is declared and the body matches its schema (no body when none is declared).
 * `body` is the parsed JSON (or undefined for none). Used by unit tests and by the fake MessageMedia server.
 */

import $RefParser from '@apidevtools/json-schema-ref-parser';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as path from 'node:path';

export const SPEC_DIR = path.resolve(__dirname, '..', 'contract', 'sinch-engage-openapi');

export interface ContractResult {
	ok: boolean;
	errors: string[];
	operationId?: string;
}

type Schema = Record<string, unknown>;

interface Operation {
	operationId?: string;
	parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
	requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
	responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

interface Spec {
	paths: Record<string, Record<string, Operation>>;
}

let loaded: Promise<{ spec: Spec; ajv: Ajv2020 }> | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/** Removes OpenAPI-only keywords and turns `nullable: true` into a null-admitting type. */
function toJsonSchema(node: unknown, seen = new WeakSet<object>()): void {
	if (!node || typeof node !== 'object' || seen.has(node)) return;
	seen.add(node);
	const obj = node as Schema;
	if (obj.nullable === true && typeof obj.type === 'string') obj.type = [obj.type, 'null'];
	delete obj.nullable;
	for (const value of Object.values(obj)) toJsonSchema(value, seen);
}

async function load(): Promise<{ spec: Spec; ajv: Ajv2020 }> {
	const spec = (await $RefParser.dereference(path.join(SPEC_DIR, 'openapi.yaml'), {
		dereference: { circular: 'ignore' },
	})) as unknown as Spec;
	for (const item of Object.values(spec.paths)) toJsonSchema(item);
	const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
	addFormats(ajv);
	ajv.addFormat('int32', {
		type: 'number',
		validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31,
	});
	ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
	return { spec, ajv };
}

async function context(): Promise<{ spec: Spec; ajv: Ajv2020 }> {
	loaded ??= load().catch((error: unknown) => {
		loaded = undefined;
		throw new Error(
			`Cannot load the vendor OpenAPI description ${path.join(SPEC_DIR, 'openapi.yaml')}: ${(error as Error)?.message ?? String(error)}`,
		);
	});
	return await loaded;
}

/** Loads (and caches) the spec; rejects with the file name when it cannot be read or parsed. */
export async function loadSpec(): Promise<void> {
	await context();
}

function validator(ajv: Ajv2020, schema: Schema): ValidateFunction {
	let fn = compiled.get(schema);
	if (!fn) {
		fn = ajv.compile(schema);
		compiled.set(schema, fn);
	}
	return fn;
}

function check(ajv: Ajv2020, schema: Schema, value: unknown, where: string): string[] {
	const fn = validator(ajv, schema);
	if (fn(value)) return [];
	return (fn.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message ?? 'is invalid'}`);
}

/** Each path template of a spec as a regular expression with its parameter names (built once per spec). */
const pathPatterns = new WeakMap<
	Spec,
	Array<{ template: string; regex: RegExp; names: string[] }>
>();

function patternsOf(spec: Spec): Array<{ template: string; regex: RegExp; names: string[] }> {
	let patterns = pathPatterns.get(spec);
	if (patterns === undefined) {
		patterns = Object.keys(spec.paths).map((template) => {
			const names: string[] = [];
			const pattern = template
				.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
				.replace(/\{([^}]+)\}/g, (_m, name: string) => {
					names.push(name);
					return '([^/]+)';
				});
			return { template, regex: new RegExp(`^${pattern}$`), names };
		});
		pathPatterns.set(spec, patterns);
	}
	return patterns;
}

function matchPath(
	spec: Spec,
	pathname: string,
): { template: string; params: Record<string, string> } | undefined {
	for (const { template, regex, names } of patternsOf(spec)) {
		const match = regex.exec(pathname);
		if (match) {
			return {
				template,
				params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1])])),
			};
		}
	}
	return undefined;
}

function findOperation(spec: Spec, method: string, pathWithQuery: string) {
	const url = new URL(pathWithQuery, 'http://spec.invalid');
	const matched = matchPath(spec, url.pathname);
	if (!matched) return { error: `no path in the spec matches ${url.pathname}` } as const;
	const operation = spec.paths[matched.template][method.toLowerCase()];
	if (!operation)
		return { error: `${method.toUpperCase()} is not defined for ${matched.template}` } as const;
	return { operation, url, params: matched.params } as const;
}

/** Query string → values shaped by the schema (arrays from repeated keys, numbers and booleans parsed). */
function coerce(raw: string[], schema: Schema | undefined): unknown {
	const type = schema?.type;
	const one = (value: string, itemType: unknown): unknown => {
		if (
			(itemType === 'integer' || itemType === 'number') &&
			value.trim() !== '' &&
			!Number.isNaN(Number(value))
		)
			return Number(value);
		if (itemType === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
		return value;
	};
	if (type === 'array')
		return raw.map((value) => one(value, (schema?.items as Schema | undefined)?.type));
	return raw.length === 1 ? one(raw[0], type) : raw;
}

function checkQuery(ajv: Ajv2020, operation: Operation, url: URL): string[] {
	const errors: string[] = [];
	const query = new Map<string, string[]>();
	for (const [key, value] of url.searchParams) query.set(key, [...(query.get(key) ?? []), value]);
	const used = new Set<string>();
	for (const parameter of operation.parameters ?? []) {
		if (parameter.in !== 'query' || !parameter.schema) continue;
		const schema = parameter.schema;
		if (schema.type === 'object' && schema.properties) {
			// style form + explode (the default): each property is its own query parameter.
			const props = schema.properties as Record<string, Schema>;
			const value: Record<string, unknown> = {};
			for (const [name, propSchema] of Object.entries(props)) {
				const raw = query.get(name);
				if (raw) {
					value[name] = coerce(raw, propSchema);
					used.add(name);
				}
			}
			errors.push(...check(ajv, schema, value, `query`));
		} else {
			const raw = query.get(parameter.name);
			if (raw) {
				used.add(parameter.name);
				errors.push(...check(ajv, schema, coerce(raw, schema), `query.${parameter.name}`));
			} else if (parameter.required) {
				errors.push(`query parameter ${parameter.name} is required`);
			}
		}
	}
	for (const key of query.keys())
		if (!used.has(key)) errors.push(`query parameter ${key} is not defined by the spec`);
	return errors;
}

export async function validateRequest(
	method: string,
	pathWithQuery: string,
	body: unknown,
): Promise<ContractResult> {
	const { spec, ajv } = await context();
	const found = findOperation(spec, method, pathWithQuery);
	if ('error' in found) return { ok: false, errors: [found.error ?? 'unknown operation'] };
	const { operation, url, params } = found;
	const errors: string[] = [];
	for (const parameter of operation.parameters ?? []) {
		if (parameter.in === 'path' && parameter.schema) {
			// Style `simple`, the default for path parameters: an array is its values separated by commas.
			const raw = params[parameter.name];
			const value =
				parameter.schema.type === 'array' && raw !== undefined
					? coerce(raw.split(','), parameter.schema)
					: raw;
			errors.push(...check(ajv, parameter.schema, value, `path.${parameter.name}`));
		}
	}
	errors.push(...checkQuery(ajv, operation, url));
	const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
	if (body === undefined) {
		if (operation.requestBody?.required) errors.push('request body is required');
	} else if (!bodySchema) {
		errors.push('the operation takes no request body');
	} else {
		errors.push(...check(ajv, bodySchema, body, 'body'));
	}
	return { ok: errors.length === 0, errors, operationId: operation.operationId };
}

export async function validateResponse(
	method: string,
	pathWithQuery: string,
	status: number,
	body: unknown,
): Promise<ContractResult> {
	const { spec, ajv } = await context();
	const found = findOperation(spec, method, pathWithQuery);
	if ('error' in found) return { ok: false, errors: [found.error ?? 'unknown operation'] };
	const { operation } = found;
	const response = operation.responses?.[String(status)];
	if (!response)
		return {
			ok: false,
			errors: [`status ${status} is not declared`],
			operationId: operation.operationId,
		};
	const content = response.content ? Object.values(response.content)[0] : undefined;
	const errors: string[] = [];
	if (!content?.schema) {
		if (body !== undefined && body !== '') errors.push(`status ${status} declares no body`);
	} else {
		errors.push(...check(ajv, content.schema, body, 'body'));
	}
	return { ok: errors.length === 0, errors, operationId: operation.operationId };
}
