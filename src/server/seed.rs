//! `plinth seed-demo` and `plinth create-user`.
use crate::domain::project::{Environment, Slug};
use crate::domain::team::ProjectGrant;
use crate::domain::{Email, OrgKind, OrgRole, Password, PersonName, ProjectRole, User};
use crate::error::AppError;
use crate::server::entities::{invitation, user};
use crate::server::{AppState, auth, guard, repo};
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

pub const DEMO_OWNER_EMAIL: &str = "owner@demo.plinth.dev";
pub const DEMO_PASSWORD: &str = "plinth-demo";

/// Parse and create one account.
pub async fn create_user(state: &AppState, name: &str, email: &str, password: String) -> Result<User, AppError> {
    let name = PersonName::parse(name)?;
    let email = Email::parse(email)?;
    let password = Password::parse(password)?;
    auth::create_user(state, name, email, password).await
}

/// Fill an empty database with demo data; `None` when it already has accounts.
/// Returns a short text saying how to sign in. Everything goes through the
/// same repository functions the console uses (invitations are really sent
/// and accepted), so the demo also fills the audit log.
pub async fn seed_demo(state: &AppState) -> Result<Option<String>, AppError> {
    if user::Entity::find().count(&state.db).await? > 0 {
        return Ok(None);
    }
    let db = &state.db;
    let owner = create_user(state, "Olivia Owner", DEMO_OWNER_EMAIL, DEMO_PASSWORD.into()).await?;
    let acme = repo::orgs::create(db, &owner, "Acme AI".into(), OrgKind::Company).await?;
    // New organizations start on Free; the demo shows a paying one.
    repo::orgs::set_plan(db, acme.id.0, crate::domain::plan::PlanId::Pro).await?;
    let ctx = guard::org(state, &owner, acme.id).await?;

    let projects = [
        ("Checkout Assistant", Environment::Production, "Engineering"),
        ("Support Bot", Environment::Staging, "Engineering"),
        ("Campaign Writer", Environment::Development, "Marketing"),
        ("Internal Search", Environment::Production, ""),
    ];
    let mut created = Vec::new();
    for (name, environment, group) in projects {
        let input = repo::projects::ProjectInput {
            name: name.into(),
            slug: Slug::parse(&Slug::suggest(name))?,
            description: format!("{name}: a demo project."),
            environment,
            group: group.into(),
        };
        created.push(repo::projects::create(db, &ctx, input).await?);
    }

    // A quarter of usage for the two live projects, reported with real keys.
    let live = [(created[0].id.0, 1), (created[1].id.0, 3)];
    let progress = indicatif::ProgressBar::new(DEMO_DAYS as u64 * live.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("demo usage {bar:40} {pos}/{len} days · {msg}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut calls = 0;
    for (project, scale) in live {
        calls += demo_usage(state, &ctx, project, scale, &progress).await?;
        progress.set_message(format!("{calls} calls"));
    }
    progress.finish_and_clear();
    // A key a newcomer can send events with straight away.
    let first = crate::server::entities::project::Entity::find_by_id(created[0].id.0).one(db).await?.ok_or(AppError::Internal)?;
    let first = guard::project_in(ctx.clone(), first).await?;
    let demo_key = repo::api_keys::create(db, &first, "Demo key (all)".into(), crate::domain::api_key::KeyScope::All, None).await?;

    let people = [
        ("Adam Admin", "admin@demo.plinth.dev", OrgRole::Admin, None),
        ("Mia Member", "member@demo.plinth.dev", OrgRole::Member, None),
        ("Victor Viewer", "viewer@demo.plinth.dev", OrgRole::Viewer, None),
        // A contractor who sees exactly one project.
        ("Grace Guest", "guest@demo.plinth.dev", OrgRole::Guest, Some(created[1].id)),
    ];
    for (name, email, role, project) in people {
        let user = create_user(state, name, email, DEMO_PASSWORD.into()).await?;
        let grants = project.map(|project_id| vec![ProjectGrant { project_id, role: ProjectRole::Member }]).unwrap_or_default();
        let (_, token) = repo::invitations::create(db, &ctx, vec![Email::parse(email)?], role, grants).await?.remove(0);
        repo::invitations::accept(db, &state.config.plans, &token, &user).await?;
    }

    repo::invitations::create(db, &ctx, vec![Email::parse("new.hire@demo.plinth.dev")?], OrgRole::Member, vec![]).await?;
    let (expired, _) = repo::invitations::create(db, &ctx, vec![Email::parse("late.reply@demo.plinth.dev")?], OrgRole::Viewer, vec![]).await?.remove(0);
    let long_ago = Utc::now() - Duration::days(10);
    invitation::ActiveModel { id: Set(expired.id), created_at: Set(long_ago), expires_at: Set(long_ago + Duration::days(7)), ..Default::default() }
        .update(db)
        .await?;

    // A second organization, so the switcher has somewhere to go.
    let lab = repo::orgs::create(db, &owner, "Olivia's Lab".into(), OrgKind::Personal).await?;
    let lab_ctx = guard::org(state, &owner, lab.id).await?;
    let input = repo::projects::ProjectInput {
        name: "Prompt Experiments".into(),
        slug: Slug::parse("prompt-experiments")?,
        description: "Trying out new models.".into(),
        environment: Environment::Development,
        group: String::new(),
    };
    repo::projects::create(db, &lab_ctx, input).await?;
    repo::orgs::set_current(db, &owner, acme.id.0).await?;

    Ok(Some(format!(
        "Demo data ready: {calls} calls over {DEMO_DAYS} days. Sign in as {DEMO_OWNER_EMAIL} with password {DEMO_PASSWORD}\n(admin@, member@, viewer@ and guest@demo.plinth.dev use the same password).\ndemo project key: {} (project {}, scope all)",
        demo_key.secret, first.project.slug
    )))
}

/// Days of demo usage.
const DEMO_DAYS: i64 = 90;

/// Ninety days of made-up LLM calls for a project, stored as the ingestion
/// API stores them (priced by the catalog, rolled up hourly): several
/// models, four assistants, a few hundred end users (a few of them busy),
/// busier working hours and weekdays, about 2% errors and a latency spread.
/// `scale` thins the traffic out. Returns how many calls were stored.
async fn demo_usage(state: &AppState, org: &guard::OrgCtx, project_id: i64, scale: i64, progress: &indicatif::ProgressBar) -> Result<u64, AppError> {
    use crate::domain::api_key::KeyScope;
    use crate::domain::usage::EventStatus;
    use crate::server::usage::intake::{EventInput, MetaValue, NewEvent};
    use chrono::{Datelike, Timelike};
    let db = &state.db;
    let model = crate::server::entities::project::Entity::find_by_id(project_id).one(db).await?.ok_or(AppError::Internal)?;
    let ctx = guard::project_in(org.clone(), model).await?;
    let key = repo::api_keys::create(db, &ctx, "Demo traffic".into(), KeyScope::Ingest, None).await?;
    let key = guard::api_key(db, &key.secret).await?;
    // A fixed linear congruential sequence: the same demo every time, no RNG needed.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d ^ project_id as u64;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n.max(1)
    };
    let models = [
        ("openai", "gpt-4o-mini", 40),
        ("openai", "gpt-4o", 20),
        ("anthropic", "claude-sonnet-4", 15),
        ("google", "gemini-2.5-flash", 15),
        ("anthropic", "claude-3-5-haiku", 7),
        ("local", "llama-3-8b", 3),
    ];
    let assistants = [("checkout", 45), ("returns", 25), ("search", 20), ("summarizer", 10)];
    let pick = |roll: u64, table: &[(usize, u64)]| {
        table
            .iter()
            .scan(0, |acc, (i, w)| {
                *acc += w;
                Some((*i, *acc))
            })
            .find(|(_, acc)| roll < *acc)
            .map_or(0, |(i, _)| i)
    };
    let model_weights: Vec<(usize, u64)> = models.iter().enumerate().map(|(i, m)| (i, m.2)).collect();
    let assistant_weights: Vec<(usize, u64)> = assistants.iter().enumerate().map(|(i, a)| (i, a.1)).collect();
    let now = Utc::now();
    let mut stored = 0u64;
    for day in 0..DEMO_DAYS {
        let date = now - Duration::days(day);
        let weekend = date.weekday().number_from_monday() >= 6;
        // Growth over the quarter, quieter weekends.
        let base = 180 + (DEMO_DAYS - day) * 2 + next(80) as i64;
        let calls = if weekend { base * 2 / 5 } else { base } / scale;
        let mut events = Vec::with_capacity(calls as usize);
        for i in 0..calls {
            // Working hours (UTC 7–19) hold most of the traffic.
            let hour = if next(10) < 8 { 7 + next(12) } else { next(24) } as i64;
            let at = date.with_hour(0).and_then(|d| d.with_minute(0)).unwrap_or(date) + Duration::hours(hour) + Duration::seconds(next(3_600) as i64);
            // Today's calls from hours still to come happened in the last few
            // hours instead, each at its own time: the log opens on traffic,
            // not on a column of one timestamp.
            let at = if at > now { now - Duration::seconds(1 + next(6 * 3_600) as i64) } else { at };
            let (provider, model, _) = models[pick(next(100), &model_weights)];
            let (assistant, _) = assistants[pick(next(100), &assistant_weights)];
            // A few busy users, a long tail: squaring skews toward low numbers.
            let user = {
                let r = next(1_000);
                1 + r * r / 3_000
            };
            let failed = next(1_000) < 20;
            let input_tokens = 150 + next(2_500) + if assistant == "summarizer" { 6_000 } else { 0 };
            // Latency: mostly 0.4–2 s, with a slow tail.
            let latency = 400 + next(1_600) + if next(20) == 0 { 3_000 + next(20_000) } else { 0 };
            let status = if failed { EventStatus::Error } else { EventStatus::Success };
            let mut e = EventInput::new(format!("demo-{project_id}-{day}-{i}"), at, model, status);
            e.provider = Some(provider.into());
            e.assistant = Some(assistant.into());
            e.end_user = Some(format!("customer-{user:03}"));
            e.environment = Some(if next(10) == 0 { "staging" } else { "production" }.into());
            e.session_id = Some(format!("s-{day}-{}", i / 4));
            e.input_tokens = Some(input_tokens);
            e.output_tokens = Some(40 + next(900));
            e.latency_ms = Some(if failed { 30_000 } else { latency });
            e.error = failed.then(|| "upstream timeout after 30 s".to_string());
            e.input = Some(format!("[{assistant}] Where is my order #{}?", 10_000 + next(90_000)));
            e.output = (!failed).then(|| "Your order ships tomorrow.".to_string());
            e.metadata = Some(vec![("plan".into(), MetaValue::Text(if user < 40 { "pro" } else { "free" }.into()))]);
            // Through the same checks as the ingestion API's events.
            events.push((i as usize, NewEvent::check(e, now, state.config.limits.event_text_bytes).map_err(AppError::invalid)?));
        }
        stored += crate::server::usage::store::store(state, &key, events, &mut Vec::new()).await?.accepted;
        progress.inc(1);
    }
    Ok(stored)
}
