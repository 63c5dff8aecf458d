/**
 * A small, real OData $filter parser for the subset Microsoft Graph supports on directory objects:
 * eq, ne, ge, le, in, not, and/or with parentheses, startsWith/endsWith, `eq null`, string literals
 * with '' escapes, booleans, numbers, property paths (a/b) and collection lambdas `x/any(p:p eq 'v')`.
 * Parsing is separate from checking what a resource supports (FilterPolicy): syntax errors are
 * `BadRequest`, well-formed but unsupported clauses `Request_UnsupportedQuery`, as Graph answers.
 */

export type Literal = string | number | boolean | null;
export type CompareOp = 'eq' | 'ne' | 'ge' | 'le' | 'gt' | 'lt';

export type FilterNode =
	| { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
	| { kind: 'not'; operand: FilterNode }
	| { kind: 'compare'; op: CompareOp; path: string; value: Literal }
	| { kind: 'in'; path: string; values: Literal[] }
	| { kind: 'func'; name: 'startswith' | 'endswith'; path: string; value: Literal }
	| { kind: 'any'; path: string; variable: string; body: FilterNode };

export class FilterError extends Error {
	constructor(
		readonly code: 'BadRequest' | 'Request_UnsupportedQuery' | 'Request_BadRequest',
		message: string,
	) {
		super(message);
	}
}

type Token =
	| { type: 'string'; value: string; pos: number }
	| { type: 'number'; value: number; pos: number }
	| { type: 'ident'; value: string; pos: number }
	| { type: 'punct'; value: '(' | ')' | ',' | ':' | '/'; pos: number };

function tokenize(text: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	const syntax = (pos: number) =>
		new FilterError(
			'BadRequest',
			`Invalid filter clause: Syntax error at position ${pos} in '${text}'.`,
		);
	while (i < text.length) {
		const ch = text[i];
		if (/\s/.test(ch)) {
			i++;
		} else if ('(),:/'.includes(ch)) {
			tokens.push({ type: 'punct', value: ch as '(' | ')' | ',' | ':' | '/', pos: i });
			i++;
		} else if (ch === "'") {
			const start = i;
			let value = '';
			i++;
			for (;;) {
				if (i >= text.length) {
					throw new FilterError(
						'BadRequest',
						`Invalid filter clause: unterminated string literal at position ${start} in '${text}'.`,
					);
				}
				if (text[i] === "'") {
					if (text[i + 1] === "'") {
						value += "'";
						i += 2;
						continue;
					}
					i++;
					break;
				}
				value += text[i];
				i++;
			}
			tokens.push({ type: 'string', value, pos: start });
		} else if (/[0-9-]/.test(ch)) {
			const match = /^-?\d+(\.\d+)?/.exec(text.slice(i));
			if (!match) throw syntax(i);
			tokens.push({ type: 'number', value: Number(match[0]), pos: i });
			i += match[0].length;
		} else if (/[A-Za-z_$@]/.test(ch)) {
			const match = /^[A-Za-z_$@][A-Za-z0-9_.]*/.exec(text.slice(i)) as RegExpExecArray;
			tokens.push({ type: 'ident', value: match[0], pos: i });
			i += match[0].length;
		} else {
			throw syntax(i);
		}
	}
	return tokens;
}

const COMPARE_OPS = new Set(['eq', 'ne', 'ge', 'le', 'gt', 'lt']);

class Parser {
	private index = 0;
	constructor(
		private readonly tokens: Token[],
		private readonly text: string,
		private readonly variables: Set<string> = new Set(),
	) {}

	parse(): FilterNode {
		if (this.tokens.length === 0)
			throw new FilterError('BadRequest', 'Invalid filter clause: empty filter.');
		const node = this.parseOr();
		if (this.index < this.tokens.length) throw this.syntaxError();
		return node;
	}

	private syntaxError(): FilterError {
		const token = this.tokens[this.index];
		const pos = token ? token.pos : this.text.length;
		return new FilterError(
			'BadRequest',
			`Invalid filter clause: Syntax error at position ${pos} in '${this.text}'.`,
		);
	}

	private peek(): Token | undefined {
		return this.tokens[this.index];
	}

	private isKeyword(word: string): boolean {
		const token = this.peek();
		return token?.type === 'ident' && token.value === word;
	}

	private expectPunct(value: string): void {
		const token = this.peek();
		if (token?.type !== 'punct' || token.value !== value) throw this.syntaxError();
		this.index++;
	}

	private parseOr(): FilterNode {
		let left = this.parseAnd();
		while (this.isKeyword('or')) {
			this.index++;
			left = { kind: 'or', left, right: this.parseAnd() };
		}
		return left;
	}

	private parseAnd(): FilterNode {
		let left = this.parseUnary();
		while (this.isKeyword('and')) {
			this.index++;
			left = { kind: 'and', left, right: this.parseUnary() };
		}
		return left;
	}

	private parseUnary(): FilterNode {
		if (this.isKeyword('not')) {
			this.index++;
			return { kind: 'not', operand: this.parseUnary() };
		}
		return this.parsePrimary();
	}

	private parsePrimary(): FilterNode {
		const token = this.peek();
		if (!token) throw this.syntaxError();
		if (token.type === 'punct' && token.value === '(') {
			this.index++;
			const inner = this.parseOr();
			this.expectPunct(')');
			return inner;
		}
		if (token.type !== 'ident') throw this.syntaxError();
		const next = this.tokens[this.index + 1];
		if (next?.type === 'punct' && next.value === '(') return this.parseFunction();
		const path = this.parsePath();
		if (path.lambda) return path.lambda;
		return this.parseComparison(path.path);
	}

	private parseFunction(): FilterNode {
		const nameToken = this.peek() as Token & { type: 'ident' };
		const name = nameToken.value.toLowerCase();
		this.index++;
		this.expectPunct('(');
		if (name !== 'startswith' && name !== 'endswith') {
			if (
				[
					'contains',
					'substringof',
					'tolower',
					'toupper',
					'length',
					'indexof',
					'trim',
					'concat',
				].includes(name)
			) {
				throw new FilterError(
					'Request_UnsupportedQuery',
					`Unsupported Query. Function '${nameToken.value}' is not supported.`,
				);
			}
			throw new FilterError(
				'BadRequest',
				`Invalid filter clause: An unknown function with name '${nameToken.value}' was found.`,
			);
		}
		const { path } = this.parsePath();
		this.expectPunct(',');
		const value = this.parseLiteral();
		this.expectPunct(')');
		return { kind: 'func', name, path, value };
	}

	/** a, a/b, or a/any(x: ...) */
	private parsePath(): { path: string; lambda?: FilterNode } {
		const first = this.peek();
		if (
			first?.type !== 'ident' ||
			COMPARE_OPS.has(first.value) ||
			['and', 'or', 'not', 'in'].includes(first.value)
		) {
			throw this.syntaxError();
		}
		this.index++;
		const segments = [first.value];
		while (this.peek()?.type === 'punct' && this.peek()?.value === '/') {
			this.index++;
			const seg = this.peek();
			if (seg?.type !== 'ident') throw this.syntaxError();
			this.index++;
			if (
				(seg.value === 'any' || seg.value === 'all') &&
				this.peek()?.type === 'punct' &&
				this.peek()?.value === '('
			) {
				if (seg.value === 'all')
					throw new FilterError(
						'Request_UnsupportedQuery',
						'Unsupported Query. Lambda operator all is not supported.',
					);
				this.index++;
				const variable = this.peek();
				if (variable?.type !== 'ident') throw this.syntaxError();
				this.index++;
				this.expectPunct(':');
				const bodyStart = this.index;
				let depth = 1;
				let end = bodyStart;
				while (end < this.tokens.length) {
					const t = this.tokens[end];
					if (t.type === 'punct' && t.value === '(') depth++;
					if (t.type === 'punct' && t.value === ')') {
						depth--;
						if (depth === 0) break;
					}
					end++;
				}
				if (end >= this.tokens.length) throw this.syntaxError();
				const variables = new Set([...this.variables, variable.value]);
				const body = new Parser(this.tokens.slice(bodyStart, end), this.text, variables).parse();
				this.index = end + 1;
				return {
					path: segments.join('/'),
					lambda: { kind: 'any', path: segments.join('/'), variable: variable.value, body },
				};
			}
			segments.push(seg.value);
		}
		return { path: segments.join('/') };
	}

	private parseComparison(path: string): FilterNode {
		const opToken = this.peek();
		if (opToken?.type !== 'ident') throw this.syntaxError();
		if (opToken.value === 'in') {
			this.index++;
			this.expectPunct('(');
			const values: Literal[] = [this.parseLiteral()];
			while (this.peek()?.type === 'punct' && this.peek()?.value === ',') {
				this.index++;
				values.push(this.parseLiteral());
			}
			this.expectPunct(')');
			return { kind: 'in', path, values };
		}
		if (!COMPARE_OPS.has(opToken.value)) throw this.syntaxError();
		this.index++;
		return { kind: 'compare', op: opToken.value as CompareOp, path, value: this.parseLiteral() };
	}

	private parseLiteral(): Literal {
		const token = this.peek();
		if (!token) throw this.syntaxError();
		this.index++;
		if (token.type === 'string' || token.type === 'number') return token.value;
		if (token.type === 'ident') {
			if (token.value === 'true') return true;
			if (token.value === 'false') return false;
			if (token.value === 'null') return null;
		}
		this.index--;
		throw this.syntaxError();
	}
}

export function parseFilter(text: string): FilterNode {
	return new Parser(tokenize(text), text).parse();
}

/** What a resource allows, per property: operator names as in Graph's docs. */
export type FilterOperator =
	| 'eq'
	| 'ne'
	| 'not'
	| 'in'
	| 'ge'
	| 'le'
	| 'startsWith'
	| 'endsWith'
	| 'eqNull'
	| 'any';

export interface FilterPolicy {
	resource: string;
	/** Operators allowed on a property, or undefined when the property is unknown. */
	operators(path: string): Set<FilterOperator> | undefined;
	/** Value kind of a property, for operand type checks. */
	kind(path: string): 'string' | 'boolean' | 'collection' | 'other';
}

export interface FilterAnalysis {
	/** Uses operators that need ConsistencyLevel: eventual + $count=true (ne, not, endsWith). */
	advanced: boolean;
}

const ADVANCED: Set<FilterOperator> = new Set(['ne', 'not', 'endsWith']);

/** Check a parsed filter against what the resource supports; throws FilterError like Graph. */
export function analyzeFilter(node: FilterNode, policy: FilterPolicy): FilterAnalysis {
	let advanced = false;
	const unsupported = (path: string) =>
		new FilterError(
			'Request_UnsupportedQuery',
			`Unsupported or invalid query filter clause specified for property '${path}' of resource '${policy.resource}'.`,
		);
	const use = (path: string, op: FilterOperator, value: Literal | Literal[], inLambda: boolean) => {
		const ops = policy.operators(path);
		if (!ops) {
			throw new FilterError(
				'Request_BadRequest',
				`Could not find a property named '${path}' on type 'microsoft.graph.${policy.resource.toLowerCase()}'.`,
			);
		}
		const kind = policy.kind(path);
		if (kind === 'collection' && !inLambda && op !== 'any') throw unsupported(path);
		if (!ops.has(op)) throw unsupported(path);
		if (ADVANCED.has(op)) advanced = true;
		for (const v of Array.isArray(value) ? value : [value]) {
			if (v === null) continue;
			const expected =
				kind === 'boolean'
					? 'boolean'
					: kind === 'string' || kind === 'collection'
						? 'string'
						: undefined;
			if (expected && typeof v !== expected) {
				throw new FilterError(
					'BadRequest',
					`A binary operator with incompatible types was detected. Found operand types 'Edm.${kind === 'boolean' ? 'Boolean' : 'String'}' and 'Edm.${typeof v === 'boolean' ? 'Boolean' : typeof v === 'number' ? 'Int32' : 'String'}' for operator kind 'Equal'.`,
				);
			}
		}
	};
	const walk = (n: FilterNode, lambda?: { variable: string; path: string }) => {
		const resolve = (path: string): string | undefined => {
			if (!lambda) return path;
			if (path === lambda.variable) return undefined; // the collection element itself
			if (path.startsWith(`${lambda.variable}/`))
				return `${lambda.path}/${path.slice(lambda.variable.length + 1)}`;
			return path;
		};
		switch (n.kind) {
			case 'and':
			case 'or':
				walk(n.left, lambda);
				walk(n.right, lambda);
				return;
			case 'not':
				advanced = true;
				walk(n.operand, lambda);
				return;
			case 'compare': {
				if (n.op === 'gt' || n.op === 'lt')
					throw new FilterError('Request_UnsupportedQuery', 'Unsupported Query.');
				const path = resolve(n.path) ?? lambda?.path;
				const op: FilterOperator = n.op === 'eq' && n.value === null ? 'eqNull' : n.op;
				use(path as string, op, n.value, !!lambda);
				return;
			}
			case 'in': {
				const path = resolve(n.path) ?? lambda?.path;
				use(path as string, 'in', n.values, !!lambda);
				return;
			}
			case 'func': {
				const path = resolve(n.path) ?? lambda?.path;
				use(path as string, n.name === 'startswith' ? 'startsWith' : 'endsWith', n.value, !!lambda);
				return;
			}
			case 'any': {
				const ops = policy.operators(n.path);
				if (!ops)
					throw new FilterError(
						'Request_BadRequest',
						`Could not find a property named '${n.path}' on type 'microsoft.graph.${policy.resource.toLowerCase()}'.`,
					);
				if (!ops.has('any')) throw unsupported(n.path);
				walk(n.body, { variable: n.variable, path: n.path });
				return;
			}
		}
	};
	walk(node);
	return { advanced };
}

function getPath(record: Record<string, unknown>, path: string): unknown {
	let value: unknown = record;
	for (const segment of path.split('/')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[segment];
	}
	return value;
}

function compareValues(actual: unknown, op: CompareOp, expected: Literal): boolean {
	if (expected === null) {
		const isNull = actual === null || actual === undefined;
		return op === 'eq' ? isNull : op === 'ne' ? !isNull : false;
	}
	if (actual === null || actual === undefined) return op === 'ne';
	const a = typeof actual === 'string' ? actual.toLowerCase() : actual;
	const e = typeof expected === 'string' ? expected.toLowerCase() : expected;
	switch (op) {
		case 'eq':
			return a === e;
		case 'ne':
			return a !== e;
		case 'ge':
			return (a as string) >= (e as string);
		case 'le':
			return (a as string) <= (e as string);
		case 'gt':
			return (a as string) > (e as string);
		case 'lt':
			return (a as string) < (e as string);
	}
}

/** Directory string matching is case-insensitive, as in Entra. */
export function evaluateFilter(
	node: FilterNode,
	record: Record<string, unknown>,
	scope: Record<string, unknown> = {},
): boolean {
	const valueOf = (path: string): unknown => {
		const [head, ...rest] = path.split('/');
		if (head in scope)
			return rest.length === 0
				? scope[head]
				: getPath(scope[head] as Record<string, unknown>, rest.join('/'));
		return getPath(record, path);
	};
	switch (node.kind) {
		case 'and':
			return evaluateFilter(node.left, record, scope) && evaluateFilter(node.right, record, scope);
		case 'or':
			return evaluateFilter(node.left, record, scope) || evaluateFilter(node.right, record, scope);
		case 'not':
			return !evaluateFilter(node.operand, record, scope);
		case 'compare':
			return compareValues(valueOf(node.path), node.op, node.value);
		case 'in': {
			const actual = valueOf(node.path);
			return node.values.some((v) => compareValues(actual, 'eq', v));
		}
		case 'func': {
			const actual = valueOf(node.path);
			if (typeof actual !== 'string' || typeof node.value !== 'string') return false;
			const a = actual.toLowerCase();
			const v = node.value.toLowerCase();
			return node.name === 'startswith' ? a.startsWith(v) : a.endsWith(v);
		}
		case 'any': {
			const collection = valueOf(node.path);
			if (!Array.isArray(collection)) return false;
			return collection.some((element) =>
				evaluateFilter(node.body, record, { ...scope, [node.variable]: element }),
			);
		}
	}
}
