/**
 * Where an image's bytes come from, as streams: a file on the controller (read as it is
 * sent), a file on the task's host (read in 4 MiB pieces over its SSH connection, so neither
 * side holds the whole image), or a URL downloaded by the controller and sent on as it
 * arrives. Each can tell the md5 of its content without uploading (files only), which is
 * how an existing image is compared with the file.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import type { ModuleContext } from '../../core/modules/api.js';

/** Bytes per read of a file on the host: one command each. */
export const HOST_CHUNK = 4 * 1024 * 1024;

export interface ImageSource {
  /** For messages: `/x.img on the controller`, `cloud:/x.img`, `http://...`. */
  readonly label: string;
  /** md5 of the content, when it can be known without a transfer (files). */
  md5?(): Promise<string>;
  /** Size in bytes, when known before sending (files): sent as Content-Length instead of chunks. */
  size?(): Promise<number>;
  /** A fresh stream of the content; `hash` sees every byte that passes. */
  open(hash?: (chunk: Buffer) => void): Readable;
}

/** A file on the controller, streamed from disk. */
export function controllerFile(path: string): ImageSource {
  return {
    label: `${path} on the controller`,
    async md5() {
      try {
        statSync(path);
      } catch {
        throw new Error(`filename ${path} does not exist on the controller`);
      }
      const h = createHash('md5');
      for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
      return h.digest('hex');
    },
    async size() {
      try {
        return statSync(path).size;
      } catch {
        throw new Error(`filename ${path} does not exist on the controller`);
      }
    },
    open(hash) {
      const s = createReadStream(path);
      if (hash) s.on('data', (c) => hash(c as Buffer));
      return s;
    },
  };
}

/** A file on the task's host: size and md5 in one command, then its bytes in pieces with dd. */
export function hostFile(ctx: ModuleContext<unknown>, path: string): ImageSource {
  let stat: Promise<{ size: number; md5: string }> | undefined;
  const describe = () =>
    (stat ??= (async () => {
      const q = ctx.quote(path);
      const r = await ctx.run(`test -f ${q} || { echo "no such file" >&2; exit 3; }; wc -c < ${q} && md5sum < ${q}`);
      if (r.rc !== 0) throw new Error(`filename ${path} cannot be read on ${ctx.host.name}: ${r.stderr.trim() || `exit ${r.rc}`}`);
      const [size, sum] = r.stdout.trim().split('\n');
      return { size: Number(size), md5: (sum ?? '').split(' ')[0]! };
    })());
  return {
    label: `${ctx.host.name}:${path}`,
    md5: async () => (await describe()).md5,
    size: async () => (await describe()).size,
    open(hash) {
      async function* pieces(): AsyncGenerator<Buffer> {
        const { size } = await describe();
        for (let block = 0; block * HOST_CHUNK < size; block++) {
          const r = await ctx.run(`dd if=${ctx.quote(path)} bs=${HOST_CHUNK} skip=${block} count=1 2>/dev/null`);
          if (r.rc !== 0) throw new Error(`reading ${path} on ${ctx.host.name} failed at byte ${block * HOST_CHUNK}: exit ${r.rc}`);
          const piece = r.stdoutBuffer;
          if (piece.length === 0) throw new Error(`${path} on ${ctx.host.name} shrank while it was being read`);
          hash?.(piece);
          yield piece;
        }
      }
      return Readable.from(pieces(), { objectMode: false });
    },
  };
}

/**
 * A URL fetched by the controller (or through the host, with api_via: host) and sent on as
 * it arrives. `get` starts the download and resolves to the response body.
 */
export function urlSource(url: string, get: () => Promise<Readable>): ImageSource {
  let used = false;
  return {
    label: url,
    open(hash) {
      // The download is consumed by the first upload attempt; a repeat would need a new one.
      if (used) throw new Error(`the download of ${url} was already sent once; run the task again`);
      used = true;
      const out = new PassThrough();
      get().then(
        (body) => {
          if (hash) body.on('data', (c) => hash(c as Buffer));
          body.on('error', (e) => out.destroy(e));
          body.pipe(out);
        },
        (err: Error) => out.destroy(err),
      );
      return out;
    },
  };
}
