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
