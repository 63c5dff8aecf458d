/**
 * n8n's editor in Chromium (Debian's, through playwright-core), as a user drives it: sign in, import a
 * workflow file, open a node's panel, read what it shows, test a credential, execute the workflow.
 * Every step waits on the editor's own markers (data-test-id attributes), never on a fixed delay.
 *
 * Errors the editor logs or gets from the server are collected; `ourErrors()` keeps those that concern
 * this package (our node types, their icons, option loaders and credential tests).
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

import { PACKAGE_NAME } from '../../e2e/support/workflows';

export interface EditorError {
	kind: 'console' | 'pageerror' | 'http';
	text: string;
}

/** One top-level parameter shown in a node's panel. */
export interface ShownParameter {
	label: string;
	/** Names from the inputs inside it (parameter-input-<name>, fixed-collection-<name>, resource-locator-<name>). */
	names: string[];
	hasIssues: boolean;
	hint: string;
}

const LAUNCH_ARGS = [
	'--no-sandbox',
	'--disable-background-networking',
	'--disable-component-update',
];
/** Requests of the editor that are ours when they fail. */
const OUR_REQUEST = new RegExp(
	`${PACKAGE_NAME}|/rest/dynamic-node-parameters/|/rest/credentials/test`,
);
/**
 * n8n asks for a schema preview of every node before its first run (/schemas/<type>/<version>/…); a
 * package that ships none (as ours) gets a 404 there, which is the editor probing, not an error.
 */
const SCHEMA_PREVIEW_PROBE = /\/schemas\/[^/\s]+\/[^\s]*\.json\b/;

export class Editor {
	readonly errors: EditorError[] = [];

	private constructor(
		readonly browser: Browser,
		readonly context: BrowserContext,
		readonly page: Page,
		readonly baseUrl: string,
	) {
		page.on('console', (message) => {
			const text = `${message.text()} ${message.location().url ?? ''}`.trim();
			if (message.type() === 'error' && !SCHEMA_PREVIEW_PROBE.test(text))
				this.errors.push({ kind: 'console', text });
		});
		page.on('pageerror', (error) =>
			this.errors.push({ kind: 'pageerror', text: `${error.message}\n${error.stack ?? ''}` }),
		);
		page.on('response', (response) => {
			if (response.status() >= 400 && !SCHEMA_PREVIEW_PROBE.test(response.url())) {
				this.errors.push({
					kind: 'http',
					text: `${response.status()} ${response.request().method()} ${response.url()}`,
				});
			}
		});
	}

	static async launch(executablePath: string, baseUrl: string): Promise<Editor> {
		const browser = await chromium.launch({ executablePath, headless: true, args: LAUNCH_ARGS });
		const context = await browser.newContext({
			viewport: { width: 1440, height: 900 },
			deviceScaleFactor: 1,
		});
		context.setDefaultTimeout(30_000);
		const page = await context.newPage();
		// Leaving a workflow with changes asks "leave the page?": the suite saves first, and leaves.
		page.on('dialog', (dialog) => void dialog.accept());
		return new Editor(browser, context, page, baseUrl);
	}

	async close(): Promise<void> {
		await this.browser.close();
	}

	/** Errors that concern this package: a failing request of ours, or a message naming it or its nodes. */
	ourErrors(since = 0): EditorError[] {
		const ours = new RegExp(
			`${PACKAGE_NAME}|entraDirectory|contactMapper|messageMediaContacts|entraSync`,
			'i',
		);
		return this.errors
			.slice(since)
			.filter((error) =>
				error.kind === 'http' ? OUR_REQUEST.test(error.text) : ours.test(error.text),
			);
	}

	/**
	 * Goes to `path` inside the running editor the way its own links do (its router), instead of loading
	 * the whole application again (a page load takes 10–20 s on a busy machine); a page load before the
	 * editor is up.
	 */
	async navigate(path: string): Promise<void> {
		const from = new URL(this.page.url()).pathname;
		if (from === path) return;
		const routed = await this.page.evaluate((target) => {
			const app = (
				document.querySelector('#app') as unknown as {
					__vue_app__?: {
						config: { globalProperties: { $router?: { push(to: string): Promise<unknown> } } };
					};
				}
			)?.__vue_app__;
			const router = app?.config.globalProperties.$router;
			if (!router) return false;
			void router.push(target);
			return true;
		}, path);
		if (!routed) {
			await this.page.goto(`${this.baseUrl}${path}`);
			return;
		}
		// A workflow with unsaved changes asks first; the suite saves what it means to keep.
		const leave = this.page.getByRole('button', { name: /Leave without saving/i });
		// A new workflow gets its id in the address at once.
		const arrived = this.page.waitForURL(
			(url) =>
				url.pathname === path ||
				(path === '/workflow/new' &&
					url.pathname.startsWith('/workflow/') &&
					url.pathname !== from),
			{ waitUntil: 'commit', timeout: 10_000 },
		);
		// The dialog may close on its own (the fallback load below): a click that finds no dialog is no failure.
		void leave.waitFor({ timeout: 10_000 }).then(
			() => leave.click({ timeout: 5_000 }).catch(() => undefined),
			() => undefined,
		);
		// Should the editor not route (a guard still busy), load the page instead.
		if (
			!(await arrived.then(
				() => true,
				() => false,
			))
		)
			await this.page.goto(`${this.baseUrl}${path}`);
	}

	async signIn(email: string, password: string): Promise<void> {
		await this.page.goto(`${this.baseUrl}/signin`);
		await this.page.fill('input[name=emailOrLdapLoginId]', email);
		await this.page.fill('input[name=password]', password);
		await this.page.click('[data-test-id=form-submit-button]');
		await this.page.waitForURL((url) => !url.pathname.startsWith('/signin'));
	}

	/** Workflow menu → Import from File, on a new workflow; resolves with its id once n8n saved it. */
	async importWorkflow(fileName: string, workflow: unknown): Promise<string> {
		await this.navigate('/workflow/new');
		// The new, empty workflow is ready when its canvas offers the first step.
		await this.page.getByText('Add first step').waitFor();
		const input = this.page.locator('[data-test-id=workflow-import-input]');
		await input.waitFor({ state: 'attached' });
		await input.setInputFiles({
			name: fileName,
			mimeType: 'application/json',
			buffer: Buffer.from(JSON.stringify(workflow)),
		});
		await this.page.locator('[data-test-id=canvas-node]').first().waitFor();
		await this.page.waitForURL(
			(url) => /\/workflow\/[A-Za-z0-9]+$/.test(url.pathname) && !url.pathname.endsWith('/new'),
		);
		return this.page.url().split('/').pop()!;
	}

	/** Ctrl+S on the canvas; resolves once n8n saved (the save request answered). */
	async saveWorkflow(): Promise<void> {
		const saved = this.page.waitForResponse(
			(response) =>
				/\/rest\/workflows\//.test(response.url()) &&
				['PATCH', 'PUT', 'POST'].includes(response.request().method()),
		);
		await this.page.locator('[data-test-id=canvas-node]').first().click();
		await this.page.keyboard.press('Control+s');
		const response = await saved;
		if (!response.ok())
			throw new Error(`saving the workflow failed: ${response.status()} ${await response.text()}`);
	}

	/** Opens a saved workflow (a page load: the canvas shows exactly that workflow when it is done). */
	async openWorkflow(id: string): Promise<void> {
		if (new URL(this.page.url()).pathname !== `/workflow/${id}`)
			await this.page.goto(`${this.baseUrl}/workflow/${id}`);
		await this.page.locator('[data-test-id=canvas-node]').first().waitFor();
	}

	canvasNode(name: string): Locator {
		return this.page.locator(`[data-test-id=canvas-node][data-node-name="${name}"]`);
	}

	/** Names of the canvas nodes that show the issue marker (missing credential, required parameter, …). */
	async nodesWithIssues(): Promise<string[]> {
		return await this.page
			.locator('[data-test-id=canvas-node]:has([data-test-id=node-issues])')
			.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-node-name') ?? '?'));
	}

	async openNode(name: string): Promise<void> {
		await this.canvasNode(name).dblclick();
		await this.page.locator('[data-test-id=ndv] [data-test-id=node-parameters]').waitFor();
		// The panel renders its parameters after the node type's description is in the store.
		await this.page
			.locator('[data-test-id=ndv] [data-test-id=node-parameters] [data-test-id=parameter-item]')
			.first()
			.waitFor();
	}

	async closeNode(): Promise<void> {
		await this.page.click('[data-test-id=ndv-close-button]');
		await this.page.locator('[data-test-id=ndv]').waitFor({ state: 'hidden' });
	}

	/** The top-level parameters the open panel shows (Parameters tab), in order. */
	async shownParameters(): Promise<ShownParameter[]> {
		return await this.page
			.locator('[data-test-id=ndv] [data-test-id=node-parameters]')
			.evaluate((root) => {
				const shown: ShownParameter[] = [];
				const items = (
					Array.from(root.querySelectorAll('[data-test-id=parameter-item]')) as HTMLElement[]
				).filter((item) => {
					if (!item.checkVisibility()) return false;
					// Top level only: not inside another parameter (collection, fixedCollection rows).
					return item.parentElement?.closest('[data-test-id=parameter-item]') === null;
				});
				for (const item of items) {
					const names = new Set<string>();
					if (item.querySelector('[data-test-id=resource-mapper-container]'))
						names.add('@resourceMapper');
					for (const element of Array.from(item.querySelectorAll('[data-test-id]'))) {
						const id = element.getAttribute('data-test-id') ?? '';
						const match =
							/^(?:parameter-input|fixed-collection|resource-locator)-([A-Za-z0-9_]+)$/.exec(id);
						if (match && match[1] !== 'field' && match[1] !== 'item') names.add(match[1]);
					}
					const labelElement = item.querySelector(
						'[data-test-id=input-label] label, [data-test-id=input-label]',
					) as HTMLElement | null;
					const label = (labelElement?.innerText ?? '')
						.split('\n')[0]
						.replace(/\s*(Fixed\s*Expression)?\s*\*?\s*$/, '')
						.trim();
					const hint = (
						Array.from(
							item.querySelectorAll('[class*=hint], [data-test-id=parameter-input-hint]'),
						) as HTMLElement[]
					)
						.map((element) => element.innerText.trim())
						.filter(Boolean)
						.join(' ');
					shown.push({
						label,
						names: [...names],
						hasIssues: item.querySelector('[data-test-id=parameter-issues]') !== null,
						hint,
					});
				}
				return shown;
			});
	}

	/** Labels of the credential selectors the open panel shows. */
	async shownCredentialSlots(): Promise<string[]> {
		return await this.page
			.locator('[data-test-id=ndv] [data-test-id=node-credentials-slot]')
			.evaluateAll((slots) =>
				slots.map((slot) => (slot as HTMLElement).innerText.split('\n')[0].trim()),
			);
	}

	/** Chooses the credential `id` in the panel's credential slot number `slot` (0 = first), as a user does. */
	async chooseCredential(slot: number, id: string): Promise<void> {
		await this.page
			.locator('[data-test-id=ndv] [data-test-id=node-credentials-select]')
			.nth(slot)
			.click();
		await this.page
			.locator(`[data-test-id=node-credentials-select-item-${id}]`)
			.filter({ visible: true })
			.click();
		await this.page
			.locator('[data-test-id=ndv] [data-test-id=node-credentials-select] input')
			.nth(slot)
			.and(this.page.locator(':not([value=""])'))
			.waitFor();
	}

	/** Selected credential names, in the order of the slots. */
	async selectedCredentials(): Promise<string[]> {
		return await this.page
			.locator('[data-test-id=ndv] [data-test-id=node-credentials-select] input')
			.evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
	}

	/** Resource locator of `name`: From List, type `search`, pick the first result; returns what it shows. */
	async pickFromResourceLocator(
		name: string,
		search: string,
	): Promise<{ results: string[]; shown: string }> {
		const locator = this.page.locator(`[data-test-id=resource-locator-${name}]`);
		await locator.locator('[data-test-id=rlc-input]').click();
		const searchBox = this.page.locator('[data-test-id=rlc-search]').filter({ visible: true });
		await searchBox.fill(search);
		// The list is searched by the node's listSearch method: wait until every item is an answer to it.
		const items = this.page.locator('[data-test-id=rlc-item]').filter({ visible: true });
		await this.page.waitForFunction((text) => {
			const shown = Array.from(document.querySelectorAll('[data-test-id=rlc-item]')).filter(
				(item) => (item as HTMLElement).checkVisibility(),
			);
			return (
				shown.length > 0 &&
				shown.every((item) =>
					(item as HTMLElement).innerText.toLowerCase().startsWith(text.toLowerCase()),
				)
			);
		}, search);
		const results = await items.evaluateAll((elements) =>
			elements.map((element) => (element as HTMLElement).innerText.trim()),
		);
		await items.first().click();
		await searchBox.waitFor({ state: 'hidden' });
		const shown = await locator.locator('[data-test-id=rlc-input]').inputValue();
		return { results, shown };
	}

	/**
	 * Credentials page → the credential → Connection: set `field` to `value`, Save (which tests it) and
	 * return the banner the editor shows, with its details opened.
	 */
	async testCredential(
		credentialName: string,
		field: string,
		value: string,
	): Promise<{ ok: boolean; message: string }> {
		await this.page.goto(`${this.baseUrl}/home/credentials`);
		await this.page
			.locator('[data-test-id=resources-list-item]', { hasText: credentialName })
			.click();
		const modal = this.page.locator('[data-test-id=editCredential-modal]');
		await modal.waitFor();
		const input = modal.locator(`[data-test-id=parameter-input-${field}] input`);
		await input.fill(value);
		const before = await this.credentialBanner(modal, { fresh: false });
		await modal.locator('[data-test-id=credential-save-button]').click();
		const banner = await this.credentialBanner(modal, { fresh: true, previous: before });
		// Close it with its × (a reload, should the dialog keep itself open).
		await this.page
			.locator('.el-dialog__headerbtn, .el-dialog__close, [aria-label="Close"]')
			.filter({ visible: true })
			.first()
			.click();
		await modal.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
		return banner;
	}

	private async credentialBanner(
		modal: Locator,
		wait: { fresh: boolean; previous?: { message: string } },
	): Promise<{ ok: boolean; message: string }> {
		const success = modal.getByText('Connection tested successfully');
		const failure = modal.getByText(/Couldn.t connect with these settings/);
		if (wait.fresh) {
			// Saving runs the test again: wait for the button to come back ("Saved"), then for a banner.
			await modal.getByText('Saved', { exact: true }).waitFor();
		}
		await success.or(failure).first().waitFor();
		if (await success.isVisible()) return { ok: true, message: 'Connection tested successfully' };
		// The reason is behind "More details", under the banner's title row.
		await modal.getByText('More details').click();
		const reason = (element: Element): string => {
			let level: HTMLElement | null = element as HTMLElement;
			for (let depth = 0; level && depth < 6; depth++, level = level.parentElement) {
				const text = level.innerText.replace(/\s+/g, ' ').trim();
				const rest = text
					.replace(/Couldn.t connect with these settings|Retry|More details/g, '')
					.trim();
				if (rest !== '') return text;
			}
			return '';
		};
		await this.page.waitForFunction(reason, await failure.elementHandle());
		const message = await failure.evaluate(reason);
		return { ok: false, message };
	}

	/** "Execute workflow" on the open workflow; resolves when every node ran (or one failed). */
	async executeWorkflow(): Promise<void> {
		await this.page.click('[data-test-id=execute-workflow-button]');
		await this.page
			.getByText(/Workflow executed successfully|Problem in node|Workflow has issues/)
			.first()
			.waitFor({ timeout: 180_000 });
	}

	/** Text of the open panel's output (table view). */
	async outputText(): Promise<string> {
		const output = this.page.locator('[data-test-id=ndv] [data-test-id=output-panel]');
		await output.locator('[data-test-id=ndv-data-container]').waitFor();
		return (await output.innerText()).replace(/\s+/g, ' ');
	}

	async screenshot(path: string, locator?: Locator): Promise<void> {
		// Toasts and the mouse pointer's hover state are not part of the product.
		await this.page.mouse.move(0, 0);
		for (const close of await this.page
			.locator('.el-notification .el-notification__closeBtn')
			.all())
			await close.click().catch(() => undefined);
		await this.page
			.locator('.el-notification')
			.first()
			.waitFor({ state: 'hidden', timeout: 10_000 })
			.catch(() => undefined);
		await (locator ?? this.page).screenshot({ path, animations: 'disabled' });
	}
}
