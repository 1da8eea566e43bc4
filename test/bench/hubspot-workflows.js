// Workflows for `npm run bench:hubspot`: the same generated contacts upserted by our HubSpot Batch node and
// by n8n's built-in HubSpot node (Contact › Create or Update), each started by its own webhook.

const { benchId, nodeFactory } = require('./workflow-node.js');

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

const node = nodeFactory('c0000000');

const webhook = (n, path) =>
	node(
		n,
		'Start',
		'n8n-nodes-base.webhook',
		2,
		[0, 0],
		{ httpMethod: 'POST', path, options: {} },
		{ webhookId: benchId('c0000000', n + 50) },
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
 * Built-in: Contact › Create or Update, paced (pacedHubSpot). Simplify Output is on: one call per contact and
 * {vid, isNew} out (off adds a profile GET per contact).
 */
function builtInWorkflow(id, { batchSize = 190, waitSeconds = 10 } = {}) {
	const paced = pacedHubSpot(
		node,
		13,
		{ batchSize, waitSeconds },
		{
			parameters: {
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
			credential: CRED_BUILTIN,
		},
	);
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
			...paced.nodes,
		],
		connections: {
			Start: { main: [[{ node: 'Generate contacts', type: 'main', index: 0 }]] },
			'Generate contacts': { main: [[{ node: 'Loop Over Items', type: 'main', index: 0 }]] },
			...paced.connections,
		},
		pinData: {},
	};
}

/**
 * n8n's HubSpot node sends one request per item and has no 429 handling, so it runs the way n8n's docs suggest
 * for rate-limited APIs: Loop Over Items (`batchSize` per round) → HubSpot → Wait `waitSeconds`, sized to stay
 * inside the account's 10-second window, with Retry On Fail as a safety net. `parameters`: the HubSpot node's
 * (after its app-token authentication); nodes numbered from `first`; `done`: the node after the last round.
 * Returns the three nodes and their connections.
 */
function pacedHubSpot(node, first, { batchSize, waitSeconds }, { parameters, credential, done }) {
	return {
		nodes: [
			node(first, 'Loop Over Items', 'n8n-nodes-base.splitInBatches', 3, [440, 0], {
				batchSize,
				options: {},
			}),
			node(
				first + 1,
				'HubSpot',
				'n8n-nodes-base.hubspot',
				2.2,
				[660, 80],
				{ authentication: 'appToken', ...parameters },
				{
					credentials: { hubspotAppToken: credential },
					retryOnFail: true,
					maxTries: 5,
					waitBetweenTries: 5000,
				},
			),
			node(first + 2, 'Wait', 'n8n-nodes-base.wait', 1.1, [880, 80], {
				resume: 'timeInterval',
				amount: waitSeconds,
				unit: 'seconds',
			}),
		],
		connections: {
			'Loop Over Items': {
				main: [
					done ? [{ node: done, type: 'main', index: 0 }] : [],
					[{ node: 'HubSpot', type: 'main', index: 0 }],
				],
			},
			HubSpot: { main: [[{ node: 'Wait', type: 'main', index: 0 }]] },
			Wait: { main: [[{ node: 'Loop Over Items', type: 'main', index: 0 }]] },
		},
	};
}

module.exports = {
	benchContact,
	credentials,
	oursWorkflow,
	builtInWorkflow,
	pacedHubSpot,
	CRED_OURS,
	CRED_BUILTIN,
};
