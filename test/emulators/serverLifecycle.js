'use strict';
// Listening and closing for every emulator's node:http(s) server.

/** Listens on `port` (0: a free one) and resolves with the port. A deep backlog: benchmarks open ~1,000 connections at once. */
function listen(server, port, host) {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port || 0, host, 4096, () => {
			server.off('error', reject);
			resolve(server.address().port);
		});
	});
}

/** Closes the server and its kept-alive connections; safe to call twice. */
function closeServer(server) {
	return new Promise((done) => {
		if (!server.listening) return done();
		server.close(() => done());
		server.closeAllConnections();
	});
}

module.exports = { listen, closeServer };
