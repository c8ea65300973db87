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
    let ctx = guard::org(state, &owner, acme).await?;

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

    // A month of usage for the two live projects, reported with real keys.
    for (project, scale) in [(created[0].id.0, 1), (created[1].id.0, 3)] {
        demo_usage(state, &ctx, project, scale).await?;
    }

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
        repo::invitations::accept(db, &token, &user).await?;
    }

    repo::invitations::create(db, &ctx, vec![Email::parse("new.hire@demo.plinth.dev")?], OrgRole::Member, vec![]).await?;
    let (expired, _) = repo::invitations::create(db, &ctx, vec![Email::parse("late.reply@demo.plinth.dev")?], OrgRole::Viewer, vec![]).await?.remove(0);
    let long_ago = Utc::now() - Duration::days(10);
    invitation::ActiveModel { id: Set(expired.id), created_at: Set(long_ago), expires_at: Set(long_ago + Duration::days(7)), ..Default::default() }
        .update(db)
        .await?;

    // A second organization, so the switcher has somewhere to go.
    let lab = repo::orgs::create(db, &owner, "Olivia's Lab".into(), OrgKind::Personal).await?;
    let lab_ctx = guard::org(state, &owner, lab).await?;
    let input = repo::projects::ProjectInput {
        name: "Prompt Experiments".into(),
        slug: Slug::parse("prompt-experiments")?,
        description: "Trying out new models.".into(),
        environment: Environment::Development,
        group: String::new(),
    };
    repo::projects::create(db, &lab_ctx, input).await?;
    repo::orgs::set_current(db, &owner, acme.0).await?;

    Ok(Some(format!(
        "Demo data ready. Sign in as {DEMO_OWNER_EMAIL} with password {DEMO_PASSWORD}\n(admin@, member@, viewer@ and guest@demo.plinth.dev use the same password)."
    )))
}

/// Thirty days of made-up LLM calls for a project, stored as the ingestion
/// API stores them (priced by the catalog). `scale` thins the traffic out.
async fn demo_usage(state: &AppState, org: &guard::OrgCtx, project_id: i64, scale: i64) -> Result<(), AppError> {
    use crate::domain::api_key::KeyScope;
    use crate::domain::usage::{EventStatus, NewEvent};
    let db = &state.db;
    let model = crate::server::entities::project::Entity::find_by_id(project_id).one(db).await?.ok_or(AppError::Internal)?;
    let ctx = guard::project_in(org.clone(), model).await?;
    let key = repo::api_keys::create(db, &ctx, "Demo traffic".into(), KeyScope::Ingest, None).await?;
    let key = guard::api_key(db, &key.secret).await?;
    // A fixed linear congruential sequence: the same demo every time, no RNG needed.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d ^ project_id as u64;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let models = [("openai", "gpt-4o-mini"), ("openai", "gpt-4o-mini"), ("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4"), ("local", "llama-3-8b")];
    let now = Utc::now();
    let mut events = Vec::new();
    for day in 0..30i64 {
        let calls = (40 + next(60) as i64 + (29 - day) * 2) / scale;
        for i in 0..calls {
            let (provider, model) = models[next(models.len() as u64) as usize];
            let failed = next(100) < 3;
            let at = now - Duration::days(day) - Duration::minutes(next(24 * 60) as i64);
            events.push((events.len(), NewEvent {
                id: format!("demo-{project_id}-{day}-{i}"),
                occurred_at: at.min(now),
                model: model.into(),
                provider: Some(provider.into()),
                assistant: Some(if next(3) == 0 { "returns" } else { "checkout" }.into()),
                end_user: Some(format!("customer-{}", 1 + next(25))),
                environment: Some("production".into()),
                session_id: Some(format!("s-{day}-{}", i / 4)),
                input_tokens: 200 + next(3_000) as i64,
                output_tokens: 50 + next(800) as i64,
                cost: None,
                latency_ms: Some(300 + next(2_700) as i64),
                status: if failed { EventStatus::Error } else { EventStatus::Success },
                error: failed.then(|| "upstream timeout after 30 s".to_string()),
                input: Some("Where is my order?".into()),
                output: (!failed).then(|| "Your order ships tomorrow.".to_string()),
                truncated: false,
                metadata: None,
            }));
        }
    }
    repo::usage::store(db, &key, events, &mut Vec::new()).await?;
    Ok(())
}
