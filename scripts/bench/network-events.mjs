// Network events of a cold start, from Node's http diagnostics channels, for cold-start.mjs and
// cold-limit.mjs: each request's start (once it is queued on its socket, after the 'socket'
// event), a new connection's TCP or TLS connect, and each response's end.
import { subscribe } from 'node:diagnostics_channel';

/**
 * Starts recording; the returned array fills with `[name, ms since the process started]`.
 * @returns {[string, number][]}
 */
const recordNetworkEvents = () => {
  const events = [];
  const mark = (name) => events.push([name, Number(performance.now().toFixed(2))]);
  subscribe('http.client.request.start', ({ request }) => {
    mark(`request ${request.path}`);
    const { socket } = request;
    if (socket?.connecting !== true) return;
    if (socket.encrypted) socket.once('secureConnect', () => mark(`tls connected ${request.path}`));
    else socket.once('connect', () => mark(`tcp connected ${request.path}`));
  });
  subscribe('http.client.response.finish', ({ request }) => mark(`response ${request.path}`));
  return events;
};

export { recordNetworkEvents };
