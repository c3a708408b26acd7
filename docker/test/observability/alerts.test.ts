import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readRepoFile, repoRoot } from '../support/files';
import { declaredAlerts, promtoolPath } from './support/prometheus';

const run = promisify(execFile);
const dir = join(repoRoot, 'docker', 'prometheus');

describe('docker/prometheus/alerts.yml', () => {
  it('is valid for promtool', async () => {
    const { stdout } = await run(promtoolPath(), ['check', 'rules', 'alerts.yml'], { cwd: dir });
    expect(stdout).toContain(`SUCCESS: ${declaredAlerts().length} rules found`);
  });

  it('passes its promtool unit tests (alerts.test.yml): each alert fires, then resolves', async () => {
    const result = await run(promtoolPath(), ['test', 'rules', 'alerts.test.yml'], {
      cwd: dir,
    }).catch((error: { stdout?: string; stderr?: string }) => error);
    expect(`${result.stdout}${result.stderr}`).toMatch(/SUCCESS\s*$/);
  });

  it('has a unit test for every alert, with the alert firing and resolved', () => {
    const tests = readRepoFile('docker/prometheus/alerts.test.yml');
    for (const alert of declaredAlerts()) {
      const checks = [
        ...tests.matchAll(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:(.*)`, 'g')),
      ];
      expect(checks.length, `${alert}: no alert_rule_test`).toBeGreaterThan(0);
      expect(
        checks.some((m) => m[1]?.trim() === '[]'),
        `${alert}: no check that it is quiet or resolved`,
      ).toBe(true);
      expect(
        checks.some((m) => m[1]?.trim() === ''),
        `${alert}: no check that it fires`,
      ).toBe(true);
    }
  });
});
