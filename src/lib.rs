//! Plinth: a self-hostable console for teams that run LLM workloads.
//!
//! Compiled twice: with `ssr` into the server binary, with `hydrate` into the
//! WASM bundle. Everything outside `server` is shared by both.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
pub mod urls;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console while developing; a release bundle
    // leaves out the formatting code they need.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // Asynchronous, for the lazy routes: a page whose code is in a chunk
    // hydrates once that chunk has loaded (`hydrate_lazy`, with a marker).
    _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document().body().expect("a page has a body");
        leptos::mount::hydrate_from_async(body, app::App).await.forget();
        // A marker for browser tests and scripts: the page is now interactive.
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}

// The server allocates many small, short-lived buffers per page (views,
// JSON, rows, across threads); glibc's allocator spent a quarter of a
// signed-in page's CPU time on them. Declared here so tests and benchmarks
// measure the same allocator as the binary.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
