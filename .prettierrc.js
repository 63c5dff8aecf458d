// The formatting of n8n's node starter (`n8n-node new`): tabs, single quotes, trailing commas, 100 columns.
module.exports = {
	semi: true,
	trailingComma: 'all',
	bracketSpacing: true,
	useTabs: true,
	tabWidth: 2,
	arrowParens: 'always',
	singleQuote: true,
	quoteProps: 'as-needed',
	endOfLine: 'lf',
	printWidth: 100,
	// package.json keeps npm's own two-space indentation (npm writes package-lock.json to match it).
	overrides: [{ files: ['package.json'], options: { useTabs: false } }],
};
