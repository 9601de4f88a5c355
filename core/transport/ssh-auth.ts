/**
 * Client authentication for one connection: which methods to try, in which order, and a
 * failure message that says what was tried. Order: key files given explicitly, the
 * ssh-agent, OpenSSH's default key files (only when none was given, as ssh does), then the
 * password and keyboard-interactive answered with that password. Passwords are handed to
 * ssh2 only; they never appear in a message.
 */
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, KeyboardInteractiveCallback, ParsedKey, Prompt } from 'ssh2';
import type { SshSettings } from './ssh-settings.js';

type LoadedKey = { ok: true; key: ParsedKey } | { ok: false; reason: string };

// Key files are read and parsed once per process, not once per host.
const keyCache = new Map<string, Promise<LoadedKey>>();

async function loadKeyUncached(file: string): Promise<LoadedKey> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? 'not found' : `cannot read (${code ?? (e as Error).message})` };
  }
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    return {
      ok: false,
      reason: /encrypted|passphrase/i.test(parsed.message)
        ? 'is passphrase-protected (load it into ssh-agent instead)'
        : `is not a usable private key (${parsed.message})`,
    };
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) return { ok: false, reason: 'is not a private key' };
  return { ok: true, key };
}

export function loadPrivateKey(file: string): Promise<LoadedKey> {
  let p = keyCache.get(file);
  if (!p) {
    p = loadKeyUncached(file);
    keyCache.set(file, p);
  }
  return p;
}

interface PlannedMethod {
  label: string;
  /** The method name the server lists in USERAUTH_FAILURE. */
  serverMethod: 'publickey' | 'password' | 'keyboard-interactive';
  method: AnyAuthMethod;
}

export interface AuthPlan {
  /** For ssh2's `authHandler`. */
  handler: AuthHandlerMiddleware;
  /** Nothing at all to try (no key, no agent, no password). */
  readonly empty: boolean;
  /** Explain a failed authentication: user, methods tried, what the server accepts. */
  failureMessage(where: string): string;
  /** ssh2 reported a problem with one method (agent unreachable, signing failed). */
  note(message: string): void;
}

type PromptHandler = (name: string, instructions: string, lang: string, prompts: Prompt[], finish: KeyboardInteractiveCallback) => void;

function answerPrompts(password: string): PromptHandler {
  // Hidden prompts get the password ("Password:", "user@host's password:"); visible ones an
  // empty answer, so the password is never echoed into anything a server might display.
  return (_name, _instructions, _lang, prompts, finish) => finish(prompts.map((p) => (p.echo ? '' : password)));
}

export async function planAuth(settings: SshSettings): Promise<AuthPlan> {
  const user = settings.user;
  const methods: PlannedMethod[] = [];
  const notes: string[] = [];

  for (const file of settings.identityFiles) {
    const loaded = await loadPrivateKey(file);
    if (loaded.ok) methods.push({ label: `publickey ${file}`, serverMethod: 'publickey', method: { type: 'publickey', username: user, key: loaded.key } });
    else notes.push(`key ${file} ${loaded.reason}`);
  }
  if (settings.agentSocket && !settings.identitiesOnly) {
    methods.push({ label: `ssh-agent (${settings.agentSocket})`, serverMethod: 'publickey', method: { type: 'agent', username: user, agent: settings.agentSocket } });
  }
  for (const file of settings.defaultIdentityFiles) {
    const loaded = await loadPrivateKey(file);
    if (loaded.ok) methods.push({ label: `publickey ${file}`, serverMethod: 'publickey', method: { type: 'publickey', username: user, key: loaded.key } });
    else if (loaded.reason !== 'not found') notes.push(`key ${file} ${loaded.reason}`);
  }
  if (settings.password !== undefined) {
    methods.push({ label: 'password', serverMethod: 'password', method: { type: 'password', username: user, password: settings.password } });
    methods.push({
      label: 'keyboard-interactive',
      serverMethod: 'keyboard-interactive',
      method: { type: 'keyboard-interactive', username: user, prompt: answerPrompts(settings.password) },
    });
  }

  const tried: string[] = [];
  let serverMethods: string[] | undefined;
  let next = 0;
  const handler: AuthHandlerMiddleware = (methodsLeft, _partialSuccess, callback) => {
    if (methodsLeft) serverMethods = methodsLeft;
    while (next < methods.length) {
      const m = methods[next++]!;
      if (methodsLeft && !methodsLeft.includes(m.serverMethod)) continue;
      tried.push(m.label);
      callback(m.method);
      return;
    }
    callback(false as unknown as AnyAuthMethod); // ssh2: `false` ends authentication
  };

  return {
    handler,
    empty: methods.length === 0,
    note(message) {
      notes.push(message);
    },
    failureMessage(where) {
      const parts = [`authentication failed for user '${user}' on ${where}`];
      if (methods.length === 0) {
        const looked = settings.identityFiles.length > 0 ? settings.identityFiles : settings.defaultIdentityFiles;
        parts.push(
          `: nothing to try (no usable key file among ${looked.join(', ') || 'none'}, ` +
            `${settings.agentSocket ? 'ssh-agent disabled by IdentitiesOnly' : 'no ssh-agent (SSH_AUTH_SOCK unset)'}, no password); ` +
            `set ansible_ssh_private_key_file or --private-key, or ansible_password`,
        );
      } else {
        parts.push(`; tried: ${tried.length > 0 ? tried.join(', ') : 'nothing the server accepts'}`);
      }
      if (serverMethods) parts.push(`; the server accepts: ${serverMethods.join(', ')}`);
      if (notes.length > 0) parts.push(`; ${notes.join('; ')}`);
      return parts.join('');
    },
  };
}
