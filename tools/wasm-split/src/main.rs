//! Splits the hydrate bundle at its `#[lazy]` functions (Plinth's lazy
//! routes) into a main module and chunks that load on first use.
//! `scripts/build.mjs` runs it between cargo and wasm-bindgen; it is the
//! step cargo-leptos's `--split` performs, without cargo-leptos.
//!
//!   wasm-split <input.wasm> <output dir> <main out.wasm> <main module>
//!
//! Writes the main module, one `.wasm` per chunk and `__wasm_split.js` (the
//! loader, which imports `initSync` from the main module, `./plinth.js`
//! after wasm-bindgen) into the output
//! directory, and prints the prefetch manifest (split name → chunk files)
//! as JSON on stdout, for Leptos to preload a lazy route's chunks.
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, main_out, main_module] = args.as_slice() else {
        eprintln!("usage: wasm-split <input.wasm> <output dir> <main out.wasm> <main module>");
        return ExitCode::from(2);
    };
    let wasm = match std::fs::read(input) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("wasm-split: cannot read {input}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut opts = wasm_split_cli_support::Options::new(&wasm);
    opts.output_dir = Path::new(output);
    opts.main_out_path = Path::new(main_out);
    opts.main_module = main_module;
    opts.link_name = "./__wasm_split.js";
    match wasm_split_cli_support::transform(opts) {
        Ok(split) => {
            println!("{}", serde_json::to_string(&split.prefetch_map).expect("a map of strings serializes"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wasm-split: {e:?}");
            ExitCode::FAILURE
        }
    }
}
