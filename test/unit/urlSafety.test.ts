import { checkedBaseUrl, checkedPath, pathId } from '../../nodes/shared/transport/urlSafety';

describe('checkedBaseUrl', () => {
	it('keeps https URLs, without the trailing slash', () => {
		expect(checkedBaseUrl('https://api.hubapi.com/')).toBe('https://api.hubapi.com');
		expect(checkedBaseUrl(' https://services.leadconnectorhq.com/v2 ')).toBe(
			'https://services.leadconnectorhq.com/v2',
		);
	});

	it('allows plain http only on this machine', () => {
		expect(checkedBaseUrl('http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010');
		expect(checkedBaseUrl('http://localhost:8080/api')).toBe('http://localhost:8080/api');
		expect(checkedBaseUrl('http://[::1]:9000')).toBe('http://[::1]:9000');
		expect(() => checkedBaseUrl('http://api.hubapi.com')).toThrow(/must start with https:\/\//);
		expect(() => checkedBaseUrl('http://127.0.0.1.evil.example')).toThrow(/https/);
		expect(() => checkedBaseUrl('ftp://localhost')).toThrow(/https/);
	});

	it('refuses what is not a plain base URL', () => {
		expect(() => checkedBaseUrl('api.hubapi.com')).toThrow(/not a URL/);
		expect(() => checkedBaseUrl('https://user:pw@api.example.com')).toThrow(/user or password/);
		expect(() => checkedBaseUrl('https://api.example.com/?x=1')).toThrow(/query/);
	});
});

describe('checkedPath', () => {
	it('passes ordinary paths and query strings', () => {
		expect(checkedPath('/contacts/abc123/tags')).toBe('/contacts/abc123/tags');
		expect(checkedPath('/v0/appX/Events?filterByFormula=a/b')).toBe(
			'/v0/appX/Events?filterByFormula=a/b',
		);
	});

	it('refuses a segment that would step out of the API', () => {
		expect(() => checkedPath('/contacts/../tags')).toThrow(/not a plain value/);
		expect(() => checkedPath('/contacts/%2e%2E/tags')).toThrow(/not a plain value/);
		expect(() => checkedPath('/contacts/./tags')).toThrow(/not a plain value/);
		expect(() => checkedPath('/contacts/a%2Fb/tags')).toThrow(/not a plain value/);
		expect(() => checkedPath('/contacts/a%5Cb/tags')).toThrow(/not a plain value/);
		expect(() => checkedPath('/contacts/%E0%A4%A/tags')).toThrow(/malformed/);
		expect(() => checkedPath('contacts')).toThrow(/must start/);
	});
});

describe('pathId', () => {
	it('returns a trimmed id that matches the pattern', () => {
		expect(pathId(' 12345 ', 'Contact ID', /^\d+$/)).toBe('12345');
		expect(pathId('rec0123456789abcd', 'Record ID')).toBe('rec0123456789abcd');
	});

	it('names the field when the id is empty or not an id', () => {
		expect(() => pathId('', 'Contact ID')).toThrow('Contact ID is empty');
		expect(() => pathId(undefined, 'Contact ID')).toThrow('Contact ID is empty');
		expect(() => pathId('..', 'Contact ID')).toThrow(/Contact ID "\.\." is not a valid id/);
		expect(() => pathId('12a', 'Deal ID', /^\d+$/)).toThrow(/Deal ID/);
	});
});
