// Workflows for `npm run bench:hubspot`: the same generated contacts upserted by our HubSpot Batch node and
// by n8n's built-in HubSpot node (Contact › Create or Update), each started by its own webhook.

// Deterministic contact i (unique email); the Code node and the verifier use this same function.
function benchContact(i) {
	const first = [
		'Ada',
		'Grace',
		'Alan',
		'Edsger',
		'Barbara',
		'Donald',
		'Frances',
		'John',
		'Katherine',
		'Linus',
	];
	const last = [
		'Lovelace',
		'Hopper',
		'Turing',
		'Dijkstra',
		'Liskov',
		'Knuth',
		'Allen',
		'Backus',
		'Johnson',
		'Torvalds',
	];
	const titles = [
		'Marketing Manager',
		'Growth Lead',
		'Event Coordinator',
		'CMO',
		'Demand Gen Specialist',
	];
	return {
		email: `bench.contact.${i}@example.com`,
		firstname: first[i % 10],
		lastname: last[Math.floor(i / 10) % 10],
		company: `Company ${i % 250}`,
		jobtitle: titles[i % 5],
		phone: `+1415555${String(i % 10000).padStart(4, '0')}`,
	};
}

const GENERATE = `
const N = Number($input.first().json.body?.count ?? 10000);
${benchContact.toString()}
const out = new Array(N);
for (let i = 0; i < N; i++) out[i] = { json: benchContact(i) };
return out;`;

const CRED_OURS = { id: 'mkopsBenchHsB001', name: 'HubSpot Batch (emulator)' };
const CRED_BUILTIN = { id: 'mkopsBenchHsApp1', name: 'HubSpot Service Key (emulator)' };

/** Credentials for `n8n import:credentials`. */
function credentials({ baseUrl, token, limit }) {
	return [
		{
			...CRED_OURS,
			type: 'hubSpotBatchApi',
			data: { accessToken: token, tier: 'professional', customLimit: limit, baseUrl },
		},
		{ ...CRED_BUILTIN, type: 'hubspotAppToken', data: { appToken: token } },
	];
}

const node = (n, name, type, typeVersion, position, parameters, extra = {}) => ({
	id: `c0000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`,
	name,
	type,
	typeVersion,
	position,
	parameters,
	...extra,
});

const webhook = (n, path) =>
	node(
		n,
		'Start',
		'n8n-nodes-base.webhook',
		2,
		[0, 0],
		{ httpMethod: 'POST', path, options: {} },
		{
			webhookId: `c0000000-0000-4000-8000-0000000000${String(n + 50).padStart(2, '0')}`,
		},
	);

/** Ours: Webhook → Generate → HubSpot Batch (Contact › Upsert, auto-mapped, no change detection). */
function oursWorkflow(id) {
	return {
		id,
		name: 'Benchmark: HubSpot upsert (HubSpot Batch)',
		active: false,
		settings: {
			executionOrder: 'v1',
			saveDataSuccessExecution: 'all',
			saveDataErrorExecution: 'all',
		},
		nodes: [
			webhook(1, 'bench-hubspot-ours'),
			node(2, 'Generate contacts', 'n8n-nodes-base.code', 2, [220, 0], { jsCode: GENERATE }),
			node(
				3,
				'HubSpot Batch',
				'n8n-nodes-marketing-ops.hubSpotBatch',
				1,
				[440, 0],
				{
					resource: 'contact',
					operation: 'upsert',
					columns: {
						mappingMode: 'autoMapInputData',
						value: null,
						matchingColumns: ['email'],
						schema: [],
					},
					// The node's shipped defaults: Skip Unchanged Contacts on (a read before each write).
					options: {},
				},
				{ credentials: { hubSpotBatchApi: CRED_OURS } },
			),
		],
		connections: {
			Start: { main: [[{ node: 'Generate contacts', type: 'main', index: 0 }]] },
			'Generate contacts': { main: [[{ node: 'HubSpot Batch', type: 'main', index: 0 }]] },
		},
		pinData: {},
	};
}

/**
 * Built-in: the node sends one request per item and has no 429 handling, so it runs the way n8n's docs
 * suggest for rate-limited APIs: Loop Over Items (`batchSize` per round) → HubSpot → Wait `waitSeconds`,
 * sized to stay inside the account's 10-second window, with Retry On Fail as a safety net.
 * Simplify Output is on: one call per contact and {vid, isNew} out (off adds a profile GET per contact).
 */
function builtInWorkflow(id, { batchSize = 190, waitSeconds = 10 } = {}) {
	return {
		id,
		name: 'Benchmark: HubSpot upsert (built-in HubSpot node)',
		active: false,
		settings: {
			executionOrder: 'v1',
			saveDataSuccessExecution: 'all',
			saveDataErrorExecution: 'all',
		},
		nodes: [
			webhook(11, 'bench-hubspot-builtin'),
			node(12, 'Generate contacts', 'n8n-nodes-base.code', 2, [220, 0], { jsCode: GENERATE }),
			node(13, 'Loop Over Items', 'n8n-nodes-base.splitInBatches', 3, [440, 0], {
				batchSize,
				options: {},
			}),
			node(
				14,
				'HubSpot',
				'n8n-nodes-base.hubspot',
				2.2,
				[660, 80],
				{
					authentication: 'appToken',
					resource: 'contact',
					operation: 'upsert',
					email: '={{ $json.email }}',
					additionalFields: {
						firstName: '={{ $json.firstname }}',
						lastName: '={{ $json.lastname }}',
						companyName: '={{ $json.company }}',
						jobTitle: '={{ $json.jobtitle }}',
						phoneNumber: '={{ $json.phone }}',
					},
					options: { resolveData: true },
				},
				{
					credentials: { hubspotAppToken: CRED_BUILTIN },
					retryOnFail: true,
					maxTries: 5,
					waitBetweenTries: 5000,
				},
			),
			node(15, 'Wait', 'n8n-nodes-base.wait', 1.1, [880, 80], {
				resume: 'timeInterval',
				amount: waitSeconds,
				unit: 'seconds',
			}),
		],
		connections: {
			Start: { main: [[{ node: 'Generate contacts', type: 'main', index: 0 }]] },
			'Generate contacts': { main: [[{ node: 'Loop Over Items', type: 'main', index: 0 }]] },
			'Loop Over Items': { main: [[], [{ node: 'HubSpot', type: 'main', index: 0 }]] },
			HubSpot: { main: [[{ node: 'Wait', type: 'main', index: 0 }]] },
			Wait: { main: [[{ node: 'Loop Over Items', type: 'main', index: 0 }]] },
		},
		pinData: {},
	};
}

module.exports = {
	benchContact,
	credentials,
	oursWorkflow,
	builtInWorkflow,
	CRED_OURS,
	CRED_BUILTIN,
};
