//! Benchmarks: they print figures and assert only correctness. Run them with
//! `make bench` (they are ignored in the normal test run).
use crate::fixtures::*;
use crate::helpers::*;
use sea_orm::ConnectionTrait;
use std::time::Instant;

async fn team_page_with_10000_members(engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        eprintln!("skipped: set {POSTGRES_ENV} to benchmark PostgreSQL");
        return;
    };
    let mut fx = org(&app, "Huge").await;
    let db = &app.state.db;
    let now = if db.get_database_backend() == sea_orm::DbBackend::Sqlite { "datetime('now')" } else { "NOW()" };
    let started = Instant::now();
    for batch in 0..20 {
        let users: Vec<String> = (0..500)
            .map(|i| {
                let n = batch * 500 + i;
                format!("('Person {n:05}', 'p{n:05}@huge.example', 'x', {now}, {now})")
            })
            .collect();
        db.execute_unprepared(&format!("INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES {}", users.join(","))).await.unwrap();
    }
    let roles = "CASE id % 4 WHEN 0 THEN 'admin' WHEN 1 THEN 'member' WHEN 2 THEN 'viewer' ELSE 'guest' END";
    db.execute_unprepared(&format!(
        "INSERT INTO memberships (org_id, user_id, role, created_at) SELECT {}, id, {roles}, {now} FROM users WHERE email LIKE '%@huge.example'",
        fx.id
    ))
    .await
    .unwrap();
    println!("bench {engine:?}: inserted 10,000 members in {:?}", started.elapsed());

    let org_id = fx.slug.to_string();
    let cases: [(&str, [(&str, &str); 4]); 5] = [
        ("first page by name", [("search", ""), ("role", ""), ("sort", "name"), ("page", "0")]),
        ("page 200 by name", [("search", ""), ("role", ""), ("sort", "name"), ("page", "200")]),
        ("by role, descending", [("search", ""), ("role", ""), ("sort", "role"), ("page", "3")]),
        ("viewers only", [("search", ""), ("role", "viewer"), ("sort", "joined"), ("page", "10")]),
        ("search 'person 0999'", [("search", "person 0999"), ("role", ""), ("sort", "email"), ("page", "0")]),
    ];
    for (label, args) in cases {
        let mut form: Vec<(&str, &str)> = vec![("org", &org_id), ("desc", "false")];
        form.extend(args);
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..7 {
            let t = Instant::now();
            let res = fx.owner.client.call("team/page", &form).await;
            times.push(t.elapsed());
            assert_eq!(res.status, reqwest::StatusCode::OK, "{}", res.body);
            total = res.json()["total"].as_u64().unwrap();
        }
        times.sort();
        println!(
            "bench {engine:?}: team/page {label:<22} median {:>7.2} ms  (max {:>7.2} ms, {total} matching)",
            times[3].as_secs_f64() * 1e3,
            times[6].as_secs_f64() * 1e3
        );
    }
}

#[tokio::test]
#[ignore = "benchmark: run with make bench"]
async fn bench_team_page_sqlite() {
    team_page_with_10000_members(Engine::Sqlite).await;
}

#[tokio::test]
#[ignore = "benchmark: run with make bench"]
async fn bench_team_page_postgres() {
    team_page_with_10000_members(Engine::Postgres).await;
}

/// Requests per second that `clients` concurrent clients get from `request` in `secs` seconds.
async fn rate<F, Fut>(clients: usize, secs: f64, request: F) -> f64
where
    F: Fn(reqwest::Client) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = reqwest::StatusCode> + Send,
{
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let deadline = Instant::now() + std::time::Duration::from_secs_f64(secs);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (http, request) = (http.clone(), request.clone());
            tokio::spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    let status = request(http.clone()).await;
                    assert_eq!(status, reqwest::StatusCode::OK);
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

/// The compressed bytes a first visit to `path` transfers: the page and every
/// asset it names under /pkg, plus the favicon, as a browser asks for them.
async fn first_visit_bytes(base: &str, path: &str, cookie: Option<&str>) -> Vec<(String, usize)> {
    let http = reqwest::Client::new();
    let get = |url: String| {
        let req = http.get(url).header("accept-encoding", "br, gzip");
        match cookie {
            Some(c) => req.header("cookie", format!("{}={c}", plinth::server::app::SESSION_COOKIE)),
            None => req,
        }
    };
    let page = get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let encoding = page.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string());
    let html_bytes = page.bytes().await.unwrap();
    assert!(encoding.is_some(), "pages are compressed");
    let html = {
        let res = reqwest::Client::new().get(format!("{base}{path}"));
        let res = match cookie {
            Some(c) => res.header("cookie", format!("{}={c}", plinth::server::app::SESSION_COOKIE)),
            None => res,
        };
        res.send().await.unwrap().text().await.unwrap()
    };
    // (A name inside the page's JSON ends at an escaped quote: `\"`.)
    let mut assets: Vec<String> = html.split("\"/pkg/").skip(1).filter_map(|s| s.split(['"', '\\']).next()).map(|s| format!("/pkg/{s}")).collect();
    assets.sort();
    assets.dedup();
    assets.push("/favicon.svg".into());
    let mut out = vec![(format!("{path} ({})", encoding.unwrap_or_default()), html_bytes.len())];
    let mut seen = std::collections::HashSet::new();
    while let Some(asset) = assets.pop() {
        if !seen.insert(asset.clone()) {
            continue;
        }
        let res = get(format!("{base}{asset}")).send().await.unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK, "{asset} is served");
        let encoding = res.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string()).unwrap_or("identity".into());
        out.push((format!("{asset} ({encoding})"), res.bytes().await.unwrap().len()));
        // A module's static imports load with it (the main JS imports the
        // wasm-split loader), though the page does not name them.
        if asset.ends_with(".js") {
            let text = reqwest::get(format!("{base}{asset}")).await.unwrap().text().await.unwrap();
            for quote in ["from '", "from \""] {
                for import in text.split(quote).skip(1).filter_map(|s| s.split(['\'', '"']).next()) {
                    if let Some(file) = import.strip_prefix("./") {
                        assets.push(format!("/pkg/{file}"));
                    }
                }
            }
        }
    }
    out
}

/// The console's pages against their own data: a signed-in page should render
/// at no less than 0.7× the rate of the server function that loads its data.
/// Uses the release site when `PLINTH_BENCH_SITE` names it (`make bench` does).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with make bench"]
async fn bench_pages() {
    let site = std::env::var("PLINTH_BENCH_SITE").ok();
    let app = spawn_app_with(Engine::Sqlite, |c| {
        if let Some(site) = site.clone() {
            c.site_root = site;
        }
    })
    .await
    .unwrap();
    plinth::server::seed::seed_demo(&app.state).await.unwrap();
    let mut owner = Client::new(&app);
    let res = owner.log_in(plinth::server::seed::DEMO_OWNER_EMAIL, plinth::server::seed::DEMO_PASSWORD).await;
    assert_eq!(res.status, reqwest::StatusCode::OK, "{}", res.body);
    let cookie = format!("{}={}", plinth::server::app::SESSION_COOKIE, owner.cookie.clone().unwrap());
    let base = app.base.clone();
    let (clients, secs) = (16, 4.0);

    let (b, c) = (base.clone(), cookie.clone());
    let page = rate(clients, secs, move |http| {
        let (b, c) = (b.clone(), c.clone());
        async move { http.get(format!("{b}/o/acme-ai/team")).header("cookie", c).send().await.unwrap().status() }
    })
    .await;
    let (b, c) = (base.clone(), cookie.clone());
    let server_fn = rate(clients, secs, move |http| {
        let (b, c) = (b.clone(), c.clone());
        let form = [("org", "acme-ai"), ("search", ""), ("role", ""), ("sort", "name"), ("desc", "false"), ("page", "0")];
        async move { http.post(format!("{b}/api/team/page")).header("cookie", c).form(&form).send().await.unwrap().status() }
    })
    .await;
    let b = base.clone();
    let login = rate(clients, secs, move |http| {
        let b = b.clone();
        async move { http.get(format!("{b}/login")).send().await.unwrap().status() }
    })
    .await;
    println!("bench pages ({clients} clients, {secs} s each, one process):");
    println!("  signed-in /team         {page:>8.0} req/s");
    println!("  team/page server fn     {server_fn:>8.0} req/s");
    println!("  /login, signed out      {login:>8.0} req/s");
    println!("  /team ÷ team/page       {:>8.2}  (goal ≥ 0.70)", page / server_fn);

    // The two pages the goal names, then two lazy pages (their chunks on top).
    let signed_in = owner.cookie.as_deref();
    for (path, cookie) in
        [("/login", None), ("/o/acme-ai/team", signed_in), ("/o/acme-ai/audit", signed_in), ("/o/acme-ai/projects/checkout-assistant/dashboard", signed_in)]
    {
        let files = first_visit_bytes(&base, path, cookie).await;
        let total: usize = files.iter().map(|(_, n)| n).sum();
        let goal = if cookie.is_none() || path.ends_with("/team") { " (goal ≤ 400 KB)" } else { "" };
        println!("bench first visit to {path}: {:.1} KB over the wire{goal}", total as f64 / 1024.0);
        // A lazy page's chunks, as one line.
        let (chunks, rest): (Vec<_>, Vec<_>) = files.into_iter().partition(|(name, _)| name.starts_with("/pkg/chunk_") || name.starts_with("/pkg/split_"));
        for (name, n) in rest {
            println!("    {:>8.1} KB  {name}", n as f64 / 1024.0);
        }
        if !chunks.is_empty() {
            println!("    {:>8.1} KB  the page's {} WASM chunks (br)", chunks.iter().map(|(_, n)| n).sum::<usize>() as f64 / 1024.0, chunks.len());
        }
    }
    if let Some(rss) = std::fs::read_to_string("/proc/self/status").ok().and_then(|s| s.lines().find(|l| l.starts_with("VmRSS")).map(str::to_string)) {
        println!("bench memory after the load (server and load generator in one process): {rss}");
    }
}
