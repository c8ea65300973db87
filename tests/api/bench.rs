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
    db.execute_unprepared(&format!("INSERT INTO memberships (org_id, user_id, role, created_at) SELECT {}, id, {roles}, {now} FROM users WHERE email LIKE '%@huge.example'", fx.id))
        .await
        .unwrap();
    println!("bench {engine:?}: inserted 10,000 members in {:?}", started.elapsed());

    let org_id = fx.id.to_string();
    let cases: [(&str, [(&str, &str); 4]); 5] = [
        ("first page by name", [("search", ""), ("role", ""), ("sort", "name"), ("page", "0")]),
        ("page 200 by name", [("search", ""), ("role", ""), ("sort", "name"), ("page", "200")]),
        ("by role, descending", [("search", ""), ("role", ""), ("sort", "role"), ("page", "3")]),
        ("viewers only", [("search", ""), ("role", "viewer"), ("sort", "joined"), ("page", "10")]),
        ("search 'person 0999'", [("search", "person 0999"), ("role", ""), ("sort", "email"), ("page", "0")]),
    ];
    for (label, args) in cases {
        let mut form: Vec<(&str, &str)> = vec![("org_id", &org_id), ("desc", "false")];
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
        println!("bench {engine:?}: team/page {label:<22} median {:>7.2} ms  (max {:>7.2} ms, {total} matching)", times[3].as_secs_f64() * 1e3, times[6].as_secs_f64() * 1e3);
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
