//! Lazy pages on the server: the preload links for their WASM chunks.

/// Names a lazy page's chunks in the page's `<head>`, so that the browser
/// fetches them with the main bundle instead of after it (`app::lazy_pages!`
/// calls it while rendering the page on the server; the chunks are read at
/// start-up, `assets::Chunks`). Leptos has the same step, but looks the
/// manifest up outside the request's reactive owner, where it is found only
/// by chance (one request in many, here).
pub fn preload_chunks(route: &str) {
    use leptos::prelude::*;
    use leptos_meta::Link;
    let Some(chunks) = use_context::<crate::server::state::AppState>().and_then(|s| s.chunks) else { return };
    let Some(files) = chunks.of(route) else { return };
    // Registered with the page's <head> (leptos_meta); nothing renders here.
    for file in files {
        let href = format!("/{}/{file}.wasm", chunks.pkg_dir);
        let _ = view! { <Link rel="preload" href=href as_="fetch" type_="application/wasm" crossorigin="anonymous" /> }.to_html();
    }
    let _ = view! { <Link rel="modulepreload" href=chunks.loader.clone() crossorigin="anonymous" /> }.to_html();
}
