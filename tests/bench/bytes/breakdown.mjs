// Size breakdown of the widget's wasm modules (issue 16, docs/decode.md "Where the bytes are"; prints figures, never
// pass/fail): where the bytes of livescope_worker_light.wasm and livescope_page.wasm come from, by origin (FFmpeg's
// libraries, per decoder/parser and demuxer; swresample; libc++; nlohmann::json; ImGui per file; livescope's areas; the
// data segments: fonts, tables, merged strings).
//
// How: each module is linked again from the objects of an already built wasm build dir (build/wasm by default: the
// shipped build, untouched), with the same command ninja uses (`ninja -t commands`), into a temporary directory, plus
// `--emit-symbol-map` (function index -> name; the wasm itself is the same, checked against the build's file) and
// `-Wl,--print-map` (wasm-ld's link map: each input function and data chunk with its object file and, for data, its
// address). This file then parses the final wasm's code and data sections itself: each function body is counted where its
// name's object file puts it (functions inlined by wasm-opt count in their caller), each data byte where its address's
// chunk comes from. Brotli is not additive, so each group also gets "brotli of that share": brotli -q 11 of the group's
// function bodies (or data bytes) concatenated, beside the module's whole brotli.
//
// Usage: node tests/bench/bytes/breakdown.mjs [--build-dir build/wasm] [--top N] [--reuse] [target ...]
//   --reuse: keep the relinked module in $TMPDIR/livescope-breakdown-<target> and read it from there next time.
//   targets: livescope_worker_light livescope_page (default), livescope_worker, livescope_decoder_hevc.
// Needs: the targets built in the build dir (cmake --build build/wasm --target <target>), Debian's emcc (wasm-ld 14).
import { execFileSync, spawnSync } from 'node:child_process';
import { brotliCompressSync, constants } from 'node:zlib';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('../../..', import.meta.url).pathname);
const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(name); if (i < 0) return dflt; const v = argv[i + 1]; argv.splice(i, 2); return v; };
const BUILD = resolve(ROOT, opt('--build-dir', 'build/wasm'));
const TOP = Number(opt('--top', '6'));
const REUSE = argv.includes('--reuse') && argv.splice(argv.indexOf('--reuse'), 1); // keep the relink in $TMPDIR and use it again
const targets = argv.length ? argv : ['livescope_worker_light', 'livescope_page'];

const br = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;
const kb = (n) => (n / 1000).toFixed(1);

// [SECTION] Linking again with names ------------------------------------------------------------------

function relink(target, dir) {
  const cmds = execFileSync('ninja', ['-C', BUILD, '-t', 'commands', target], { encoding: 'utf8', maxBuffer: 64 << 20 }).trim().split('\n');
  let cmd = cmds[cmds.length - 1].replace(/^: && /, '').replace(/ && :$/, '');
  const out = new RegExp(` -o ${target}\\.(js|html) `);
  const m = cmd.match(out);
  if (!m) throw new Error(`no "-o ${target}.js|html" in the link command of ${target}`);
  const outFile = join(dir, `${target}.${m[1]}`);
  cmd = cmd.replace(out, ` -o ${outFile} --emit-symbol-map -Wl,--print-map `);
  const r = spawnSync('sh', ['-c', cmd], { cwd: BUILD, encoding: 'utf8', maxBuffer: 256 << 20,
    env: { ...process.env, NODE_PATH: process.env.NODE_PATH || '/usr/share/nodejs' } });
  if (r.status !== 0) throw new Error(`relink of ${target} failed:\n${r.stderr.slice(-2000)}`);
  const symbols = [`${outFile}.symbols`, join(dir, `${target}.js.symbols`)].find(existsSync);
  return { wasm: readFileSync(join(dir, `${target}.wasm`)), map: r.stdout, symbols: readFileSync(symbols, 'utf8') };
}

// [SECTION] wasm parsing (code and data sections) -----------------------------------------------------

function leb(buf, pos) {
  let v = 0, shift = 0, b;
  do { b = buf[pos++]; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return [v, pos];
}
function sleb(buf, pos) {
  let v = 0, shift = 0, b;
  do { b = buf[pos++]; v |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
  if (shift < 32 && (b & 0x40)) v |= -1 << shift;
  return [v, pos];
}
const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'elem', 'code', 'data', 'datacount'];

function parseWasm(buf) {
  const sections = [], bodies = [], segments = [];
  let importedFuncs = 0, pos = 8;
  while (pos < buf.length) {
    const id = buf[pos];
    let size; [size, pos] = leb(buf, pos + 1);
    const start = pos, end = pos + size;
    let name = SECTION_NAMES[id] || `id ${id}`;
    if (id === 0) { let n; [n, pos] = leb(buf, start); name = `custom ${buf.subarray(pos, pos + n).toString()}`; }
    sections.push({ id, name, size: end - start });
    if (id === 2) { // imports: count the functions (they have no body)
      let n, p; [n, p] = leb(buf, start);
      for (let i = 0; i < n; i++) {
        let l; [l, p] = leb(buf, p); p += l; [l, p] = leb(buf, p); p += l;
        const kind = buf[p++];
        if (kind === 0) { importedFuncs++; [, p] = leb(buf, p); }
        else if (kind === 1) { p++; const f = buf[p++]; [, p] = leb(buf, p); if (f & 1) [, p] = leb(buf, p); }
        else if (kind === 2) { const f = buf[p++]; [, p] = leb(buf, p); if (f & 1) [, p] = leb(buf, p); }
        else if (kind === 3) p += 2;
      }
    }
    if (id === 10) {
      let n, p; [n, p] = leb(buf, start);
      for (let i = 0; i < n; i++) { let l; [l, p] = leb(buf, p); bodies.push({ index: importedFuncs + i, bytes: buf.subarray(p, p + l) }); p += l; }
    }
    if (id === 11) {
      let n, p; [n, p] = leb(buf, start);
      for (let i = 0; i < n; i++) {
        let flags; [flags, p] = leb(buf, p);
        let addr = -1;
        if (flags === 2) [, p] = leb(buf, p);
        if (flags !== 1) { // active: i32.const <addr> end
          if (buf[p] !== 0x41) throw new Error('data segment offset is not an i32.const');
          [addr, p] = sleb(buf, p + 1);
          p++; // end
        }
        let l; [l, p] = leb(buf, p);
        segments.push({ addr, bytes: buf.subarray(p, p + l) });
        p += l;
      }
    }
    pos = end;
  }
  return { sections, bodies, segments };
}

// [SECTION] Names and origins ------------------------------------------------------------------------

const unescapeName = (s) => s.replace(/\\([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));

// wasm-ld's map: the object of each function name, and each data chunk's address range, object and symbol.
function parseMap(text) {
  const funcObj = new Map(), data = [];
  let section = '', chunk = null;
  for (const line of text.split('\n')) {
    const m = line.match(/^\s*(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)( +)(.*)$/);
    if (!m) continue;
    const indent = m[4].length, rest = m[5];
    if (indent <= 1) { // a section ("CODE", "DATA"; Addr "-"), or one of DATA's output segments (.rodata, .data, .bss)
      if (m[1] === '-') section = rest.trim();
      chunk = null;
      continue;
    }
    if (indent <= 9) {
      const c = rest.match(/^(.*):\((.*)\)$/);
      chunk = c ? { obj: c[1], sym: c[2], addr: parseInt(m[1], 16), size: parseInt(m[3], 16) } : null;
      if (chunk && section === 'DATA' && m[1] !== '-') data.push(chunk);
      continue;
    }
    if (chunk && section === 'CODE' && !funcObj.has(rest)) funcObj.set(rest, chunk.obj);
    if (chunk && section === 'DATA') chunk.name = chunk.name || rest;
  }
  data.sort((a, b) => a.addr - b.addr);
  return { funcObj, data };
}

// FFmpeg object files, by what they belong to (libavcodec per decoder and the parsers the demuxer uses).
const AVCODEC_RULES = [
  [/(_parser|^parser|^parsers|adts_header|mpeg4audio|h2645_parse|h264_ps|h264_sei|hevc_ps|hevc_sei|h2645_sei|h264_parse|hevc_parse|h2645data|h264data|hevc_data|startcode|golomb|bsf|vlc)\.o$/, 'parsers and bitstream helpers (the demuxer\'s)'],
  [/^(aac|sbr|kbdwin|sinewin|cbrt|mdct|fft|ps|aacps|lpc|avfft|tx|mpeg4audio_sample_rates)/, 'AAC decoder (aacdec, SBR/PS, MDCT)'],
  [/^(h264|cabac|h264chroma|h264dsp|h264pred|h264qpel|videodsp|error_resilience|me_cmp|h264idct|h264_)/, 'H.264 decoder'],
  [/^hevc/, 'HEVC decoder'],
];
function ffmpegGroup(lib, member) {
  if (lib === 'avcodec') {
    for (const [re, name] of AVCODEC_RULES) if (re.test(member)) return `libavcodec: ${name}`;
    return 'libavcodec: core (decode, packets, options, codec list)';
  }
  if (lib === 'avformat') {
    if (/^(mov|isom|mov_chan|mov_esds|qtpalette|replaygain|dovi_isom)/.test(member)) return 'libavformat: mov/fMP4 demuxer';
    if (/^mpegts/.test(member)) return 'libavformat: MPEG-TS demuxer';
    return 'libavformat: core (demux, aviobuf, options, utils)';
  }
  return `lib${lib}`;
}

function groupOf(obj, name) {
  const ff = obj.match(/lib(av\w+|sw\w+)\.a\((.+)\)$/);
  if (ff) return { group: ffmpegGroup(ff[1].replace(/^av/, 'av'), ff[2]).replace(/^libav(codec|format|util)/, 'libav$1'), unit: ff[2] };
  if (/libc\+\+(abi)?[-\w]*\.a/.test(obj)) return { group: 'std:: (libc++, libc++abi)', unit: obj.match(/\(([^)]*)\)$/)?.[1] || '' };
  if (/lib(c|dlmalloc|compiler_rt|stubs|standalonewasm|emmalloc)[-\w]*\.a|^<internal>$/.test(obj)) return { group: 'libc, malloc, compiler-rt', unit: obj.match(/\(([^)]*)\)$/)?.[1] || obj };
  const im = obj.match(/(imgui\w*)\.cpp\.o\)?$/);
  if (im) return { group: `ImGui ${im[1]}.cpp`, unit: im[1] };
  if (/allcodecs\.c\.o/.test(obj)) return { group: 'libavcodec: core (decode, packets, options, codec list)', unit: 'allcodecs' };
  let area = 'livescope (other)';
  const a1 = obj.match(/src\/([\w]+)\/CMakeFiles\/[^/]+\.dir\/(?:([\w]+)\/)?/); // src/app/CMakeFiles/x.dir/worker/file.o
  const a2 = obj.match(/src\/([\w/]+?)\/(?:CMakeFiles\/[^/]+\.dir\/|liblivescope_[\w]+\.a)/); // src/player/hls/liblivescope_player_hls.a
  if (a1) area = `livescope ${a1[1]}${a1[2] ? '/' + a1[2] : ''}`;
  else if (a2) area = `livescope ${a2[1]}`;
  if (name) {
    if (/nlohmann::/.test(name)) return { group: 'nlohmann::json (inlined in livescope objects)', unit: area };
    if (/^(\S+ )?std::|^void std::|^(operator new|operator delete)/.test(name)) return { group: 'std:: templates (instantiated in livescope objects)', unit: area };
  }
  return { group: area, unit: (obj.match(/([\w.-]+\.(?:cpp|c)\.o)\)?$/) || obj.match(/\(([^)]*)\)$/) || [, obj])[1] };
}

// [SECTION] Breakdown --------------------------------------------------------------------------------

function breakdown(target) {
  const built = join(BUILD, `${target}.wasm`);
  if (!existsSync(built)) throw new Error(`${built} is missing: cmake --build ${BUILD} --target ${target}`);
  const dir = REUSE ? join(tmpdir(), `livescope-breakdown-${target}`) : mkdtempSync(join(tmpdir(), 'livescope-breakdown-'));
  try {
    const t0 = Date.now();
    let linked;
    if (REUSE && existsSync(join(dir, 'map.txt'))) {
      const symbols = [`${target}.js.symbols`, `${target}.html.symbols`].map((f) => join(dir, f)).find(existsSync);
      linked = { wasm: readFileSync(join(dir, `${target}.wasm`)), map: readFileSync(join(dir, 'map.txt'), 'utf8'), symbols: readFileSync(symbols, 'utf8') };
    } else {
      mkdirSync(dir, { recursive: true });
      linked = { ...relink(target, dir), relinked: true };
      if (REUSE) writeFileSync(join(dir, 'map.txt'), linked.map);
    }
    const { wasm, map, symbols } = linked;
    const same = wasm.equals(readFileSync(built));
    const names = new Map();
    for (const line of symbols.split('\n')) { const i = line.indexOf(':'); if (i > 0) names.set(Number(line.slice(0, i)), unescapeName(line.slice(i + 1))); }
    const { funcObj, data } = parseMap(map);
    const w = parseWasm(wasm);
    const groups = new Map();
    const add = (key, kind, bytes, unit, label) => {
      const k = `${kind}|${key}`;
      if (!groups.has(k)) groups.set(k, { key, kind, raw: 0, parts: [], units: new Map() });
      const g = groups.get(k);
      g.raw += bytes.length; g.parts.push(bytes);
      const u = unit || '?';
      g.units.set(u, (g.units.get(u) || 0) + bytes.length);
      if (label) g.units.set(`  ${label}`, (g.units.get(`  ${label}`) || 0) + 0);
    };
    let unnamed = 0;
    for (const b of w.bodies) {
      const name = names.get(b.index) || '';
      const obj = funcObj.get(name);
      if (!obj) { unnamed += b.bytes.length; add('functions not in the link map (wasm-opt helpers, renamed)', 'code', b.bytes, name.slice(0, 60)); continue; }
      const { group, unit } = groupOf(obj, name);
      add(group, 'code', b.bytes, unit);
    }
    // Data: each segment's bytes split at the link map's chunk boundaries.
    for (const s of w.segments) {
      let a = s.addr, end = s.addr + s.bytes.length;
      while (a < end) {
        let lo = 0, hi = data.length - 1, c = null;
        while (lo <= hi) { const mid = (lo + hi) >> 1; if (data[mid].addr <= a) { c = data[mid]; lo = mid + 1; } else hi = mid - 1; }
        const cEnd = c && a < c.addr + c.size ? c.addr + c.size : (data[lo] ? data[lo].addr : end);
        const stop = Math.min(end, Math.max(cEnd, a + 1));
        const bytes = s.bytes.subarray(a - s.addr, stop - s.addr);
        if (!c || a >= c.addr + c.size) add('data outside any chunk (static memory, stack)', 'data', bytes, '');
        else if (c.obj === '<internal>') add('merged strings and constants (all origins: .rodata.str, mergeable)', 'data', bytes, c.sym);
        else {
          const sym = c.name || c.sym;
          let { group } = groupOf(c.obj, '');
          if (/overlay_font|DejaVu/i.test(c.obj + sym)) group = 'overlay font (DejaVu subset)';
          else if (/libc[-\w]*\.a\((iconv|iconv_close)\.o\)/.test(c.obj)) group = 'libc: iconv\'s charset tables (musl; for FFmpeg\'s mpegts/subtitle text)';
          else if (/proggy_clean/i.test(sym)) group = 'ImGui default font (ProggyClean, base85)';
          add(group, 'data', bytes, sym.replace(/^\.(rodata|data|bss)\./, '').slice(0, 70));
        }
        a = stop;
      }
    }
    const total = wasm.length, totalBr = br(wasm);
    const codeSize = w.sections.filter((s) => s.id === 10).reduce((n, s) => n + s.size, 0);
    const dataSize = w.sections.filter((s) => s.id === 11).reduce((n, s) => n + s.size, 0);
    console.log(`\n${target}.wasm: ${kb(total)} KB raw, ${kb(totalBr)} KB brotli (code ${kb(codeSize)} KB, data ${kb(dataSize)} KB, ` +
      `other sections ${kb(total - codeSize - dataSize)} KB)${same ? '' : statSync(built).size === total ? ' (the build\'s file has the same size, not the same bytes)'
        : '  NOTE: the relinked wasm differs from the build\'s file (' + kb(statSync(built).size) + ' KB)'}` +
      (linked.relinked ? ` [relinked in ${((Date.now() - t0) / 1000).toFixed(0)} s]` : ` [the relink kept in ${dir}]`));
    console.log(`  ${'origin'.padEnd(66)} ${'kind'.padEnd(4)} ${'raw KB'.padStart(8)} ${'share'.padStart(6)} ${'brotli KB'.padStart(10)}`);
    const rows = [...groups.values()].sort((a, b) => b.raw - a.raw);
    let brSum = 0;
    for (const g of rows) {
      const gbr = br(Buffer.concat(g.parts));
      brSum += gbr;
      console.log(`  ${g.key.slice(0, 66).padEnd(66)} ${g.kind.padEnd(4)} ${kb(g.raw).padStart(8)} ${(100 * g.raw / total).toFixed(1).padStart(5)}% ${kb(gbr).padStart(10)}`);
      if (TOP > 0) {
        const units = [...g.units.entries()].filter(([u]) => !u.startsWith('  ')).sort((a, b) => b[1] - a[1]).slice(0, TOP);
        if (units.length > 1 || (units[0] && units[0][0] !== '?' && units[0][0] !== '')) {
          console.log(`      ${units.map(([u, n]) => `${u} ${kb(n)}`).join(', ')}`);
        }
      }
    }
    console.log(`  ${'other sections (types, imports, exports, table, names)'.padEnd(66)} ${''.padEnd(4)} ${kb(total - codeSize - dataSize).padStart(8)}`);
    console.log(`  sum of the groups' own brotli ${kb(brSum)} KB against the module's ${kb(totalBr)} KB (brotli is not additive: ` +
      `each share's figure is what that part alone compresses to)`);
    if (unnamed) console.log(`  functions without a map entry: ${kb(unnamed)} KB`);
  } finally {
    if (!REUSE) rmSync(dir, { recursive: true, force: true });
  }
}

for (const t of targets) breakdown(t);
