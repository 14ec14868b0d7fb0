// What `.agent-locks/` holds: one generated JSON file per live lease, named after its holder and
// token, and the claims people drop there (JSON without a `token`).
import { readdirSync } from 'node:fs';
import { readText } from '../util/files';
import type { HeldLease, LeaseMode, LeaseSource } from '../core/lease-types';

export const VIEW_DIR = '.agent-locks';

/** One generated file: a live lease. */
export interface ViewRecord {
  agent: string;
  session: string;
  token: number;
  task: string | null;
  files: string[];
  mode: LeaseMode;
  source: LeaseSource;
  started: string;
  ttl: string;
}

export function fileName(lease: HeldLease): string {
  const holder = lease.holder.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'session';
  return `${holder}.${lease.token}.json`;
}

export function jsonFiles(dir: string): string[] | null {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
      .sort();
  } catch {
    return null;
  }
}

export function isGeneratedRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { token?: unknown }).token === 'number';
}

export function isGeneratedFile(file: string): boolean {
  const text = readText(file);
  if (text === null) return false;
  try {
    return isGeneratedRecord(JSON.parse(text));
  } catch {
    return false;
  }
}
