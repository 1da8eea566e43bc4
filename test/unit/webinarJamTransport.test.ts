/** WebinarJam transport and paging pieces that need no server. */
import { hasNextPage, type RegistrantsPage } from '../../nodes/WebinarJam/v1/helpers/api';
import { parseIdList } from '../../nodes/WebinarJam/v1/helpers/utils';
import { baseUrlOf, statusForApiError } from '../../nodes/WebinarJam/v1/transport';

const page = (over: Partial<RegistrantsPage>): RegistrantsPage => ({
	current_page: 1,
	data: [{ id: 1 }],
	last_page: 3,
	next_page_url: 'https://api.webinarjam.com/webinarjam/registrants?page=2',
	...over,
});

describe('base URL', () => {
	it('follows the product unless overridden', () => {
		expect(baseUrlOf({ apiKey: 'k', product: 'webinarjam' })).toBe(
			'https://api.webinarjam.com/webinarjam',
		);
		expect(baseUrlOf({ apiKey: 'k', product: 'everwebinar' })).toBe(
			'https://api.webinarjam.com/everwebinar',
		);
		expect(
			baseUrlOf({
				apiKey: 'k',
				product: 'everwebinar',
				baseUrl: ' http://127.0.0.1:9/everwebinar// ',
			}),
		).toBe('http://127.0.0.1:9/everwebinar');
	});
});

describe('HTTP 200 with status "error"', () => {
	it.each([
		['Invalid API key', 401],
		['API key is required', 401],
		['Unauthorized', 401],
		['Too Many Attempts.', 429],
		['Webinar not found', 404],
		['The schedule field is required.', 400],
	])('%p stands for %p', (message, status) => {
		expect(statusForApiError(message)).toBe(status);
	});
});

describe('paging', () => {
	it('goes on while Laravel names a next page, stops on the last or an empty page', () => {
		expect(hasNextPage(page({}), 1)).toBe(true);
		expect(hasNextPage(page({ current_page: 3, next_page_url: null }), 3)).toBe(false);
		expect(hasNextPage(page({ next_page_url: null, last_page: undefined }), 1)).toBe(false);
		expect(hasNextPage(page({ next_page_url: null, last_page: 2 }), 1)).toBe(true);
		expect(hasNextPage(page({ data: [] }), 1)).toBe(false);
	});

	it('refuses a server that ignores the page number (it would loop forever)', () => {
		expect(() => hasNextPage(page({ current_page: 1 }), 2)).toThrow(
			'WebinarJam answered page 1 when page 2 was asked for; stopped so no page is read twice',
		);
	});
});

describe('id lists', () => {
	it('takes arrays and separated text, dedupes, and names a bad entry', () => {
		expect(parseIdList([3, '5', 3], 'Webinars')).toEqual([3, 5]);
		expect(parseIdList('1001, 1002\n1003;1001', 'Schedule IDs')).toEqual([1001, 1002, 1003]);
		expect(parseIdList('', 'Schedule IDs')).toEqual([]);
		expect(() => parseIdList('12, abc', 'Schedule IDs')).toThrow(
			'Schedule IDs: "abc" is not an ID (a whole number)',
		);
	});
});
