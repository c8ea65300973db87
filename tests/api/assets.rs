//! The built site as the server serves it (issue 7): hashed names read from
//! `hash.txt`, precompressed copies by `Accept-Encoding`, year-long caching
//! only for files that exist, and nothing else from the site directory.
//! Also: filters in the URL never break a page, whatever they hold.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use reqwest::StatusCode;

/// A site as `scripts/build.mjs` lays it out, in a fresh directory.
fn site(hashed: bool) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("plinth-site-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join("pkg/plinth.abc123.js"), "export default 1;").unwrap();
    std::fs::write(dir.join("pkg/plinth.abc123.js.br"), b"brotli bytes").unwrap();
    std::fs::write(dir.join("pkg/plinth.abc123.css"), "body{}").unwrap();
    std::fs::write(dir.join("favicon.svg"), "<svg/>").unwrap();
    if hashed {
        std::fs::write(dir.join("hash.txt"), "js: abc123\nwasm: abc123\ncss: abc123\n").unwrap();
    }
    dir
}

async fn get(app: &TestApp, path: &str, encoding: &str) -> reqwest::Response {
    let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(20)).build().unwrap();
    http.get(format!("{}{path}", app.base)).header("accept-encoding", encoding).send().await.unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

#[tokio::test]
async fn hashed_assets_are_precompressed_and_cached_for_a_year() {
    let dir = site(true);
    let root = dir.to_string_lossy().to_string();
    let app = spawn_app_with(Engine::Sqlite, |c| c.site_root = root).await.unwrap();

    let js = get(&app, "/pkg/plinth.abc123.js", "br, gzip").await;
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(header(&js, "content-encoding"), "br", "the precompressed copy is served");
    assert_eq!(header(&js, "cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(js.bytes().await.unwrap().as_ref(), b"brotli bytes");
    let plain = get(&app, "/pkg/plinth.abc123.js", "identity").await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(plain.text().await.unwrap(), "export default 1;");

    // A missing file is not cached for a year, and nothing else of the site is served.
    let missing = get(&app, "/pkg/plinth.zzz.js", "br").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(!header(&missing, "cache-control").contains("immutable"));
    for path in ["/hash.txt", "/pkg/../hash.txt", "/pkg/%2e%2e/hash.txt", "/pkg/..%2fhash.txt"] {
        let res = get(&app, path, "identity").await;
        assert!(!res.text().await.unwrap().contains("js: abc123"), "{path} leaks hash.txt");
    }
    assert_eq!(header(&get(&app, "/favicon.svg", "br").await, "cache-control"), "public, max-age=0, must-revalidate");

    // Pages name the hashed files and come compressed.
    let login = get(&app, "/login", "br").await;
    assert_eq!(header(&login, "content-encoding"), "br");
    let html = get(&app, "/login", "identity").await.text().await.unwrap();
    assert!(html.contains("/pkg/plinth.abc123.js") && html.contains("/pkg/plinth.abc123.wasm") && html.contains("/pkg/plinth.abc123.css"), "{html}");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn unhashed_assets_are_revalidated() {
    let dir = site(false);
    let root = dir.to_string_lossy().to_string();
    let app = spawn_app_with(Engine::Sqlite, |c| c.site_root = root).await.unwrap();
    std::fs::write(dir.join("pkg/plinth.js"), "x").unwrap();
    let js = get(&app, "/pkg/plinth.js", "identity").await;
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(header(&js, "cache-control"), "public, max-age=0, must-revalidate");
    let html = get(&app, "/login", "identity").await.text().await.unwrap();
    assert!(html.contains("/pkg/plinth.js") && !html.contains("abc123"));
    std::fs::remove_dir_all(dir).ok();
}

on_both_engines!(filters_in_the_url_never_break_a_page, |app: TestApp| async move {
    let mut fx = org(&app, "Filters").await;
    let huge = u64::MAX.to_string();
    let at = fx.slug.clone();
    for path in [format!("/o/{at}/team?page=-1&desc=maybe&sort=%3Cscript%3E&role=%00&q={}", "a".repeat(10_000)), format!("/o/{at}/audit?page={huge}")] {
        let res = fx.owner.client.get(&path).await;
        // A page number past the end is refused with its reason, like the server function.
        assert!(res.status == StatusCode::OK || res.status == StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", res.status);
        assert!(res.body.contains("</html>"), "{path} renders a page: {} with {} bytes", res.status, res.body.len());
        assert!(!res.body.contains("<script>"), "{path} echoes markup");
    }
    // Signed out, the filters survive the trip through sign-in.
    let res = Client::new(&app).get("/team?role=admin&page=2").await;
    assert_eq!(res.location(), Some("/login?next=%2Fteam%3Frole%3Dadmin%26page%3D2"));
    let res = Client::new(&app).get(&format!("/o/{at}/team?role=admin")).await;
    assert_eq!(res.location(), Some(format!("/login?next=%2Fo%2F{at}%2Fteam%3Frole%3Dadmin").as_str()));
    // Another organization's member gets "not found", and nothing of this one.
    let mut other = org(&app, "Other").await;
    let res = other.owner.client.get(&format!("/o/{at}/team?q=owner")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.body.contains("Filters") && !res.body.contains(&fx.owner.email), "no trace of the other organization");
});

/// A lazy page names its own chunks in its `<head>` on every request (so the
/// browser fetches them with the main bundle), and no other page's; a page in
/// the main bundle names none. The manifest is the one `scripts/build.mjs`
/// writes: lazy function -> chunk files (README, "Lazy routes").
#[tokio::test]
async fn lazy_pages_name_their_own_chunks_on_every_request() {
    let dir = site(true);
    std::fs::write(dir.join("hash.txt"), "js: abc123\nwasm: abc123\ncss: abc123\nsplit: 5b1175\nmanifest: 3a4f\n").unwrap();
    let manifest = r#"{"__lazy_audit_view_42": ["chunk_1.aa11", "split___lazy_audit_view_42.bb22"],
        "__lazy_project_overview_view_42": ["chunk_1.aa11", "chunk_2.cc33"], "__lazy_audit_view_view_42": ["chunk_9.ff99"]}"#;
    std::fs::write(dir.join("pkg/__wasm_split_manifest.3a4f.json"), manifest).unwrap();
    let root = dir.to_string_lossy().to_string();
    let app = spawn_app_with(Engine::Sqlite, |c| c.site_root = root).await.unwrap();
    let mut fx = org(&app, "Chunky").await;
    let preload = |file: &str| format!(r#"href="/pkg/{file}.wasm" rel="preload""#);
    for _ in 0..3 {
        let audit = fx.owner.client.get(&format!("/o/{}/audit", fx.slug)).await;
        assert_eq!(audit.status, StatusCode::OK);
        let head = audit.body.split("</head>").next().unwrap();
        for file in ["chunk_1.aa11", "split___lazy_audit_view_42.bb22"] {
            assert!(head.contains(&preload(file)), "/audit names {file}: {head}");
        }
        assert!(head.contains(r#"href="/pkg/__wasm_split.5b1175.js" rel="modulepreload""#), "and the loader: {head}");
        assert!(!head.contains("chunk_2.cc33") && !head.contains("chunk_9.ff99"), "no other page's chunks: {head}");
    }
    let team = fx.owner.client.get(&format!("/o/{}/team", fx.slug)).await;
    assert_eq!(team.status, StatusCode::OK);
    assert!(!team.body.contains(".wasm\" rel=\"preload\"") && !team.body.contains("__wasm_split"), "the team page is in the main bundle");
    std::fs::remove_dir_all(dir).ok();
}
