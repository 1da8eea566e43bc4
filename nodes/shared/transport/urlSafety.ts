/**
 * Guards for what goes into a request URL: a credential's base URL and the ids placed in a path.
 * They live in the one client so that no vendor can forget them.
 */

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * A credential's base URL must be https://, except on this machine: an edited credential must
 * not send its token elsewhere in clear text. Returns the URL without a trailing slash.
 */
export function checkedBaseUrl(raw: string, field = 'Base URL'): string {
	const url = parseUrl(raw.trim());
	if (!url) throw new Error(`${field} is not a URL: expected https://host`);
	const local = LOCAL_HOSTS.has(url.hostname) || url.hostname.endsWith('.localhost');
	if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local))
		throw new Error(`${field} must start with https:// (plain http is allowed for localhost only)`);
	if (url.username || url.password) throw new Error(`${field} must not contain a user or password`);
	if (url.search || url.hash) throw new Error(`${field} must not contain a query or fragment`);
	return url.toString().replace(/\/+$/, '');
}

function parseUrl(raw: string): URL | undefined {
	try {
		return new URL(raw);
	} catch {
		return undefined;
	}
}

function decodeSegment(segment: string): string | undefined {
	try {
		return decodeURIComponent(segment);
	} catch {
		return undefined;
	}
}

/**
 * A request path may not step out of the API: a segment that is empty, `.` or `..` (also
 * percent-encoded) would let an id such as `..` turn `/contacts/{id}/tags` into `/tags`.
 */
export function checkedPath(path: string): string {
	if (!path.startsWith('/')) throw new Error(`Request path must start with "/": ${path}`);
	const [pathname] = path.split('?');
	for (const segment of pathname.slice(1).split('/')) {
		const decoded = decodeSegment(segment);
		if (decoded === undefined) throw new Error('Request path has a malformed percent-encoding');
		if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\'))
			throw new Error('Request path has an id that is not a plain value (".", ".." or a slash)');
	}
	return path;
}

/**
 * An id that will be placed in a URL path: non-empty, no slashes or dots-only, and matching the
 * vendor's own id pattern when one is given. Throws with the field's name, never the value's context.
 */
export function pathId(value: unknown, field: string, pattern = /^[A-Za-z0-9_-]{1,128}$/): string {
	const id = String(value ?? '').trim();
	if (!id) throw new Error(`${field} is empty`);
	if (!pattern.test(id))
		throw new Error(`${field} "${id.slice(0, 64)}" is not a valid id (expected ${pattern.source})`);
	return id;
}
