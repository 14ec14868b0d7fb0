// The project's .mcp.json: read as a JSON object (errors name the file), written back in its own
// indentation, removed when nothing is left in it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AgentLeaseError } from '../util/errors';
import type { Settings } from './settings-file';

export function readMcpConfig(file: string): Settings {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AgentLeaseError(`${file} is not valid JSON (${(error as Error).message}); fix it by hand first, nothing was changed`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AgentLeaseError(`${file} does not hold a JSON object; fix it by hand first, nothing was changed`);
  }
  return parsed as Settings;
}

export function writeMcpConfig(file: string, config: Settings): void {
  if (Object.keys(config).length === 0) {
    rmSync(file, { force: true });
    return;
  }
  const indentation = existsSync(file) ? (/^([ \t]+)"/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '  ') : '  ';
  writeFileSync(file, `${JSON.stringify(config, null, indentation)}\n`);
}
