import { connect, type Socket } from 'node:net';

export interface RawReply {
  status: number;
  headers: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are JSON that the assertions check
  body: any;
  text: string;
}

/** The answer read off a socket until the server closes it. */
function readReply(socket: Socket): Promise<RawReply> {
  return new Promise((resolve) => {
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const end = data.indexOf('\r\n\r\n');
      const headers = end === -1 ? data : data.slice(0, end);
      const text = end === -1 ? '' : data.slice(end + 4);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), headers, body, text });
    });
  });
}

/**
 * Bytes straight onto a TCP connection to the API, for what fetch will not send: a body
 * that trickles, headers that never end, a malformed request line. `drip` sends one byte
 * of the body every `everyMs` until the server answers or closes.
 */
export function rawRequest(
  baseUrl: string,
  head: string,
  options: { body?: string; drip?: { everyMs: number }; end?: boolean } = {},
) {
  const url = new URL(baseUrl);
  const socket = connect(Number(url.port), url.hostname);
  const reply = readReply(socket);
  socket.write(head);
  if (options.body) socket.write(options.body);
  let timer: NodeJS.Timeout | undefined;
  if (options.drip) {
    timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write('x');
    }, options.drip.everyMs);
    socket.on('data', () => clearInterval(timer));
    socket.on('close', () => clearInterval(timer));
  }
  if (options.end) socket.end();
  return { socket, reply };
}

/** A request head with the given headers; CRLFs as HTTP/1.1 wants them. */
export const head = (requestLine: string, headers: Record<string, string>) =>
  `${requestLine} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
