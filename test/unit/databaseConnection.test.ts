import {
	closeAllPools,
	describePostgresError,
	describeSupabaseError,
	postgresCredentials,
	postgresPool,
	quoteIdent,
	supabaseCredentials,
} from '../../nodes/shared/database/connection';

afterEach(async () => await closeAllPools());

const credentials = (extra: Record<string, unknown> = {}) =>
	postgresCredentials({
		host: 'db.example.internal',
		port: 6543,
		database: 'attendance',
		user: 'n8n',
		password: 's3cret-Passw0rd',
		maxConnections: 8,
		...extra,
	});

describe('postgresPool', () => {
	it('is one pool per credential, grown to the largest size asked, capped by Maximum Number of Connections', () => {
		const c = credentials();
		const small = postgresPool(c, 2);
		expect(small.options.max).toBe(2);
		const same = postgresPool(c, 6);
		expect(same).toBe(small);
		expect(small.options.max).toBe(6);
		postgresPool(c, 50);
		expect(small.options.max).toBe(8);
		postgresPool(c, 3);
		expect(small.options.max).toBe(8);
		expect(postgresPool(credentials({ password: 'other' }), 2)).not.toBe(small);
	});
});

describe('credentials', () => {
	it('refuses an SSH tunnel and an empty host, naming the field', () => {
		expect(() => credentials({ sshTunnel: true })).toThrow(/SSH tunnels are not supported/);
		expect(() => credentials({ host: ' ' })).toThrow(/Host is empty/);
	});

	it('Supabase needs the project URL and the service role key', () => {
		expect(() => supabaseCredentials({ host: 'abc.supabase.co', serviceRole: 'x' })).toThrow(
			/Host must be the project URL/,
		);
		expect(() => supabaseCredentials({ host: 'https://abc.supabase.co', serviceRole: '' })).toThrow(
			/Secret Key/,
		);
		expect(supabaseCredentials({ host: 'https://abc.supabase.co/', serviceRole: 'k' }).host).toBe(
			'https://abc.supabase.co',
		);
	});
});

describe('error messages', () => {
	it('name the server and the reason, never the password', () => {
		const c = credentials();
		const auth = describePostgresError(
			{ code: '28P01', message: 'password authentication failed for user "n8n"' },
			c,
		);
		expect(auth.message).toBe(
			'PostgreSQL at db.example.internal:6543/attendance rejected user "n8n": password authentication failed for user "n8n"',
		);
		const down = describePostgresError(
			{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.5:6543' },
			c,
		);
		expect(down.message).toMatch(
			/^PostgreSQL at db\.example\.internal:6543\/attendance is unreachable/,
		);
		const leaked = describePostgresError(
			{
				code: '42601',
				message: 'syntax error near "s3cret-Passw0rd"',
				table: 'webinar_registrants',
			},
			c,
		);
		expect(leaked.message).not.toContain('s3cret-Passw0rd');
		expect(leaked.message).toContain('[42601]');
		expect(leaked.message).toContain('table webinar_registrants');
		const supa = describeSupabaseError(
			{ code: '42P01', message: 'relation does not exist', hint: 'key was sk-123-secret' },
			{ host: 'https://abc.supabase.co', serviceRole: 'sk-123-secret' },
		);
		expect(supa.message).toBe(
			'Supabase at https://abc.supabase.co: request failed: relation does not exist; hint: key was *** [42P01]',
		);
	});
});

describe('quoteIdent', () => {
	it('quotes plain names and refuses anything else', () => {
		expect(quoteIdent('mkops_schema')).toBe('"mkops_schema"');
		for (const bad of ['a-b', '1abc', 'x"; DROP TABLE y; --', '', 'a'.repeat(64)])
			expect(() => quoteIdent(bad, 'Schema')).toThrow(/Schema '.*' is not a plain SQL name/);
	});
});
