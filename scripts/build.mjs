#!/usr/bin/env node
// Builds Plinth without cargo-leptos: the server binary, the WASM bundle and
// the site beside the binary, from the settings in [package.metadata.leptos].
//
//   node scripts/build.mjs             dev profile   -> <target>/debug/plinth and <target>/debug/site/
//   node scripts/build.mjs --release   release       -> <target>/release/plinth and <target>/release/site/
//   node scripts/build.mjs --server-from-tests   dev, the server as `cargo test` builds it (make test's end2end)
//
// Each profile has its own site directory next to its own binary, so a test
// build never replaces the bundle a running release server serves. Asset names
// carry a content hash (Leptos reads them back from site/hash.txt), and every asset is
// stored with .br and .gz siblings for ServeDir's precompressed serving.
// Builds run one after another: never two cargo builds at once.
import { execFile, execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const release = process.argv.includes('--release');
const only = process.argv.includes('--site-only');
// `cargo test` builds the server binary too (for the integration tests), with
// the dev-dependencies' features unified in; a `cargo build --bin` unifies
// them differently and compiled about 20 crates (hyper, axum, leptos…) a
// second time. Taking the test build's binary shares one build.
const fromTests = process.argv.includes('--server-from-tests');
if (fromTests && release) throw new Error('--server-from-tests is for the dev build');

const execFileAsync = promisify(execFile);
const run = (cmd, args, env = {}) => {
  console.log(`build: ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
};

// The settings cargo-leptos would read, from cargo itself (no TOML parser needed).
const meta = JSON.parse(execFileSync('cargo', ['metadata', '--no-deps', '--format-version', '1'], { cwd: root, maxBuffer: 64 << 20 }));
const pkg = meta.packages.find((p) => p.name === 'plinth');
const leptos = pkg.metadata.leptos;
const name = leptos['output-name'];
const target = meta.target_directory;
const serverDir = join(target, release ? 'release' : 'debug');
const wasmProfile = release ? leptos['lib-profile-release'] : 'dev';
const wasmDir = join(target, 'wasm32-unknown-unknown', wasmProfile === 'dev' ? 'debug' : wasmProfile);

// Same environment for both builds as `make test` (and `make bench`) give
// cargo test, so the server shares the tests' compiled dependencies.
// `erase_components` type-erases views: far less code in the WASM bundle.
// Server and bundle must agree on it, since erased views render hydration
// markers that the others do not.
const env = { LEPTOS_OUTPUT_NAME: name, RUSTFLAGS: '--cfg erase_components' };
const features = (list) => ['--no-default-features', '--features', list.join(',')];

// The bundle keeps its relocations so that tools/wasm-split can cut it at
// the lazy routes (app.rs) into chunks that load on first use.
const wasmEnv = { ...env, RUSTFLAGS: `${env.RUSTFLAGS} -Clink-args=--emit-relocs` };
// The splitter is a build tool, always built in release (it shares compiled
// dependencies with a release server; a dev build compiles it once).
const splitter = join(target, 'release', 'wasm-split');
if (!only) {
  run('cargo', ['build', '--lib', '--target', 'wasm32-unknown-unknown', '--profile', wasmProfile, ...features(leptos['lib-features'])], wasmEnv);
  if (fromTests) run('cargo', ['test', '--no-run', ...features(leptos['bin-features'])], env);
  else run('cargo', ['build', '--bin', name, ...(release ? ['--release'] : []), ...features(leptos['bin-features'])], env);
  run('cargo', ['build', '--release', '--package', 'wasm-split'], env);
}

// Assemble the site in a fresh directory, then swap it in.
const site = join(serverDir, 'site');
const staging = `${site}.new`;
const pkgDir = join(staging, leptos['site-pkg-dir']);
rmSync(staging, { recursive: true, force: true });
mkdirSync(pkgDir, { recursive: true });

const bindgenOut = join(staging, '.bindgen');
// Split first: the main module, one module per chunk, the loader
// (__wasm_split.js) and the manifest (lazy function -> chunks to fetch).
console.log(`build: ${splitter} (lazy routes)`);
const manifest = JSON.parse(execFileSync(splitter, [join(wasmDir, `${name}.wasm`), bindgenOut, join(bindgenOut, 'main.wasm'), `./${name}.js`], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] }));
const chunks = readdirSync(bindgenOut).filter((f) => f.endsWith('.wasm') && f !== 'main.wasm');
// The chunks link against the main module's own exports, so wasm-bindgen
// must keep them, and their names as they are.
run('wasm-bindgen', ['--target', 'web', '--no-typescript', '--keep-lld-exports', '--no-demangle', '--out-dir', bindgenOut, '--out-name', name, join(bindgenOut, 'main.wasm')]);
const wasm = join(bindgenOut, `${name}_bg.wasm`);
if (release) {
  // The features rustc's wasm32 target enables by default.
  const enable = ['bulk-memory', 'mutable-globals', 'nontrapping-float-to-int', 'sign-ext', 'reference-types', 'multivalue'];
  // --converge repeats the passes while they still shrink the module (about
  // 3 KB less after brotli); the producers section is of no use to browsers.
  const opt = (file) => ['-Oz', '--converge', '--strip-producers', ...enable.map((f) => `--enable-${f}`), file, '-o', file];
  run(join(root, 'node_modules/.bin/wasm-opt'), opt(wasm));
  // The chunks, one per core at a time (about a hundred small modules), each
  // on one thread; the first failure stops the rest and the build.
  console.log(`build: wasm-opt -Oz on ${chunks.length} chunks`);
  const queue = chunks.map((c) => join(bindgenOut, c));
  const worker = async () => {
    for (let file; (file = queue.shift()); ) {
      try {
        await execFileAsync(join(root, 'node_modules/.bin/wasm-opt'), opt(file), { cwd: root, env: { ...process.env, BINARYEN_CORES: '1' } });
      } catch (e) {
        queue.length = 0;
        throw new Error(`build: wasm-opt failed on ${file}: ${e.stderr || e.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: availableParallelism() }, worker));
}

const hash = (file) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
// The stylesheet without comments and spare whitespace (releases only, so a
// dev build's CSS stays readable in the browser's tools).
const css = join(bindgenOut, `${name}.css`);
const source = readFileSync(join(root, leptos['style-file']), 'utf8');
writeFileSync(css, release ? minifyCss(source) : source);
if (release) {
  const js = join(bindgenOut, `${name}.js`);
  writeFileSync(js, slimJs(readFileSync(js, 'utf8')));
}
const hashes = { wasm: hash(wasm), css: hash(css) };
// Every chunk gets its content hash; the loader and the manifest name them so.
const chunkNames = {};
for (const c of chunks) {
  const stem = c.slice(0, -'.wasm'.length);
  chunkNames[stem] = `${stem}.${hash(join(bindgenOut, c))}`;
  renameSync(join(bindgenOut, c), join(pkgDir, `${chunkNames[stem]}.wasm`));
}
const loaderPath = join(bindgenOut, '__wasm_split.js');
let splitLoader = readFileSync(loaderPath, 'utf8');
// The loader fetches each chunk once; ours tries again, and reloads the page
// when a chunk stays missing (src/components/chunk_load.js says why).
const ownFetch = /^function makeFetch\(srcUrl\) \{\n[\s\S]*?^\}\n/m;
if ((splitLoader.match(new RegExp(ownFetch.source, 'gm')) ?? []).length !== 1) throw new Error('build: the wasm-split loader has no makeFetch function to replace');
splitLoader = splitLoader.replace(ownFetch, () => readFileSync(join(root, 'src/components/chunk_load.js'), 'utf8'));
for (const [stem, named] of Object.entries(chunkNames)) {
  if (!splitLoader.includes(`"./${stem}.wasm"`)) throw new Error(`build: the wasm-split loader does not name ${stem}.wasm`);
  splitLoader = splitLoader.replaceAll(`"./${stem}.wasm"`, `"./${named}.wasm"`);
}
let mainJs = readFileSync(join(bindgenOut, `${name}.js`), 'utf8');
// The main JS imports the loader, which imports the main JS back: one hash
// over both (with the other's name left out) names the pair, so a change to
// either renames both.
const pair = createHash('sha256').update(mainJs).update(splitLoader).digest('hex').slice(0, 16);
hashes.js = pair;
hashes.split = pair;
const importsLoader = /from ['"]\.\/__wasm_split\.js['"]/g;
if (!importsLoader.test(mainJs)) throw new Error('build: the main JS does not import the wasm-split loader');
mainJs = mainJs.replace(importsLoader, `from './__wasm_split.${pair}.js'`);
if (!splitLoader.includes(`from "./${name}.js"`)) throw new Error(`build: the wasm-split loader does not import ./${name}.js`);
splitLoader = splitLoader.replace(`from "./${name}.js"`, `from "./${name}.${pair}.js"`);
writeFileSync(join(pkgDir, `${name}.${pair}.js`), mainJs);
writeFileSync(join(pkgDir, `__wasm_split.${pair}.js`), splitLoader);
rmSync(loaderPath);
rmSync(join(bindgenOut, `${name}.js`));
const manifestText = JSON.stringify(Object.fromEntries(Object.entries(manifest).map(([split, deps]) => [split, deps.map((d) => {
  if (!chunkNames[d]) throw new Error(`build: the manifest names ${d}, which wasm-split did not write`);
  return chunkNames[d];
})])));
hashes.manifest = createHash('sha256').update(manifestText).digest('hex').slice(0, 16);
writeFileSync(join(pkgDir, `__wasm_split_manifest.${hashes.manifest}.json`), manifestText);
renameSync(wasm, join(pkgDir, `${name}.${hashes.wasm}.wasm`));
if (existsSync(join(bindgenOut, 'snippets'))) renameSync(join(bindgenOut, 'snippets'), join(pkgDir, 'snippets'));
renameSync(css, join(pkgDir, `${name}.${hashes.css}.css`));
rmSync(bindgenOut, { recursive: true, force: true });
// Charts: ECharts from npm (the "common" build: line, bar, pie, tooltip,
// legend), and the small loader that fetches it on the first chart a page
// shows, so pages without charts never load it. hash.txt names the loader
// for the server (Leptos reads only its own keys there).
const echarts = join(root, 'node_modules/echarts/dist/echarts.common.min.js');
const echartsName = `echarts.${hash(echarts)}.js`;
cpSync(echarts, join(pkgDir, echartsName));
const loader = join(pkgDir, 'charts.js');
writeFileSync(loader, readFileSync(join(root, 'src/components/charts.js'), 'utf8').replace('__ECHARTS__', `/${leptos['site-pkg-dir']}/${echartsName}`));
hashes.charts = hash(loader);
renameSync(loader, join(pkgDir, `charts.${hashes.charts}.js`));
cpSync(join(root, leptos['assets-dir']), staging, { recursive: true });

// Precompress everything worth it: brotli at its best quality for releases
// (quicker for dev builds, whose bundle is ten times larger), gzip at 9.
const compressible = new Set(['.js', '.wasm', '.css', '.svg', '.json', '.html', '.txt', '.map']);
const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
let raw = 0, br = 0;
for (const file of walk(staging)) {
  if (!compressible.has(extname(file))) continue;
  const data = readFileSync(file);
  const b = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: release ? 11 : 5, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } });
  const g = gzipSync(data, { level: 9 });
  if (b.length < data.length) writeFileSync(`${file}.br`, b);
  if (g.length < data.length) writeFileSync(`${file}.gz`, g);
  raw += data.length;
  br += Math.min(b.length, data.length);
}

writeFileSync(join(staging, 'hash.txt'), Object.entries(hashes).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n');
// A tab opened before this build still runs the previous bundle, and asks
// for its chunks when it opens a lazy page (a chunk that fails to load stops
// that tab's app): keep the previous build's hashed files, one build back.
// builds.txt names this build's own files, so older ones are not kept.
const own = readdirSync(pkgDir);
const previous = join(site, 'builds.txt');
if (existsSync(previous)) {
  for (const file of readFileSync(previous, 'utf8').split('\n').filter(Boolean)) {
    const from = join(site, leptos['site-pkg-dir'], file);
    if (/\.[0-9a-f]{16}\./.test(file) && !own.includes(file) && existsSync(from)) cpSync(from, join(pkgDir, file));
  }
}
writeFileSync(join(staging, 'builds.txt'), own.join('\n') + '\n');
rmSync(site, { recursive: true, force: true });
renameSync(staging, site);
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(`build: site in ${site} (${kb(raw)}, ${kb(br)} with brotli)`);

// Comments out, runs of whitespace to one space, no space around { } ; , >
// or after a colon. Strings and url() values in main.css hold no such runs.
function minifyCss(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    .trim();
}

// wasm-bindgen's glue without its whole-line comments and indentation
// (0.8 KB less after brotli). Safe for this glue: its template literals
// each sit on one line, and no line holds code after a comment opener.
function slimJs(text) {
  return text
    .replace(/^[ \t]*\/\*\*[\s\S]*?\*\/[ \t]*\n/gm, '')
    .replace(/^[ \t]*\/\/.*\n/gm, '')
    .replace(/^[ \t]+/gm, '');
}
