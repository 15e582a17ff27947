import { lstatSync, readlinkSync } from 'node:fs';

/**
 * The bubblewrap command line for one `exec` call. The sandbox starts from an empty root and gets
 * only what a shell command needs: the system directories and a few `/etc` files read-only, a
 * fresh `/proc` (its own PID namespace: the worker is not in it), a minimal `/dev`, empty `/tmp`
 * and `$HOME`, and the workspace read-write. Everything else — the worker's config, state, home,
 * the project checkout — is simply not there.
 */

/** Read-only system directories, mirrored as the host has them (a directory or a symlink such as `/bin -> usr/bin`). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The `/etc` entries a shell, DNS, TLS and the dynamic loader need; no secrets among them (no shadow, no ssh keys). */
export const ETC_ALLOW_LIST = [
  'passwd',
  'group',
  'hosts',
  'resolv.conf',
  'nsswitch.conf',
  'host.conf',
  'gai.conf',
  'protocols',
  'services',
  'localtime',
  'timezone',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'alternatives',
  'ssl',
  'ca-certificates',
  'ca-certificates.conf',
  'pki',
  'os-release',
  'debian_version',
] as const;

/** `$HOME` inside the sandbox: an empty tmpfs on each call. */
export const SANDBOX_HOME = '/home/sandbox';

export interface BwrapLayout {
  /** The workspace's real path, bound read-write at the same path. */
  workspace: string;
  /** The working directory (a real path inside the workspace). */
  cwd: string;
  /** Share the host's network namespace; false leaves only a private loopback. */
  network: boolean;
  /** Extra host paths bound read-only at the same path (a toolchain, say); missing ones are skipped. */
  readOnlyPaths: readonly string[];
  /** `--disable-userns` (bubblewrap 0.8+): no nested user namespace to undo the read-only mounts from. */
  disableUserns: boolean;
  /** Mount arguments for the system directories, from `systemMountArgs()`. */
  systemMounts: readonly string[];
}

/** `--ro-bind` or `--symlink` for each system directory, as found on this host (read once per process). */
export function systemMountArgs(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    try {
      const stat = lstatSync(dir);
      if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
      else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
    } catch {
      // not on this host (/lib32, /libx32 usually)
    }
  }
  return args;
}

/** Namespaces and process rules: new PID, mount, user, IPC, UTS, cgroup (and network unless shared) namespaces. */
export function namespaceArgs(opts: { network: boolean; disableUserns: boolean }): string[] {
  return [
    '--unshare-all',
    '--unshare-user', // explicit: --unshare-all only tries, and --disable-userns needs it
    ...(opts.disableUserns ? ['--disable-userns'] : []),
    ...(opts.network ? ['--share-net'] : []),
    '--die-with-parent', // the worker dies → the sandbox's init dies → its PID namespace is killed
    '--new-session', // no TIOCSTI into a terminal, and a session of its own
    '--cap-drop',
    'ALL',
  ];
}

/** The fixed part of the file system: /proc, /dev, system dirs, the /etc allow list, /tmp and $HOME. */
export function baseMountArgs(systemMounts: readonly string[]): string[] {
  const args = ['--proc', '/proc', '--dev', '/dev', ...systemMounts];
  for (const name of ETC_ALLOW_LIST) args.push('--ro-bind-try', `/etc/${name}`, `/etc/${name}`);
  args.push('--tmpfs', '/tmp', '--tmpfs', SANDBOX_HOME);
  return args;
}

/** The whole argument list: `bwrap <these> ` runs `/bin/sh -c command` in the sandbox. */
export function bwrapArgs(layout: BwrapLayout, command: string): string[] {
  // Parents before children, so a workspace under /tmp or a read-only path inside the workspace
  // both come out right: the deeper mount is made later and wins.
  const binds: { path: string; args: string[] }[] = [
    ...layout.readOnlyPaths.map((path) => ({ path, args: ['--ro-bind-try', path, path] })),
    { path: layout.workspace, args: ['--bind', layout.workspace, layout.workspace] },
  ];
  binds.sort((a, b) => depth(a.path) - depth(b.path));
  return [
    ...namespaceArgs(layout),
    ...baseMountArgs(layout.systemMounts),
    ...binds.flatMap((bind) => bind.args),
    // The root tmpfs that holds the mount points becomes read-only: writes go to the workspace, /tmp or $HOME.
    '--remount-ro',
    '/',
    '--chdir',
    layout.cwd,
    '/bin/sh',
    '-c',
    command,
  ];
}

function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}
