import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitUntil } from '@tiktok-fleet/testing';
import { parse, stringify } from 'yaml';
import { dockerDir, readRepoFile, type Yaml } from '../../support/files';

const INSTALL_HINT =
  "install Debian's prometheus package (apt-get install -y prometheus; .ci/run does)";

function binary(name: string): string {
  const path = `/usr/bin/${name}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: ${INSTALL_HINT}`);
  return path;
}

/** The alert names docker/prometheus/alerts.yml declares, in order. */
export function declaredAlerts(): string[] {
  return [...readRepoFile('docker/prometheus/alerts.yml').matchAll(/^\s+- alert: (\S+)$/gm)].map(
    (m) => m[1] as string,
  );
}

export const promtoolPath = () => binary('promtool');
export const prometheusPath = () => binary('prometheus');

export interface StartPrometheusOptions {
  /** host:port of the API and of each worker's metrics server. */
  api: string;
  workers: string[];
  /** Scrape and rule evaluation interval. */
  interval: string;
  /** Rewrites the shipped rules for a test (shorter `for:`); the shipped file otherwise. */
  rules?: (groups: Yaml) => Yaml;
}

export interface PrometheusUnderTest {
  url: string;
  /** GET /api/v1/<path>; throws on anything but status "success". */
  api<T = Yaml>(path: string, params?: Record<string, string>): Promise<T>;
  /** Everything Prometheus printed, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

/**
 * Debian's Prometheus on a free port with its own data directory, running the shipped
 * docker/prometheus/prometheus.yml with its targets pointed at a running fleet. Resolves
 * once Prometheus says it is ready.
 */
export async function startPrometheus(
  options: StartPrometheusOptions,
): Promise<PrometheusUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'tf-prometheus-'));
  const config = parse(await readFile(join(dockerDir, 'prometheus', 'prometheus.yml'), 'utf8'));
  config.global = { scrape_interval: options.interval, evaluation_interval: options.interval };
  for (const job of config.scrape_configs) {
    const targets = job.job_name === 'tiktok-fleet-api' ? [options.api] : options.workers;
    job.static_configs = [{ targets }];
    job.scrape_timeout = options.interval;
  }
  const rules = parse(await readFile(join(dockerDir, 'prometheus', 'alerts.yml'), 'utf8'));
  await writeFile(join(dir, 'alerts.yml'), stringify(options.rules ? options.rules(rules) : rules));
  await writeFile(join(dir, 'prometheus.yml'), stringify(config));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    prometheusPath(),
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error}`);
    return body.data;
  };
  const close = async () => {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${output}`);
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'Prometheus ready', describe: () => output },
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { url, api, output: () => output, close };
}
