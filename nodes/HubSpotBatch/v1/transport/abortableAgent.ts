/**
 * The HubSpot SDK's typed APIs send with Node's http(s).request and take no abort signal, but they
 * accept an `httpAgent`. This agent ties each request it carries to the try that sent it
 * (AsyncLocalStorage), so when the client's timeout aborts that try the socket is destroyed: the
 * request really ends before its limiter slot is given back.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import https from 'node:https';

const currentTry = new AsyncLocalStorage<AbortSignal>();

function tie(request: http.ClientRequest): void {
	const signal = currentTry.getStore();
	if (signal === undefined) return;
	const abort = () => request.destroy(new Error('The request was aborted: no answer in time'));
	if (signal.aborted) abort();
	else signal.addEventListener('abort', abort, { once: true });
}

type AddRequest = (request: http.ClientRequest, options: unknown) => void;

function abortable<A extends http.Agent>(agent: A): A {
	const inner = (agent as unknown as { addRequest: AddRequest }).addRequest.bind(agent);
	(agent as unknown as { addRequest: AddRequest }).addRequest = (request, options) => {
		tie(request);
		inner(request, options);
	};
	return agent;
}

const agents = {
	http: abortable(new http.Agent({ keepAlive: true })),
	https: abortable(new https.Agent({ keepAlive: true })),
};

/** The process's keep-alive agent for this base URL's protocol. */
export function abortableAgent(baseUrl: string): http.Agent {
	return baseUrl.startsWith('https:') ? agents.https : agents.http;
}

/** Runs `send` so that the requests it makes end when `signal` aborts. */
export async function withAbortSignal<T>(signal: AbortSignal, send: () => Promise<T>): Promise<T> {
	return await currentTry.run(signal, send);
}
