/**
 * Writes the prebuilt cluster (a gzipped ustar archive, see db/cluster_build.ts) into a data
 * directory, one file at a time. PGlite's own `loadDataDir`
 * holds the whole tarball unpacked (40 MB) several times over while Postgres starts: measured,
 * Warden's first start then peaked at 370 MB; written this way, only one file (at most the 16 MB
 * WAL segment) is in memory at once.
 */

/** Bytes of a stream read in exact amounts. */
class Exact {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #buffered = 0;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** The next `n` bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Uint8Array> {
    while (this.#buffered < n) {
      const { value, done } = await this.#reader.read();
      if (done) break;
      this.#chunks.push(value);
      this.#buffered += value.length;
    }
    const out = new Uint8Array(Math.min(n, this.#buffered));
    let at = 0;
    while (at < out.length) {
      const chunk = this.#chunks[0];
      const take = Math.min(chunk.length, out.length - at);
      out.set(chunk.subarray(0, take), at);
      at += take;
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
    this.#buffered -= out.length;
    return out;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

function field(header: Uint8Array, from: number, length: number): string {
  const text = new TextDecoder().decode(header.subarray(from, from + length));
  const end = text.indexOf("\0");
  return end < 0 ? text : text.slice(0, end);
}

/**
 * Unpacks the gzipped tar `tarball` into `dataDir`, `PG_VERSION` last: PGlite takes a directory
 * with `PG_VERSION` for a cluster, so one left half-written (the process killed) still reads as
 * uninitialised and is written again by the next start. Throws on a malformed tarball.
 */
export async function extractCluster(tarball: URL, dataDir: string): Promise<void> {
  const file = await Deno.open(tarball);
  const tar = new Exact(file.readable.pipeThrough(new DecompressionStream("gzip")));
  let version: Uint8Array | undefined;
  try {
    for (;;) {
      const header = await tar.read(512);
      if (header.length < 512) throw new Error("the tarball ends mid-header");
      if (header.every((b) => b === 0)) break;
      const prefix = field(header, 345, 155);
      const name = `${prefix ? `${prefix}/` : ""}${field(header, 0, 100)}`.replace(/^[./]+/, "");
      const size = parseInt(field(header, 124, 12).trim() || "0", 8);
      const type = field(header, 156, 1);
      if (!Number.isSafeInteger(size) || name.split("/").includes("..")) {
        throw new Error(`unexpected tar entry ${JSON.stringify(name)}`);
      }
      const data = await tar.read(Math.ceil(size / 512) * 512);
      if (data.length < size) throw new Error(`the tarball ends inside ${name}`);
      if (!name) continue;
      if (type === "5") {
        await Deno.mkdir(`${dataDir}/${name}`, { recursive: true });
      } else if (type === "0" || type === "") {
        const dir = name.includes("/") ? name.slice(0, name.lastIndexOf("/")) : "";
        if (dir) await Deno.mkdir(`${dataDir}/${dir}`, { recursive: true });
        if (name === "PG_VERSION") version = data.slice(0, size);
        else await Deno.writeFile(`${dataDir}/${name}`, data.subarray(0, size));
      }
    }
  } finally {
    await tar.cancel();
  }
  if (!version) throw new Error("the tarball holds no PG_VERSION");
  await Deno.writeFile(`${dataDir}/PG_VERSION`, version);
}
