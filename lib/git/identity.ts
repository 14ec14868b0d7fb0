// Which repository this is, in words every clone of it agrees on (team mode keeps one set of leases
// per repository in a shared store): an explicit id from the configuration, else the URL of the
// remote work is integrated through, normalized so that the ssh, https and scp-like spellings of
// one repository, with or without `.git`, credentials or a port, give one id.
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { AgentLeaseError } from '../util/errors';
import { readConfig } from './config';
import type { RepoLocation } from './repo';

export interface RepositoryIdentity {
  id: string;
  /** Where the id came from: `repositoryId` in the config, or the remote whose URL it is. */
  from: { config: true } | { remote: string; url: string };
}

/**
 * The identity of `repo`: `configured` (the config's `repositoryId`) when given, else the
 * normalized URL of the integration remote (the remote `integrationBranch` names, as `upstream`
 * in `upstream/main`, else `origin`). Read from git's config files, no git process.
 */
export function repositoryIdentity(repo: RepoLocation, options: { configured: string | null; integrationBranch: string | null }): RepositoryIdentity {
  if (options.configured !== null) return { id: options.configured, from: { config: true } };
  for (const remote of remoteCandidates(options.integrationBranch)) {
    const url = readConfig(repo, `remote.${remote}.url`)?.value;
    if (url === undefined || url === '') continue;
    const id = normalizeRemoteUrl(url, mainWorktreeOf(repo));
    if (id !== null) return { id, from: { remote, url } };
    throw new AgentLeaseError(
      `the URL of remote ${remote} (${stripCredentials(url)}) is not one agent-lease can read: set "repositoryId" in .agent-lease.json`,
    );
  }
  throw new AgentLeaseError(
    'this repository has no remote "origin" to tell its clones apart from other repositories: set "repositoryId" in .agent-lease.json (the same in every clone)',
  );
}

function remoteCandidates(integrationBranch: string | null): string[] {
  const slash = integrationBranch?.indexOf('/') ?? -1;
  const named = slash > 0 ? integrationBranch!.slice(0, slash) : null;
  return named === null || named === 'origin' ? ['origin'] : [named, 'origin'];
}

/** The main worktree's directory (what a relative local remote path is relative to). */
function mainWorktreeOf(repo: RepoLocation): string {
  return basename(repo.commonDir) === '.git' ? dirname(repo.commonDir) : repo.commonDir;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
/** git's scp-like syntax: `[user@]host:path`, with no slash before the colon. */
const SCP_LIKE = /^(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+):(.*)$/;

/**
 * A remote URL reduced to `host/path` (a local repository: its absolute path), lower case, without
 * scheme, user, password, port, query, trailing slashes or `.git`. The port goes too: one
 * server often serves a repository over ssh on one port and https on another. Lower case because
 * hosting services ignore case in paths, and two names for one repository must not split its
 * clones into two sets of leases (two repositories differing only in case would share one: a
 * false conflict, never a missed one). Null for what is no URL at all.
 */
export function normalizeRemoteUrl(url: string, base: string): string | null {
  // `<transport>::<address>` (git's remote helpers, as `persistent-https::https://…`): the address.
  const text = url.trim().replace(/^[a-z0-9+.-]+::/i, '');
  if (text === '') return null;
  const scheme = SCHEME.exec(text);
  let host: string;
  let path: string;
  if (scheme !== null) {
    const rest = text.slice(scheme[0].length);
    if (scheme[1]!.toLowerCase() === 'file') return tidy(localPath(decodeSafely(rest.replace(/^[^/]*/, '')), base));
    const slash = rest.indexOf('/');
    const authority = slash < 0 ? rest : rest.slice(0, slash);
    host = hostOf(authority.slice(authority.lastIndexOf('@') + 1));
    path = slash < 0 ? '' : rest.slice(slash);
  } else {
    const scp = SCP_LIKE.exec(text);
    if (scp === null || isAbsolute(text) || text.startsWith('.')) return tidy(localPath(text, base));
    host = hostOf(scp[1]!);
    path = `/${scp[2]!}`;
  }
  if (host === '') return null;
  // `host:repo` and `ssh://host/~/repo` are the home directory's repo, and hosting services take
  // `git@host:owner/repo` for `https://host/owner/repo`: all of them are `host/…/repo`.
  path = decodeSafely(path.replace(/[?#].*$/, '')).replace(/^\/+~\//, '/');
  const id = tidy(`${host}/${path}`);
  return id === host ? null : id;
}

/** A host without its port, brackets kept for an IPv6 address. */
function hostOf(hostAndPort: string): string {
  if (hostAndPort.startsWith('[')) return hostAndPort.slice(0, hostAndPort.indexOf(']') + 1);
  return hostAndPort.replace(/:\d*$/, '');
}

function localPath(path: string, base: string): string {
  const absolute = resolve(base, path);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}

function tidy(id: string): string {
  return id
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A URL as it may be shown: any `user:password@` taken out. */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
