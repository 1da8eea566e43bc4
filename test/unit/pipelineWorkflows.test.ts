// The shipped pipeline workflows: the stages chain by event type, and their Code nodes decide as the
// pages say (run here on the items n8n would pass them).
import { readFileSync } from 'fs';
import { join } from 'path';

type Node = { name: string; type: string; parameters: Record<string, any> };
type Item = { json: Record<string, any>; pairedItem?: unknown };

const load = (file: string) =>
	JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', file), 'utf8')) as {
		nodes: Node[];
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

it('enrichment: found and not found complete the company; a refused lookup makes it retry', () => {
	const slots = ['CEO', 'CFO', 'HR'].flatMap((role) => [
		{ json: { event_id: '10', company_id: 'CMP-A', role } },
		{ json: { event_id: '11', company_id: 'CMP-B', role } },
	]);
	const person = (email: string) => ({
		statusCode: 200,
		body: { person: { full_name: 'Ann Lee', email, title: 'CEO' } },
	});
	const responses = [
		person('Ann.Lee@A.com'),
		person('x@b.com'),
		{ statusCode: 404, body: { error: { code: 'not_found' } } },
		{ statusCode: 429, body: { error: { code: 'rate_limited' } } },
		{ statusCode: 404, body: {} },
		{ statusCode: 500, body: { error: { code: 'internal' } } },
	].map((json) => ({ json }));
	const out = runCode(STAGES[3], 'Collect by company', responses, {
		'One request per slot': slots,
	});
	expect(out).toEqual([
		{
			id: '10',
			company_id: 'CMP-A',
			contacts: [
				{
					role: 'CEO',
					status: 'found',
					full_name: 'Ann Lee',
					email: 'ann.lee@a.com',
					title: 'CEO',
					linkedin_url: null,
				},
				{ role: 'CFO', status: 'not_found' },
				{ role: 'HR', status: 'not_found' },
			],
			ok: true,
			error: '',
		},
		expect.objectContaining({
			id: '11',
			ok: false,
			error: 'CFO: HTTP 429 rate_limited; HR: HTTP 500 internal',
		}),
	]);
});

it('verification: every address checked, or the failures without the address', () => {
	const asked = [
		{ json: { event_id: '20', email: 'a@x.com' } },
		{ json: { event_id: '20', email: 'b@x.com' } },
		{ json: { event_id: '21', email: 'c@y.com' } },
	];
	const responses = [
		{ statusCode: 200, body: { result: 'ok', quality: 'good' } },
		{ statusCode: 200, body: { result: 'invalid', quality: 'bad' } },
		{ statusCode: 200, body: { result: 'error', error: 'Apikey not found' } },
	].map((json) => ({ json }));
	const out = runCode(STAGES[4], 'Collect by company', responses, {
		'One request per email': asked,
	});
	expect(out).toEqual([
		{
			id: '20',
			results: [
				{ email: 'a@x.com', result: 'ok', quality: 'good', deliverable: true },
				{ email: 'b@x.com', result: 'invalid', quality: 'bad', deliverable: false },
			],
			ok: true,
			error: '',
		},
		{ id: '21', results: [], ok: false, error: 'HTTP 200: Apikey not found' },
	]);
});
