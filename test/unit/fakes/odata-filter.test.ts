import {
	analyzeFilter,
	evaluateFilter,
	FilterError,
	parseFilter,
	type FilterOperator,
	type FilterPolicy,
} from '../../fakes/odata-filter';

const policy: FilterPolicy = {
	resource: 'User',
	kind: (path) =>
		path === 'accountEnabled' ? 'boolean' : path === 'proxyAddresses' ? 'collection' : 'string',
	operators: (path): Set<FilterOperator> | undefined =>
		path === 'department'
			? new Set(['eq', 'in', 'ne', 'not', 'eqNull'])
			: path === 'proxyAddresses'
				? new Set(['any', 'eq', 'startsWith'])
				: ['displayName', 'mail', 'accountEnabled', 'surname'].includes(path)
					? new Set(['eq', 'ne', 'not', 'in', 'startsWith', 'endsWith', 'eqNull'])
					: undefined,
};

const user = {
	displayName: "Seán O'Brien",
	surname: "O'Brien",
	mail: 'sean@contoso.example',
	accountEnabled: true,
	department: 'Sales',
	proxyAddresses: ['SMTP:sean@contoso.example', 'smtp:so@contoso.example'],
};
const matches = (filter: string) => evaluateFilter(parseFilter(filter), user);

describe('OData $filter parser', () => {
	it('parses and evaluates the Graph subset (case-insensitive strings)', () => {
		expect(matches("surname eq 'o''brien'")).toBe(true);
		expect(matches("department in ('Support','sales') and accountEnabled eq true")).toBe(true);
		expect(matches("not (department eq 'Sales') or startswith(displayName,'seá')")).toBe(true);
		expect(
			matches("endsWith(mail,'@contoso.example') and (accountEnabled eq false or mail eq null)"),
		).toBe(false);
		expect(matches('jobTitle eq null')).toBe(true);
		expect(matches("proxyAddresses/any(p:startswith(p,'smtp:so'))")).toBe(true);
		expect(matches("department ne 'Sales'")).toBe(false);
	});

	it('and binds tighter than or', () => {
		expect(matches("department eq 'x' and mail eq 'y' or accountEnabled eq true")).toBe(true);
		expect(matches("department eq 'x' and (mail eq 'y' or accountEnabled eq true)")).toBe(false);
	});

	it('reports syntax errors as BadRequest with a position', () => {
		for (const bad of [
			"displayName eq 'open",
			'displayName eq',
			"displayName = 'x'",
			"(displayName eq 'x'",
			"displayName eq 'x' extra",
			'',
		]) {
			expect(() => parseFilter(bad)).toThrow(FilterError);
			try {
				parseFilter(bad);
			} catch (error) {
				expect((error as FilterError).code).toBe('BadRequest');
			}
		}
	});

	it('classifies advanced operators and rejects unsupported ones per property', () => {
		expect(analyzeFilter(parseFilter("displayName eq 'a'"), policy).advanced).toBe(false);
		expect(analyzeFilter(parseFilter("displayName ne 'a'"), policy).advanced).toBe(true);
		expect(analyzeFilter(parseFilter("not(displayName eq 'a')"), policy).advanced).toBe(true);
		expect(analyzeFilter(parseFilter("endswith(mail,'a')"), policy).advanced).toBe(true);
		expect(() => analyzeFilter(parseFilter("startswith(department,'S')"), policy)).toThrow(
			/Unsupported or invalid query filter clause specified for property 'department'/,
		);
		expect(() => analyzeFilter(parseFilter("shoeSize eq '44'"), policy)).toThrow(
			/Could not find a property named 'shoeSize'/,
		);
		expect(() => analyzeFilter(parseFilter("proxyAddresses eq 'x'"), policy)).toThrow(FilterError);
		expect(() => analyzeFilter(parseFilter("accountEnabled eq 'true'"), policy)).toThrow(
			/incompatible types/,
		);
		expect(() => analyzeFilter(parseFilter("displayName gt 'a'"), policy)).toThrow(
			/Unsupported Query/,
		);
	});
});
