/**
 * The package's node types as the running n8n describes them to its editor (/types/nodes.json), and
 * what the browser suite derives from them: every resource/operation (or configuration mode) of each
 * node as one node of a generated workflow, and the checks that tie a panel to its description.
 */
import type { INodeParameters, INodeProperties, INodeTypeDescription } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import {
	ENTRA_CREDENTIAL,
	MESSAGEMEDIA_CREDENTIAL,
	PACKAGE_NAME,
} from '../../e2e/support/workflows';
import type { ShownParameter } from './editor';

export type Description = INodeTypeDescription;

/** One way to use a node: its resource and operation (or the Contact Mapper's configuration mode). */
export interface Variant {
	type: string;
	label: string;
	parameters: INodeParameters;
}

const option = (property: INodeProperties | undefined) =>
	((property?.options ?? []) as Array<{ value?: unknown }>).map((o) => String(o.value));

/** The property that selects a node's variants besides resource/operation. */
const VARIANT_PROPERTY: Record<string, string> = {
	[`${PACKAGE_NAME}.contactMapper`]: 'configurationMode',
};

/** Every resource × operation of each node (each value of VARIANT_PROPERTY, or the node as it comes). */
export function variantsOf(description: Description): Variant[] {
	const type = description.name;
	const short = type.replace(`${PACKAGE_NAME}.`, '');
	const properties = description.properties;
	const resource = properties.find((p) => p.name === 'resource');
	if (resource) {
		return option(resource).flatMap((res) =>
			properties
				.filter(
					(p) =>
						p.name === 'operation' && (p.displayOptions?.show?.resource ?? [res]).includes(res),
				)
				.flatMap(option)
				.map((operation) => ({
					type,
					label: `${short} ${res}/${operation}`,
					parameters: { resource: res, operation },
				})),
		);
	}
	const selector = properties.find((p) => p.name === VARIANT_PROPERTY[type]);
	if (selector)
		return option(selector).map((value) => ({
			type,
			label: `${short} ${selector.name}=${value}`,
			parameters: { [selector.name]: value },
		}));
	return [{ type, label: short, parameters: {} }];
}

/** The parameter values the editor works with: the given ones plus every default. */
function withDefaults(description: Description, parameters: INodeParameters): INodeParameters {
	return (
		NodeHelpers.getNodeParameters(
			description.properties,
			parameters,
			true,
			false,
			{ typeVersion: 1 } as never,
			description,
		) ?? {}
	);
}

/** Top-level properties the description shows for these values (what the panel should show). */
export function expectedShown(
	description: Description,
	parameters: INodeParameters,
): INodeProperties[] {
	const values = withDefaults(description, parameters);
	return description.properties.filter((p) =>
		NodeHelpers.displayParameter(values, p, { typeVersion: 1 }, description, values),
	);
}

/** A value for a required parameter of a generated node (a user would type one). */
function sampleValue(property: INodeProperties): unknown {
	if (property.type === 'resourceMapper') return property.default;
	if (property.type === 'resourceLocator')
		return { __rl: true, mode: 'id', value: '00000000-0000-4000-8000-000000000001' };
	if (property.type === 'number') return 1;
	if (property.type === 'boolean') return true;
	if (property.type === 'options') return option(property)[0];
	if (property.type === 'multiOptions') return option(property).slice(0, 1);
	const example = String(property.placeholder ?? '').replace(/^e\.g\.\s*/, '');
	return example !== '' ? example : 'sample';
}

/**
 * The variant's parameters with every required parameter it shows filled in: from `known` (values that
 * exist in the fake account, e.g. a list for a list picker) or an example value.
 */
export function configuredParameters(
	description: Description,
	variant: Variant,
	known: Record<string, unknown> = {},
): INodeParameters {
	const parameters: INodeParameters = { ...variant.parameters };
	for (const property of expectedShown(description, parameters)) {
		if (!property.required || parameters[property.name] !== undefined) continue;
		parameters[property.name] = (known[property.name] ?? sampleValue(property)) as never;
	}
	return parameters;
}

export function credentialOf(type: string): string {
	return type.endsWith('.messageMediaContacts') ? MESSAGEMEDIA_CREDENTIAL : ENTRA_CREDENTIAL;
}

/** The name a shown parameter stands for, matched by its inputs or else by its label. */
export function shownNames(description: Description, shown: ShownParameter[]): Set<string> {
	const names = new Set<string>();
	for (const parameter of shown) {
		const byInput = parameter.names.includes('@resourceMapper')
			? description.properties.find((p) => p.type === 'resourceMapper')?.name
			: parameter.names.find((name) => description.properties.some((p) => p.name === name));
		const byLabel = description.properties.find((p) => p.displayName === parameter.label)?.name;
		const name = byInput ?? byLabel;
		if (name) names.add(name);
	}
	return names;
}

/**
 * What a panel got wrong against its description and the values it was opened with: a parameter the
 * description shows that the panel does not (or the other way round), a parameter the workflow sets that
 * the panel hides, a required parameter shown without a value (its issue marker).
 */
export function panelProblems(
	description: Description,
	parameters: INodeParameters,
	shown: ShownParameter[],
): string[] {
	const problems: string[] = [];
	const names = shownNames(description, shown);
	const expected = new Set(
		expectedShown(description, parameters)
			.filter((p) => p.type !== 'hidden' && p.type !== 'notice')
			.map((p) => p.name),
	);
	for (const name of expected)
		if (!names.has(name))
			problems.push(
				`"${name}" is in the description for these values but the panel does not show it`,
			);
	for (const name of names)
		if (!expected.has(name))
			problems.push(`the panel shows "${name}", which the description hides for these values`);
	for (const name of Object.keys(parameters)) {
		if (!names.has(name))
			problems.push(
				`"${name}" is set (${JSON.stringify(parameters[name]).slice(0, 60)}) but the panel hides it`,
			);
	}
	for (const parameter of shown)
		if (parameter.hasIssues)
			problems.push(
				`"${parameter.label}" shows an issue marker (a required value is missing or wrong)`,
			);
	return problems;
}

/** Required top-level parameters of the description that no opened panel showed. */
export function requiredNeverShown(
	description: Description,
	shownSomewhere: Set<string>,
): string[] {
	return description.properties
		.filter((p) => p.required && !shownSomewhere.has(p.name))
		.map((p) => p.name);
}
