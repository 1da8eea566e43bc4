// The shipped pipeline workflows: the stages chain by event type, and their Code nodes decide as the
// pages say (run here on the items n8n would pass them).
import { readFileSync } from 'fs';
import { join } from 'path';

type Node = { name: string; type: string; parameters: Record<string, any> };
type Item = { json: Record<string, any>; pairedItem?: unknown };

const load = (file: string) =>
	JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', file), 'utf8')) as {
		nodes: Node[];
		settings?: { executionTimeout?: number };
	};
const STAGES = ['1-validate', '2-promote', '3-slots', '4-enrich', '5-verify'].map((s) =>
	load(`pipeline-${s}.json`),
);

/** Runs a Code node's JavaScript the way n8n's "Run Once for All Items" mode calls it. */
function runCode(
	wf: { nodes: Node[] },
	name: string,
	input: Item[],
	others: Record<string, Item[]> = {},
) {
	const code = wf.nodes.find((n) => n.name === name)!.parameters.jsCode as string;
	const $input = { all: () => input };
	const $ = (node: string) => ({ all: () => others[node] });
	return (new Function('$input', '$', code) as (...a: unknown[]) => Item[])($input, $).map(
		(i) => i.json,
	);
}

it('each stage listens for the event the previous stage completes with', () => {
	const listens = STAGES.map(
		(wf) => wf.nodes.find((n) => n.type.endsWith('.pipelineTrigger'))!.parameters.eventTypes,
	);
	const emits = STAGES.map((wf) =>
		wf.nodes
			.filter((n) => n.type.endsWith('.pipelineEvent') && n.parameters.operation === 'complete')
			.map((n) => n.parameters.nextEventType)
			.filter(Boolean),
	);
	expect(listens).toEqual([
		'company_created',
		'company_validated',
		'company_promoted',
		'slots_created',
		'contact_enriched',
	]);
	expect(emits).toEqual([
		['company_validated'],
		['company_promoted'],
		['slots_created'],
		['contact_enriched'],
		[],
	]);
});

it('no pipeline workflow opens a webhook or form', () => {
	const all = [...STAGES, load('pipeline-monitor.json'), load('pipeline-retention.json')];
	expect(all.flatMap((wf) => wf.nodes.filter((n) => /webhook|formTrigger/i.test(n.type)))).toEqual(
		[],
	);
});

it('validation: a name and a website with a real domain; the domain lower-cased without www', () => {
	const event = (payload: Record<string, unknown>, id = '1') => ({
		json: { id, record_id: '7', payload },
	});
	const out = runCode(STAGES[0], 'Validate company', [
		event({ company_name: 'Acme', website: 'https://www.Acme.com/about?x=1' }),
		event({ company_name: 'Gamma Co', website: 'gamma.co.uk:8080/' }),
		event({ company_name: 'B', website: 'ftp://b.com' }),
		event({ company_name: 'Delta', website: '' }),
		event({ company_name: 'Eps', website: 'https://localhost' }),
	]);
	expect(out.map((o) => [o.valid, o.domain, o.error])).toEqual([
		[true, 'acme.com', ''],
		[true, 'gamma.co.uk', ''],
		[
			false,
			null,
			'company name missing or shorter than 2 characters; website is not an http(s) address',
		],
		[false, null, 'website missing'],
		[false, null, 'website has no valid domain name'],
	]);
	expect(out[0]).toMatchObject({ id: '1', intake_id: 7, company_name: 'Acme' });
});

it('enrichment: each slot asked gets its answer (found, not found) or why there is none yet', () => {
	const slots = ['CEO', 'CFO', 'HR'].map((role) => ({
		json: { event_id: '10', company_id: 'CMP-A', role },
	}));
	const responses = [
		{
			statusCode: 200,
			body: { person: { full_name: 'Ann Lee', email: ' Ann.Lee@A.com ', title: 'CEO' } },
		},
		{ statusCode: 404, body: { error: { code: 'not_found' } } },
		{ statusCode: 429, body: { error: { code: 'rate_limited' } } },
	].map((json) => ({ json }));
	expect(runCode(STAGES[3], 'Collect answers', responses, { 'Slots to look up': slots })).toEqual([
		{
			event_id: '10',
			company_id: 'CMP-A',
			role: 'CEO',
			answered: true,
			status: 'found',
			full_name: 'Ann Lee',
			email: 'ann.lee@a.com',
			title: 'CEO',
			linkedin_url: null,
		},
		{ event_id: '10', company_id: 'CMP-A', role: 'CFO', answered: true, status: 'not_found' },
		{
			event_id: '10',
			company_id: 'CMP-A',
			role: 'HR',
			answered: false,
			failure: 'HTTP 429 rate_limited',
		},
	]);
	// A request that got no answer at all (the HTTP node continues with the error as the item).
	expect(
		runCode(STAGES[3], 'Collect answers', [{ json: { error: { message: 'ECONNRESET' } } }], {
			'Slots to look up': slots.slice(0, 1),
		}),
	).toEqual([
		{ event_id: '10', company_id: 'CMP-A', role: 'CEO', answered: false, failure: 'no answer' },
	]);
});

it('verification: each address gets its result, or why there is none yet, without the address in the reason', () => {
	const asked = ['a@x.com', 'b@x.com', 'c@y.com'].map((email) => ({
		json: { event_id: '20', email },
	}));
	const responses = [
		{ statusCode: 200, body: { result: 'ok', quality: 'good' } },
		{ statusCode: 200, body: { result: 'invalid', quality: 'bad' } },
		{ statusCode: 200, body: { result: 'error', error: 'Apikey not found' } },
	].map((json) => ({ json }));
	expect(runCode(STAGES[4], 'Collect answers', responses, { 'Addresses to check': asked })).toEqual(
		[
			{ email: 'a@x.com', checked: true, result: 'ok', quality: 'good', deliverable: true },
			{ email: 'b@x.com', checked: true, result: 'invalid', quality: 'bad', deliverable: false },
			{ email: 'c@y.com', checked: false, failure: 'HTTP 200: Apikey not found' },
		],
	);
});

it('the stages stop a run before the trigger would hand its events to another (execution timeout < processing timeout)', () => {
	for (const wf of STAGES) {
		const trigger = wf.nodes.find((n) => n.type.endsWith('.pipelineTrigger'))!;
		const processing = (trigger.parameters.options?.timeoutSeconds as number | undefined) ?? 300;
		expect(wf.settings?.executionTimeout).toBeLessThan(processing);
	}
});
