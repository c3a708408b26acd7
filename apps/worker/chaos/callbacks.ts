import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The backend's side of the callbacks: an HTTP server that counts, per post, the callbacks
 * the workers delivered (`{ event, post }` bodies), and answers 200 to each.
 */
export class CallbackReceiver {
  readonly byPost = new Map<string, string[]>();
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (piece: string) => {
        body += piece;
      });
      req.on('end', () => {
        try {
          const { event, post } = JSON.parse(body) as { event: string; post: { id: string } };
          this.byPost.set(post.id, [...(this.byPost.get(post.id) ?? []), event]);
          res.writeHead(200).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/callbacks`;
  }

  /** Terminal callbacks (published, failed, canceled) a post got. */
  count(postId: string): number {
    return (this.byPost.get(postId) ?? []).length;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
