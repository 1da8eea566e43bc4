// Points api.hubapi.com at 127.0.0.1 for the bench through one marked /etc/hosts line, the way a
// user's network (DNS override, split-horizon, egress proxy) would send the built-in node elsewhere.
// The file is rewritten in place (not renamed): in containers /etc/hosts is often a bind mount.
const { accessSync, constants, readFileSync, writeFileSync } = require('fs');
const dns = require('dns');

const HOSTS = process.env.BENCH_HOSTS_FILE || '/etc/hosts';
const MARK = '# n8n-nodes-marketing-ops bench';

const marked = (line) => line.includes(MARK);

/** Throws with a readable reason when the hosts file cannot be changed. */
function checkHostsWritable() {
	try {
		accessSync(HOSTS, constants.R_OK | constants.W_OK);
	} catch (error) {
		const why =
			error.code === 'EACCES' || error.code === 'EPERM'
				? 'permission denied (run as root, or with sudo)'
				: error.message;
		throw new Error(`cannot edit ${HOSTS} to point api.hubapi.com at the emulator: ${why}`);
	}
}

/** Removes every marked line (also ones left by a run that was killed with SIGKILL). Returns how many. */
function removeHostsLines() {
	let text;
	try {
		text = readFileSync(HOSTS, 'utf8');
	} catch {
		return 0;
	}
	const lines = text.split('\n');
	const kept = lines.filter((l) => !marked(l));
	if (kept.length !== lines.length) writeFileSync(HOSTS, kept.join('\n'));
	return lines.length - kept.length;
}

/** Adds `127.0.0.1 <host> # mark` and returns the line; other entries for the host are reported, not touched. */
function addHostsLine(host = 'api.hubapi.com', ip = '127.0.0.1') {
	checkHostsWritable();
	removeHostsLines();
	const text = readFileSync(HOSTS, 'utf8');
	const others = text
		.split('\n')
		.filter((l) => !l.trim().startsWith('#') && l.split(/\s+/).slice(1).includes(host));
	if (others.length)
		throw new Error(
			`${HOSTS} already maps ${host} (${others.join(' | ')}); remove that line first`,
		);
	const line = `${ip} ${host} ${MARK}`;
	writeFileSync(HOSTS, `${text.endsWith('\n') || text === '' ? text : `${text}\n`}${line}\n`);
	return line;
}

/** Resolves the host the way Node (and so n8n) does: getaddrinfo, which reads /etc/hosts. */
async function resolvesTo(host, ip) {
	const { address } = await dns.promises
		.lookup(host, { family: 4 })
		.catch((error) => ({ address: `error ${error.code}` }));
	if (address !== ip) {
		throw new Error(
			`${host} resolves to ${address}, not ${ip}, after editing ${HOSTS} (is "files" first for hosts in /etc/nsswitch.conf, or is a DNS cache in the way?)`,
		);
	}
}

/**
 * Points `host` at 127.0.0.1 until `cleanups` runs (the step named `label`; on a signal it goes first, so the
 * name does not stay pointed here if the rest hangs) and checks that it resolves there. Returns the line.
 */
async function pointHostHere(cleanups, host, label = `${HOSTS} line`) {
	const line = addHostsLine(host, '127.0.0.1');
	cleanups.add(label, () => removeHostsLines(), { atSignal: true });
	await resolvesTo(host, '127.0.0.1');
	return line;
}

module.exports = {
	HOSTS,
	MARK,
	addHostsLine,
	removeHostsLines,
	resolvesTo,
	checkHostsWritable,
	pointHostHere,
};
