//! Every cell of both tables in permissions.md, both ways: each role is shown
//! what it may do and refused what it may not. The tables below are
//! transcribed from the spec by hand (not from the policy module), and every
//! test case is generated from them.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use plinth::api::audit::LoadAuditPage;
use plinth::api::orgs::{DeleteOrg, LeaveOrg, LoadBillingZone, LoadDashboard, LoadDeletionPreview, SetBillingZone, UpdateOrg};
use plinth::api::prices::{AddPrice, LoadPrices, RecomputeCosts, RecomputeStatus};
use plinth::api::projects::{AddProjectMember, CreateProject, DeleteProject, LoadProject, RemoveProjectMember, SetProjectMember, UpdateProject};
use plinth::api::team::{ChangeMemberRole, LoadTeamPage, RemoveMember};
use plinth::domain::OrgRole::{self, Admin, Guest, Member, Owner, Viewer};
use plinth::domain::ProjectRole;
use reqwest::StatusCode;

const ROLES: [OrgRole; 5] = [Owner, Admin, Member, Viewer, Guest];

/// Organization-table rows whose cells depend only on the actor's role. The
/// rows that also depend on a second role are `may_invite`, `may_change` and
/// `may_remove`; dashboard visibility and leaving are checked in `org_matrix`.
struct OrgRow {
    action: &'static str,
    /// The roles with a yes in the row.
    allowed: &'static [OrgRole],
}

const ORG_TABLE: &[OrgRow] = &[
    OrgRow { action: "see the team table", allowed: &[Owner, Admin, Member, Viewer] },
    OrgRow { action: "create a project", allowed: &[Owner, Admin, Member] },
    OrgRow { action: "see Settings (change organization details)", allowed: &[Owner] },
    OrgRow { action: "see what deleting the organization removes", allowed: &[Owner] },
    OrgRow { action: "delete the organization", allowed: &[Owner] },
    // "see … Settings": the billing time zone is on the Settings page.
    OrgRow { action: "set the billing time zone", allowed: &[Owner] },
    OrgRow { action: "see the audit log", allowed: &[Owner, Admin] },
    // Not in permissions.md; issue 8: "Owners and Admins can edit it per organization".
    OrgRow { action: "edit the model price catalog", allowed: &[Owner, Admin] },
];

/// The roles an Admin may hand out and manage.
fn below_admin(role: OrgRole) -> bool {
    matches!(role, Member | Viewer | Guest)
}

/// "invite a member": Owner any role; Admin: Member, Viewer, Guest.
fn may_invite(actor: OrgRole, role: OrgRole) -> bool {
    match actor {
        Owner => true,
        Admin => below_admin(role),
        _ => false,
    }
}

/// "change a member's role": Owner any member, any role; Admin only members
/// below Admin, to roles below Admin.
fn may_change(actor: OrgRole, target: OrgRole, to: OrgRole) -> bool {
    match actor {
        Owner => true,
        Admin => below_admin(target) && below_admin(to),
        _ => false,
    }
}

/// "remove a member": Owner anyone (but the last Owner); Admin only members below Admin.
fn may_remove(actor: OrgRole, target: OrgRole) -> bool {
    match actor {
        Owner => true,
        Admin => below_admin(target),
        _ => false,
    }
}

fn expect(allowed: bool, res: &Res, what: &str) {
    if allowed {
        assert_eq!(res.status, StatusCode::OK, "{what}: should be allowed: {}", res.body);
    } else {
        assert!(res.status == StatusCode::FORBIDDEN || res.status == StatusCode::NOT_FOUND, "{what}: should be refused, got {}: {}", res.status, res.body);
    }
}

async fn org_action(app: &TestApp, fx: &mut OrgFx, actor: &mut Person, is_owner: bool, action: &str) -> Res {
    let org_id = fx.id;
    match action {
        "see the team table" => {
            let page = LoadTeamPage { org: fx.slug.clone(), search: String::new(), role: String::new(), sort: "name".into(), desc: false, page: 0 };
            actor.client.call_fn(&page).await
        }
        "create a project" => {
            let name = unique_email("project").replace('@', "-at-").replace('.', "-");
            let create = CreateProject { org_id, name, slug: String::new(), description: String::new(), environment: "staging".into(), group: String::new() };
            let res = actor.client.call_fn(&create).await;
            if res.status == StatusCode::OK {
                assert!(res.json()["slug"].is_string());
            }
            res
        }
        "see Settings (change organization details)" => actor.client.call_fn(&UpdateOrg { org_id, name: fx.name.clone(), kind: "team".into() }).await,
        "see what deleting the organization removes" => {
            let res = actor.client.call_fn(&LoadDeletionPreview { org_id }).await;
            if res.status == StatusCode::OK {
                assert_eq!(res.json()["projects"].as_i64(), Some(count_projects(app, fx.id).await));
            }
            res
        }
        "delete the organization" => {
            // Owners delete a scratch organization of their own; everyone
            // else tries the shared one (and must leave it intact).
            if is_owner {
                let scratch = create_org(actor, "Scratch").await;
                actor.client.call_fn(&DeleteOrg { org_id: scratch, confirm: "Scratch".into() }).await
            } else {
                let res = actor.client.call_fn(&DeleteOrg { org_id, confirm: fx.name.clone() }).await;
                assert_eq!(scalar(app, &format!("SELECT COUNT(*) FROM organizations WHERE id = {}", fx.id)).await, 1);
                res
            }
        }
        "set the billing time zone" => {
            let id = plinth::domain::OrgId(org_id);
            let res = actor.client.call_fn(&SetBillingZone { org_id: id, zone: "Asia/Tokyo".into() }).await;
            let seen = actor.client.call_fn(&LoadBillingZone { org_id: id }).await;
            assert_eq!(seen.status.is_success(), res.status.is_success(), "seeing goes with setting: {}", seen.body);
            if !res.status.is_success() {
                assert_eq!(text_rows(app, &format!("SELECT billing_time_zone FROM organizations WHERE id = {org_id}")).await, ["UTC"]);
            }
            res
        }
        "see the audit log" => actor.client.call_fn(&LoadAuditPage { org: fx.slug.clone(), action: None, page: 0 }).await,
        "edit the model price catalog" => {
            let model = unique_email("model");
            let add = AddPrice {
                org_id,
                provider: "acme".into(),
                model,
                input: "1".into(),
                output: "2".into(),
                effective_from: String::new(),
                default_provider: false,
            };
            let res = actor.client.call_fn(&add).await;
            if res.status == StatusCode::OK {
                let list = actor.client.call_fn(&LoadPrices { org_id }).await;
                assert_eq!(list.status, StatusCode::OK);
                assert_eq!(actor.client.call_fn(&RecomputeStatus { org_id }).await.status, StatusCode::OK);
                return actor.client.call_fn(&RecomputeCosts { org_id, model: "gpt-4o".into() }).await;
            }
            assert!(!actor.client.call_fn(&LoadPrices { org_id }).await.status.is_success(), "nor see it");
            assert!(!actor.client.call_fn(&RecomputeStatus { org_id }).await.status.is_success(), "nor follow a recompute");
            res
        }
        other => panic!("no test for {other}"),
    }
}

async fn count_projects(app: &TestApp, org_id: i64) -> i64 {
    scalar(app, &format!("SELECT COUNT(*) FROM projects WHERE org_id = {org_id}")).await
}

/// All organization-table cells for one acting role.
async fn org_matrix(app: TestApp, role: OrgRole) {
    let mut fx = org(&app, "Matrix Org").await;
    let first_project = fx.projects[0].0;
    // The actor joins with the role under test; the fixture's own Owner
    // stays apart to restore what the actor changes.
    let grants = if role == Guest { format!("{first_project}:member") } else { String::new() };
    let mut actor = join(&app, &mut fx, role.as_str(), &grants).await;

    // "see the organization dashboard and project cards": all projects, or
    // for Guests only the projects they belong to.
    let dash = actor.client.call_fn(&LoadDashboard { org: fx.slug.clone() }).await;
    assert_eq!(dash.status, StatusCode::OK, "{}", dash.body);
    let visible: Vec<i64> = dash.json()["projects"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    if role == Guest {
        assert_eq!(visible, vec![first_project], "a Guest sees only their project");
        let other = fx.projects[1].1.clone();
        assert_eq!(actor.client.call_fn(&LoadProject { org: fx.slug.clone(), slug: other }).await.status, StatusCode::NOT_FOUND, "and nothing of the others");
    } else {
        assert_eq!(visible.len(), 2, "{role:?} sees every project");
    }

    for row in ORG_TABLE {
        let res = org_action(&app, &mut fx, &mut actor, role == Owner, row.action).await;
        expect(row.allowed.contains(&role), &res, &format!("{role:?} may {}", row.action));
    }

    for as_role in ROLES {
        let res = invite(&mut actor, fx.id, &unique_email("invitee"), as_role.as_str(), "").await;
        expect(may_invite(role, as_role), &res, &format!("{role:?} invites as {as_role:?}"));
    }

    // Invitations that carry project grants: the same rule, whatever the grant.
    for grant in PROJECT_ROLES {
        let res = invite(&mut actor, fx.id, &unique_email("granted"), "member", &format!("{first_project}:{}", grant.as_str())).await;
        expect(may_invite(role, Member), &res, &format!("{role:?} invites a Member as Project {grant:?}"));
    }

    for target_role in ROLES {
        let target = join(&app, &mut fx, target_role.as_str(), "").await;
        let member_id = member_id(&app, fx.id, &target.email).await;
        for to in ROLES.into_iter().filter(|to| *to != target_role) {
            let res = actor.client.call_fn(&ChangeMemberRole { member_id, role: to.as_str().into() }).await;
            expect(may_change(role, target_role, to), &res, &format!("{role:?} changes {target_role:?} to {to:?}"));
            if res.status == StatusCode::OK {
                let back = fx.owner.client.call_fn(&ChangeMemberRole { member_id, role: target_role.as_str().into() }).await;
                assert_eq!(back.status, StatusCode::OK, "restore: {}", back.body);
            }
        }
        let res = actor.client.call_fn(&RemoveMember { member_id }).await;
        expect(may_remove(role, target_role), &res, &format!("{role:?} removes a {target_role:?}"));
        let still = scalar(&app, &format!("SELECT COUNT(*) FROM memberships WHERE id = {member_id}")).await;
        assert_eq!(still == 0, may_remove(role, target_role), "membership row matches the outcome");
    }

    // "leave the organization": yes, unless they are the last Owner.
    if role == Owner {
        let solo = create_org(&mut actor, "Solo").await;
        let res = actor.client.call_fn(&LeaveOrg { org_id: solo }).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "the last Owner cannot leave: {}", res.body);
    }
    // Here another Owner (the fixture's) remains, so everyone may leave.
    let res = actor.client.call_fn(&LeaveOrg { org_id: fx.id }).await;
    assert_eq!(res.status, StatusCode::OK, "{role:?} may leave: {}", res.body);
    let gone = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = {} AND u.email = '{}'", fx.id, actor.email),
    )
    .await;
    assert_eq!(gone, 0);
}

on_both_engines!(org_table_owner, |app| org_matrix(app, Owner));
on_both_engines!(org_table_admin, |app| org_matrix(app, Admin));
on_both_engines!(org_table_member, |app| org_matrix(app, Member));
on_both_engines!(org_table_viewer, |app| org_matrix(app, Viewer));
on_both_engines!(org_table_guest, |app| org_matrix(app, Guest));

/// Project table: Project Admin, Project Member, Project Viewer.
const PROJECT_ROLES: [ProjectRole; 3] = [ProjectRole::Admin, ProjectRole::Member, ProjectRole::Viewer];

struct ProjectRow {
    action: &'static str,
    /// The project roles with a yes in the row.
    allowed: &'static [ProjectRole],
    /// Checked over HTTP; `false` where the feature's endpoint does not exist
    /// yet, and the policy module's answer is checked instead.
    http: bool,
}

use ProjectRole as P;

const PROJECT_TABLE: &[ProjectRow] = &[
    ProjectRow { action: "see dashboards, charts and the request list", allowed: &[P::Admin, P::Member, P::Viewer], http: true },
    ProjectRow { action: "see the input and output text of a request", allowed: &[P::Admin, P::Member], http: false },
    ProjectRow { action: "create an API key", allowed: &[P::Admin, P::Member], http: true },
    ProjectRow { action: "revoke or rotate an API key they created", allowed: &[P::Admin, P::Member], http: false },
    ProjectRow { action: "revoke or rotate any API key", allowed: &[P::Admin], http: false },
    ProjectRow { action: "export usage as CSV", allowed: &[P::Admin, P::Member, P::Viewer], http: true },
    ProjectRow { action: "rename the project, set its environment and budget", allowed: &[P::Admin], http: true },
    ProjectRow { action: "add or remove project members; change project roles", allowed: &[P::Admin], http: true },
    ProjectRow { action: "delete the project", allowed: &[P::Admin], http: true },
];

fn policy_answer(role: ProjectRole, action: &str) -> bool {
    use plinth::domain::policy::{ProjectAction as A, can_in_project};
    let a = match action {
        "see the input and output text of a request" => A::ViewRequestText,
        "create an API key" => A::CreateApiKey,
        "revoke or rotate an API key they created" => A::RevokeApiKey { own: true },
        "revoke or rotate any API key" => A::RevokeApiKey { own: false },
        "export usage as CSV" => A::ExportCsv,
        other => panic!("no policy mapping for {other}"),
    };
    can_in_project(role, a)
}

/// How the acting user comes by their project role.
#[derive(Clone, Copy)]
enum Via {
    /// A Guest with the project role granted directly: the column is exactly that role.
    Grant,
    /// An organization role and no grant: the role it gives (Owner and Admin
    /// give Project Admin, Member gives Project Member, Viewer Project Viewer).
    OrgRole(OrgRole),
}

async fn project_matrix(app: TestApp, role: ProjectRole, via: Via) {
    let mut fx = org(&app, "Project Org").await;
    let at = fx.slug.clone();
    let (project_id, slug) = fx.projects[0].clone();
    let mut actor = match via {
        Via::Grant => join(&app, &mut fx, "guest", &format!("{project_id}:{}", role.as_str())).await,
        Via::OrgRole(org_role) => join(&app, &mut fx, org_role.as_str(), "").await,
    };
    let who = match via {
        Via::Grant => format!("{} (granted)", role.label()),
        Via::OrgRole(r) => format!("{} (as org {r:?})", role.label()),
    };
    let role_seen = actor.client.call_fn(&LoadProject { org: fx.slug.clone(), slug: slug.clone() }).await.json()["project"]["role"].clone();
    assert_eq!(role_seen, role.as_str(), "{who}: effective role");
    let bystander = join(&app, &mut fx, "member", "").await;
    let bystander_id = user_id(&app, &bystander.email).await;
    // Someone who already holds a direct project role, granted by the Owner.
    let holder = join(&app, &mut fx, "viewer", &format!("{project_id}:viewer")).await;
    let holder_id = user_id(&app, &holder.email).await;
    for row in PROJECT_TABLE {
        let allowed = row.allowed.contains(&role);
        if !row.http {
            assert_eq!(policy_answer(role, row.action), allowed, "{who} may {}", row.action);
            continue;
        }
        let res = match row.action {
            "see dashboards, charts and the request list" => actor.client.call_fn(&LoadProject { org: fx.slug.clone(), slug: slug.clone() }).await,
            "rename the project, set its environment and budget" => {
                let update = UpdateProject { project_id, name: "Renamed".into(), description: "x".into(), environment: "staging".into(), group: String::new() };
                actor.client.call_fn(&update).await
            }
            "add or remove project members; change project roles" => {
                // A Guest (who may not see the team table) adds by exact email; others pick a user.
                let add = match via {
                    Via::Grant => actor.client.call_fn(&AddProjectMember { project_id, email: bystander.email.clone(), role: "viewer".into() }).await,
                    Via::OrgRole(_) => actor.client.call_fn(&SetProjectMember { project_id, user_id: bystander_id, role: "viewer".into() }).await,
                };
                expect(allowed, &add, &format!("{who} adds a project member"));
                // Change an existing project role up, then down again.
                for (to, stored_after_refusal) in [("admin", "viewer"), ("viewer", "viewer")] {
                    let change = actor.client.call_fn(&SetProjectMember { project_id, user_id: holder_id, role: to.into() }).await;
                    expect(allowed, &change, &format!("{who} changes a project role to {to}"));
                    let stored = direct_role(&app, project_id, holder_id).await;
                    assert_eq!(stored.as_deref(), Some(if allowed { to } else { stored_after_refusal }), "{who}: stored role after change to {to}");
                }
                let remove = actor.client.call_fn(&RemoveProjectMember { project_id, user_id: holder_id }).await;
                expect(allowed, &remove, &format!("{who} removes a project member"));
                assert_eq!(direct_role(&app, project_id, holder_id).await.is_none(), allowed, "{who}: the row matches the outcome");
                if add.status == StatusCode::OK {
                    let remove = actor.client.call_fn(&RemoveProjectMember { project_id, user_id: bystander_id }).await;
                    assert_eq!(remove.status, StatusCode::OK, "{}", remove.body);
                }
                add
            }
            "create an API key" => {
                let create = plinth::api::keys::CreateKey { project_id, name: "matrix".into(), scope: "ingest".into(), expires: "30".into() };
                actor.client.call_fn(&create).await
            }
            "export usage as CSV" => {
                let csv = actor.client.get(&format!("/o/{at}/projects/{slug}/export/usage.csv?group_by=model")).await;
                let log = actor.client.get(&format!("/o/{at}/projects/{slug}/export/requests.csv")).await;
                expect(allowed, &log, &format!("{who} exports the request log"));
                csv
            }
            "delete the project" => {
                let name = scalar_text(&app, project_id).await;
                actor.client.call_fn(&DeleteProject { project_id, confirm: name }).await
            }
            other => panic!("no test for {other}"),
        };
        expect(allowed, &res, &format!("{who} may {}", row.action));
    }
    let left = scalar(&app, &format!("SELECT COUNT(*) FROM projects WHERE id = {project_id}")).await;
    assert_eq!(left == 0, role == ProjectRole::Admin, "only a Project Admin deleted the project");
}

async fn direct_role(app: &TestApp, project_id: i64, user_id: i64) -> Option<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.state.db.get_database_backend();
    let sql = format!("SELECT role FROM project_members WHERE project_id = {project_id} AND user_id = {user_id}");
    let row = app.state.db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap()?;
    Some(row.try_get_by_index::<String>(0).unwrap())
}

async fn scalar_text(app: &TestApp, project_id: i64) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.state.db.get_database_backend();
    let row = app.state.db.query_one_raw(Statement::from_string(backend, format!("SELECT name FROM projects WHERE id = {project_id}"))).await.unwrap().unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

on_both_engines!(project_table_admin, |app| project_matrix(app, P::Admin, Via::Grant));
on_both_engines!(project_table_member, |app| project_matrix(app, P::Member, Via::Grant));
on_both_engines!(project_table_viewer, |app| project_matrix(app, P::Viewer, Via::Grant));
// The same cells for roles that come from the organization role alone.
on_both_engines!(project_table_as_org_owner, |app| project_matrix(app, P::Admin, Via::OrgRole(Owner)));
on_both_engines!(project_table_as_org_admin, |app| project_matrix(app, P::Admin, Via::OrgRole(Admin)));
on_both_engines!(project_table_as_org_member, |app| project_matrix(app, P::Member, Via::OrgRole(Member)));
on_both_engines!(project_table_as_org_viewer, |app| project_matrix(app, P::Viewer, Via::OrgRole(Viewer)));

// The project role is the higher of the organization's and the direct one.
on_both_engines!(project_role_is_the_higher_of_org_and_direct, |app: TestApp| async move {
    let mut fx = org(&app, "Effective").await;
    let (project_id, slug) = fx.projects[0].clone();
    let mut viewer = join(&app, &mut fx, "viewer", &format!("{project_id}:admin")).await;
    let view = viewer.client.call_fn(&LoadProject { org: fx.slug.clone(), slug: slug.clone() }).await;
    assert_eq!(view.json()["project"]["role"], "admin", "Viewer + direct Project Admin acts as Project Admin");
    let other = &fx.projects[1].1;
    assert_eq!(viewer.client.call_fn(&LoadProject { org: fx.slug.clone(), slug: other.clone() }).await.json()["project"]["role"], "viewer");
    let mut member = join(&app, &mut fx, "member", &format!("{project_id}:viewer")).await;
    assert_eq!(
        member.client.call_fn(&LoadProject { org: fx.slug.clone(), slug: slug.clone() }).await.json()["project"]["role"],
        "member",
        "a lower direct role does not lower the org's"
    );
});
