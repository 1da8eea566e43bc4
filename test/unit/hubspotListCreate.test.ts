/**
 * findOrCreateList after a create whose outcome is unknown: the look-up decides, and a resend is
 * safe only because HubSpot refuses a second list of the same name (scripted answers, in order).
 */
import { AttemptError } from '../../nodes/shared/transport/attempt';
import { findOrCreateList } from '../../nodes/HubSpotBatch/v1/helpers/lists';
import type { HubSpotApi } from '../../nodes/HubSpotBatch/v1/transport';

type Step = { expect: string; answer: unknown } | { expect: string; fail: AttemptError };

function scripted(steps: Step[]) {
	const seen: string[] = [];
	const api = {
		request: async (req: { method: string; path: string }) => {
			const call = `${req.method} ${req.path.startsWith('/crm/v3/lists/object-type-id') ? 'lookup' : req.path}`;
			seen.push(call);
			const step = steps.shift();
			if (!step) throw new Error(`unexpected call ${call}`);
			expect(call).toBe(step.expect);
			if ('fail' in step) throw step.fail;
			return { status: 200, body: step.answer, headers: {} };
		},
	} as unknown as HubSpotApi;
	return { api, seen, left: () => steps.length };
}

const http = (status: number, body: object = {}, uncertain = false) => {
	const error = new AttemptError('HubSpot', 'http', status, body as never, {});
	error.uncertain = uncertain;
	return error;
};
const list = { list: { listId: '77', name: 'L', processingType: 'MANUAL' } };
const notFound = http(404);

describe('findOrCreateList after a create HubSpot may or may not have applied', () => {
	it('the look-up finds no list: the create is sent again and its list returned', async () => {
		const { api, seen, left } = scripted([
			{ expect: 'GET lookup', fail: notFound },
			{ expect: 'POST /crm/v3/lists', fail: http(503, {}, true) },
			{ expect: 'GET lookup', fail: notFound },
			{ expect: 'POST /crm/v3/lists', answer: list },
		]);
		await expect(findOrCreateList(api, 'L')).resolves.toEqual({
			list: list.list,
			created: true,
		});
		expect(seen).toHaveLength(4);
		expect(left()).toBe(0);
	});

	it('the first create landed late: the resend is refused as a duplicate name, and the list is read', async () => {
		const { api, left } = scripted([
			{ expect: 'GET lookup', fail: notFound },
			{ expect: 'POST /crm/v3/lists', fail: http(502, {}, true) },
			{ expect: 'GET lookup', fail: notFound },
			{ expect: 'POST /crm/v3/lists', fail: http(400, { category: 'DUPLICATE_LIST_NAMES' }) },
			{ expect: 'GET lookup', answer: list },
		]);
		await expect(findOrCreateList(api, 'L')).resolves.toEqual({
			list: list.list,
			created: false,
		});
		expect(left()).toBe(0);
	});

	it('the look-up itself fails: no resend, the create failure is reported', async () => {
		const failure = http(503, {}, true);
		const { api, seen } = scripted([
			{ expect: 'GET lookup', fail: notFound },
			{ expect: 'POST /crm/v3/lists', fail: failure },
			{ expect: 'GET lookup', fail: http(500) },
		]);
		await expect(findOrCreateList(api, 'L')).rejects.toBe(failure);
		expect(seen.filter((c) => c.startsWith('POST'))).toHaveLength(1);
	});

	it('three uncertain creates, none found: gives up with the last failure', async () => {
		const last = http(504, {}, true);
		const { api, seen } = scripted([
			{ expect: 'GET lookup', fail: notFound },
			{ expect: 'POST /crm/v3/lists', fail: http(503, {}, true) },
			{ expect: 'GET lookup', fail: notFound },
			{ expect: 'POST /crm/v3/lists', fail: http(502, {}, true) },
			{ expect: 'GET lookup', fail: notFound },
			{ expect: 'POST /crm/v3/lists', fail: last },
			{ expect: 'GET lookup', fail: notFound },
		]);
		await expect(findOrCreateList(api, 'L')).rejects.toBe(last);
		expect(seen.filter((c) => c.startsWith('POST'))).toHaveLength(3);
	});

	it('a refusal that is not about the name (e.g. 403) is reported at once', async () => {
		const refused = http(403, { category: 'MISSING_SCOPES' });
		const { api, seen } = scripted([
			{ expect: 'GET lookup', fail: notFound },
			{ expect: 'POST /crm/v3/lists', fail: refused },
		]);
		await expect(findOrCreateList(api, 'L')).rejects.toBe(refused);
		expect(seen).toHaveLength(2);
	});
});
