//! The built site: where it is, and how its files are served.
//!
//! `scripts/build.mjs` puts each profile's site next to its binary
//! (`target/release/site`, `target/debug/site`) with a `hash.txt` that names
//! the content-hashed bundle files, and stores `.br`/`.gz` copies of each
//! file. A binary therefore serves the bundle it was built with, and a hashed
//! file can be cached for a year: a new build gets new names. The site
//! directory is self-contained: copy it anywhere and name it in
//! `PLINTH_SITE_ROOT`. Only `/pkg` and the favicon are served from it, so
//! `hash.txt` itself is not.
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::Response;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tower_http::services::ServeDir;

/// Hashed names never change content, so browsers may keep them for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unhashed files (the favicon, or a build without hashes) are revalidated.
const REVALIDATE: &str = "public, max-age=0, must-revalidate";

/// The directory of the running binary, where the build script writes its site.
fn exe_dir() -> PathBuf {
    std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf)).unwrap_or_default()
}

/// The site built for this binary's profile, or the one `cargo leptos watch`
/// names when it runs the server (it sets `LEPTOS_SITE_ROOT`).
pub fn default_site_root() -> String {
    match std::env::var("LEPTOS_SITE_ROOT") {
        Ok(root) => root,
        Err(_) => exe_dir().join("site").to_string_lossy().into_owned(),
    }
}

/// The site's `hash.txt`, if it was built with hashed asset names. Leptos
/// reads the names from it (it joins this absolute path to its own default
/// directory, which leaves the path as it is). cargo-leptos builds without
/// hashes here.
pub fn hash_file(site_root: &str) -> Option<PathBuf> {
    let file = std::path::absolute(Path::new(site_root).join("hash.txt")).ok()?;
    (std::env::var_os("LEPTOS_SITE_ROOT").is_none() && file.is_file()).then_some(file)
}

/// The URL of the chart loader (`charts.<hash>.js`, see `scripts/build.mjs`),
/// from the `charts:` line of `hash.txt`; `None` for a site built without it.
pub fn charts_script(site_root: &str, pkg_dir: &str) -> Option<String> {
    let hash = site_hash(site_root, "charts")?;
    Some(format!("/{pkg_dir}/charts.{hash}.js"))
}

/// The hash on the `key:` line of the site's `hash.txt`, if it is hex.
fn site_hash(site_root: &str, key: &str) -> Option<String> {
    let hashes = std::fs::read_to_string(Path::new(site_root).join("hash.txt")).ok()?;
    let hash = hashes.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))?.trim();
    hash.chars().all(|c| c.is_ascii_hexdigit()).then(|| hash.to_string())
}

/// The lazy pages' chunks, from the manifest `scripts/build.mjs` writes
/// (`manifest:` and `split:` in `hash.txt`): for each lazy page, the files
/// its code is in.
#[derive(Clone, Debug, Default)]
pub struct Chunks {
    /// `/pkg/__wasm_split.<hash>.js`, the loader the chunks go through.
    pub loader: String,
    /// Lazy function (`__<route>_view_<n>`) -> chunk file stems.
    by_page: HashMap<String, Vec<String>>,
    pub pkg_dir: String,
}

impl Chunks {
    /// `None` for a site built without lazy routes (or without hashes).
    pub fn read(site_root: &str, pkg_dir: &str) -> Option<Self> {
        let (manifest, split) = (site_hash(site_root, "manifest")?, site_hash(site_root, "split")?);
        if manifest.is_empty() || split.is_empty() {
            return None;
        }
        let file = std::fs::read_to_string(Path::new(site_root).join(pkg_dir).join(format!("__wasm_split_manifest.{manifest}.json"))).ok()?;
        let by_page = serde_json::from_str(&file).ok()?;
        Some(Self { loader: format!("/{pkg_dir}/__wasm_split.{split}.js"), by_page, pkg_dir: pkg_dir.to_string() })
    }

    /// The chunks of the lazy route type named `route` (`LazyAudit`), whose
    /// lazy function Leptos names `__lazy_audit_view_<n>`.
    pub fn of(&self, route: &str) -> Option<&[String]> {
        let mut prefix = String::from("__");
        for (i, c) in route.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                prefix.push('_');
            }
            prefix.push(c.to_ascii_lowercase());
        }
        prefix.push_str("_view_");
        self.by_page
            .iter()
            .find(|(k, _)| k.strip_prefix(&prefix).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())))
            .map(|(_, v)| v.as_slice())
    }
}

/// `/pkg` (the bundle and stylesheet) and the other files of the site root.
pub fn routes<S: Clone + Send + Sync + 'static>(site_root: &str, pkg_dir: &str, hashed: bool) -> Router<S> {
    let site = Path::new(site_root);
    let files = |dir: PathBuf| ServeDir::new(dir).precompressed_br().precompressed_gzip();
    let pkg = if hashed { IMMUTABLE } else { REVALIDATE };
    Router::new()
        .nest_service(&format!("/{pkg_dir}"), files(site.join(pkg_dir)))
        .layer(middleware::map_response(move |res| cache_for(res, pkg)))
        .route_service("/favicon.svg", files(site.to_path_buf()))
        .layer(middleware::map_response(|res| cache_for(res, REVALIDATE)))
}

/// Only a file that was found may be cached; a 404 must not outlive the next build.
async fn cache_for(mut res: Response, policy: &'static str) -> Response {
    if res.status().is_success() && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lazy_route_finds_the_chunks_of_its_own_view_function() {
        let by_page = [("__lazy_project_overview_view_7", "a"), ("__lazy_project_view_7", "b"), ("__lazy_audit_view_view_7", "c"), ("__lazy_audit_view_", "d")];
        let chunks =
            Chunks { loader: String::new(), by_page: by_page.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect(), pkg_dir: "pkg".into() };
        assert_eq!(chunks.of("LazyProjectOverview"), Some(&["a".to_string()][..]));
        assert_eq!(chunks.of("LazyProject"), Some(&["b".to_string()][..]));
        assert_eq!(chunks.of("LazyAudit"), None, "another route's name, or no number, is not a match");
    }
}
