/**
 * Imported by `main.ts`, second; at import, glibc's malloc policy for the Warden process (and, at
 * the end, the collection after start). By default glibc raises its mmap threshold (from 128 KiB
 * up to 32 MiB) each time it frees a large block that had its own mapping; from then on, large
 * short-lived allocations (V8 compiling PGlite's WebAssembly on its worker threads, at start) come
 * from malloc's arenas and stay resident once freed. Which of them do depends on thread timing, so
 * an idle embedded Warden sat at 190 or at 245 MB from one start to the next. Fixing the threshold
 * at 128 KiB (glibc's own starting value; it also turns the raising off) gives every large block
 * its own mapping, returned to the system when freed: idle 175–177 MB, every start
 * (bench/footprint.ts; 149–155 MB since the start task also keeps PGlite's WebAssembly on V8's
 * baseline compiler, `--v8-flags=--liftoff-only`, see the README). `deno task start` sets it
 * before the process starts (`MALLOC_MMAP_THRESHOLD_=131072`, so Deno's own start-up is covered
 * too); this sets it only for a `deno run -A main.ts` started without the variable (with it,
 * glibc has read it already, whatever its value). Not glibc (musl, macOS) or no FFI permission:
 * nothing changes.
 */
const M_MMAP_THRESHOLD = -3;

function fixMmapThreshold(): void {
  if (Deno.build.os !== "linux" || Deno.env.get("MALLOC_MMAP_THRESHOLD_") !== undefined) return;
  const libc = Deno.dlopen("libc.so.6", {
    mallopt: { parameters: ["i32", "i32"], result: "i32" },
  });
  libc.symbols.mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  libc.close();
}

try {
  fixMmapThreshold();
} catch {
  // Not glibc, or no `--allow-ffi`/`--allow-env`: malloc keeps its default policy.
}

/**
 * One full garbage collection once Warden has started, so the garbage of start-up (compiling its
 * modules, migrating, building the catalog) is given back at once instead of whenever V8's memory
 * reducer gets to it: 10–40 s later, later still on a busy machine, and until then an idle Warden
 * on a server database holds 94–100 MB instead of 77–80 (bench/footprint.ts). V8's `gc` is reached
 * as Node allows it: its flag set at run time, then read from a new `node:vm` context (the flag
 * only affects contexts made after it). If that fails, the memory reducer still does it later.
 */
export async function collectStartGarbage(): Promise<void> {
  try {
    const [{ default: v8 }, { default: vm }] = await Promise.all([
      import("node:v8"),
      import("node:vm"),
    ]);
    v8.setFlagsFromString("--expose-gc");
    (vm.runInNewContext("gc") as () => void)();
  } catch {
    // No such V8 flag or context: the memory reducer returns the memory in its own time.
  }
}
