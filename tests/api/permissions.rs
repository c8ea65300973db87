//! Every cell of both tables in permissions.md, both ways: each role is shown
//! what it may do and refused what it may not. The tables below are
//! transcribed from the spec by hand (not from the policy module), and every
//! test case is generated from them.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use reqwest::StatusCode;

/// Column order of every row: Owner, Admin, Member, Viewer, Guest.
const ROLES: [&str; 5] = ["owner", "admin", "member", "viewer", "guest"];

/// Organization-table rows whose cells depend only on the actor's role. The
/// rows that also depend on a second role are `may_invite`, `may_change` and
/// `may_remove`; dashboard visibility and leaving are checked in `org_matrix`.
struct OrgRow {
    action: &'static str,
    allowed: [bool; 5],
}

const ORG_TABLE: &[OrgRow] = &[
    OrgRow { action: "see the team table", allowed: [true, true, true, true, false] },
    OrgRow { action: "create a project", allowed: [true, true, true, false, false] },
    OrgRow { action: "see Settings (change organization details)", allowed: [true, false, false, false, false] },
    OrgRow { action: "see what deleting the organization removes", allowed: [true, false, false, false, false] },
    OrgRow { action: "delete the organization", allowed: [true, false, false, false, false] },
    OrgRow { action: "see the audit log", allowed: [true, true, false, false, false] },
];

/// "invite a member": Owner any role; Admin: Member, Viewer, Guest.
fn may_invite(actor: usize, role: usize) -> bool {
    match actor {
        0 => true,
        1 => role >= 2,
        _ => false,
    }
}

/// "change a member's role": Owner any member, any role; Admin only members
/// below Admin, to roles below Admin.
fn may_change(actor: usize, target: usize, to: usize) -> bool {
    match actor {
        0 => true,
        1 => target >= 2 && to >= 2,
        _ => false,
    }
}

/// "remove a member": Owner anyone (but the last Owner); Admin only members below Admin.
fn may_remove(actor: usize, target: usize) -> bool {
    match actor {
        0 => true,
        1 => target >= 2,
        _ => false,
    }
}

fn expect(allowed: bool, res: &Res, what: &str) {
    if allowed {
        assert_eq!(res.status, StatusCode::OK, "{what}: should be allowed: {}", res.body);
    } else {
        assert!(
            res.status == StatusCode::FORBIDDEN || res.status == StatusCode::NOT_FOUND,
            "{what}: should be refused, got {}: {}",
            res.status,
            res.body
        );
    }
}

async fn org_action(app: &TestApp, fx: &mut OrgFx, actor: &mut Person, is_owner: bool, action: &str) -> Res {
    let org = fx.id.to_string();
    match action {
        "see the team table" => {
            actor.client.call("team/page", &[("org_id", &org), ("search", ""), ("role", ""), ("sort", "name"), ("desc", "false"), ("page", "0")]).await
        }
        "create a project" => {
            let name = unique_email("project").replace('@', "-at-").replace('.', "-");
            let res = actor
                .client
                .call("projects/create", &[("org_id", &org), ("name", &name), ("slug", ""), ("description", ""), ("environment", "staging"), ("group", "")])
                .await;
            if res.status == StatusCode::OK {
                assert!(res.json()["slug"].is_string());
            }
            res
        }
        "see Settings (change organization details)" => actor.client.call("orgs/update", &[("org_id", &org), ("name", &fx.name), ("kind", "team")]).await,
        "see what deleting the organization removes" => {
            let res = actor.client.call("orgs/deletion-preview", &[("org_id", &org)]).await;
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
                actor.client.call("orgs/delete", &[("org_id", &scratch.to_string()), ("confirm", "Scratch")]).await
            } else {
                let res = actor.client.call("orgs/delete", &[("org_id", &org), ("confirm", &fx.name)]).await;
                assert_eq!(scalar(app, &format!("SELECT COUNT(*) FROM organizations WHERE id = {}", fx.id)).await, 1);
                res
            }
        }
        "see the audit log" => actor.client.call("audit/page", &[("org_id", &org), ("page", "0")]).await,
        other => panic!("no test for {other}"),
    }
}

async fn count_projects(app: &TestApp, org_id: i64) -> i64 {
    scalar(app, &format!("SELECT COUNT(*) FROM projects WHERE org_id = {org_id}")).await
}

/// All organization-table cells for one acting role.
async fn org_matrix(app: TestApp, actor_ix: usize) {
    let mut fx = org(&app, "Matrix Org").await;
    let first_project = fx.projects[0].0;
    // The actor joins with the role under test; the fixture's own Owner
    // stays apart to restore what the actor changes.
    let grants = if actor_ix == 4 { format!("{first_project}:member") } else { String::new() };
    let mut actor = join(&app, &mut fx, ROLES[actor_ix], &grants).await;

    // "see the organization dashboard and project cards": all projects, or
    // for Guests only the projects they belong to.
    let dash = actor.client.call("orgs/dashboard", &[]).await;
    assert_eq!(dash.status, StatusCode::OK, "{}", dash.body);
    let visible: Vec<i64> = dash.json()["projects"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    if actor_ix == 4 {
        assert_eq!(visible, vec![first_project], "a Guest sees only their project");
        let other = &fx.projects[1].1;
        assert_eq!(actor.client.call("projects/get", &[("slug", other)]).await.status, StatusCode::NOT_FOUND, "and nothing of the others");
    } else {
        assert_eq!(visible.len(), 2, "{} sees every project", ROLES[actor_ix]);
    }

    for row in ORG_TABLE {
        let res = org_action(&app, &mut fx, &mut actor, actor_ix == 0, row.action).await;
        expect(row.allowed[actor_ix], &res, &format!("{} may {}", ROLES[actor_ix], row.action));
    }

    for (role_ix, role) in ROLES.iter().enumerate() {
        let res = invite(&mut actor, fx.id, &unique_email("invitee"), role, "").await;
        expect(may_invite(actor_ix, role_ix), &res, &format!("{} invites as {role}", ROLES[actor_ix]));
    }

    // Invitations that carry project grants: the same rule, whatever the grant.
    for grant in PROJECT_ROLES {
        let res = invite(&mut actor, fx.id, &unique_email("granted"), "member", &format!("{first_project}:{grant}")).await;
        expect(may_invite(actor_ix, 2), &res, &format!("{} invites a Member as Project {grant}", ROLES[actor_ix]));
    }

    for (target_ix, target_role) in ROLES.iter().enumerate() {
        let target = join(&app, &mut fx, target_role, "").await;
        let mid = member_id(&app, fx.id, &target.email).await.to_string();
        for (to_ix, to) in ROLES.iter().enumerate() {
            if to_ix == target_ix {
                continue;
            }
            let res = actor.client.call("team/role", &[("member_id", &mid), ("role", to)]).await;
            expect(may_change(actor_ix, target_ix, to_ix), &res, &format!("{} changes {target_role} to {to}", ROLES[actor_ix]));
            if res.status == StatusCode::OK {
                let back = fx.owner.client.call("team/role", &[("member_id", &mid), ("role", target_role)]).await;
                assert_eq!(back.status, StatusCode::OK, "restore: {}", back.body);
            }
        }
        let res = actor.client.call("team/remove", &[("member_id", &mid)]).await;
        expect(may_remove(actor_ix, target_ix), &res, &format!("{} removes a {target_role}", ROLES[actor_ix]));
        let still = scalar(&app, &format!("SELECT COUNT(*) FROM memberships WHERE id = {mid}")).await;
        assert_eq!(still == 0, may_remove(actor_ix, target_ix), "membership row matches the outcome");
    }

    // "leave the organization": yes, unless they are the last Owner.
    if actor_ix == 0 {
        let solo = create_org(&mut actor, "Solo").await;
        let res = actor.client.call("orgs/leave", &[("org_id", &solo.to_string())]).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "the last Owner cannot leave: {}", res.body);
    }
    // Here another Owner (the fixture's) remains, so everyone may leave.
    let res = actor.client.call("orgs/leave", &[("org_id", &fx.id.to_string())]).await;
    assert_eq!(res.status, StatusCode::OK, "{} may leave: {}", ROLES[actor_ix], res.body);
    let gone = scalar(&app, &format!("SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = {} AND u.email = '{}'", fx.id, actor.email)).await;
    assert_eq!(gone, 0);
}

on_both_engines!(org_table_owner, |app| org_matrix(app, 0));
on_both_engines!(org_table_admin, |app| org_matrix(app, 1));
on_both_engines!(org_table_member, |app| org_matrix(app, 2));
on_both_engines!(org_table_viewer, |app| org_matrix(app, 3));
on_both_engines!(org_table_guest, |app| org_matrix(app, 4));

/// Project table. Columns: Project Admin, Project Member, Project Viewer.
const PROJECT_ROLES: [&str; 3] = ["admin", "member", "viewer"];

struct ProjectRow {
    action: &'static str,
    allowed: [bool; 3],
    /// Checked over HTTP; `false` where the feature's endpoint does not exist
    /// yet, and the policy module's answer is checked instead.
    http: bool,
}

const PROJECT_TABLE: &[ProjectRow] = &[
    ProjectRow { action: "see dashboards, charts and the request list", allowed: [true, true, true], http: true },
    ProjectRow { action: "see the input and output text of a request", allowed: [true, true, false], http: false },
    ProjectRow { action: "create an API key", allowed: [true, true, false], http: false },
    ProjectRow { action: "revoke or rotate an API key they created", allowed: [true, true, false], http: false },
    ProjectRow { action: "revoke or rotate any API key", allowed: [true, false, false], http: false },
    ProjectRow { action: "export usage as CSV", allowed: [true, true, true], http: false },
    ProjectRow { action: "rename the project, set its environment and budget", allowed: [true, false, false], http: true },
    ProjectRow { action: "add or remove project members; change project roles", allowed: [true, false, false], http: true },
    ProjectRow { action: "delete the project", allowed: [true, false, false], http: true },
];

fn policy_answer(role: usize, action: &str) -> bool {
    use plinth::domain::ProjectRole;
    use plinth::domain::policy::{ProjectAction as A, can_in_project};
    let role = [ProjectRole::Admin, ProjectRole::Member, ProjectRole::Viewer][role];
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
    OrgRole(&'static str),
}

async fn project_matrix(app: TestApp, role_ix: usize, via: Via) {
    let mut fx = org(&app, "Project Org").await;
    let (project_id, slug) = fx.projects[0].clone();
    let mut actor = match via {
        Via::Grant => join(&app, &mut fx, "guest", &format!("{project_id}:{}", PROJECT_ROLES[role_ix])).await,
        Via::OrgRole(org_role) => join(&app, &mut fx, org_role, "").await,
    };
    let who = match via {
        Via::Grant => format!("Project {} (granted)", PROJECT_ROLES[role_ix]),
        Via::OrgRole(r) => format!("Project {} (as org {r})", PROJECT_ROLES[role_ix]),
    };
    let role_seen = actor.client.call("projects/get", &[("slug", &slug)]).await.json()["project"]["role"].clone();
    assert_eq!(role_seen, PROJECT_ROLES[role_ix], "{who}: effective role");
    let bystander = join(&app, &mut fx, "member", "").await;
    let bystander_id = user_id(&app, &bystander.email).await.to_string();
    // Someone who already holds a direct project role, granted by the Owner.
    let holder = join(&app, &mut fx, "viewer", &format!("{project_id}:viewer")).await;
    let holder_id = user_id(&app, &holder.email).await.to_string();
    let pid = project_id.to_string();
    for row in PROJECT_TABLE {
        let allowed = row.allowed[role_ix];
        if !row.http {
            assert_eq!(policy_answer(role_ix, row.action), allowed, "{who} may {}", row.action);
            continue;
        }
        let res = match row.action {
            "see dashboards, charts and the request list" => actor.client.call("projects/get", &[("slug", &slug)]).await,
            "rename the project, set its environment and budget" => {
                actor.client.call("projects/update", &[("project_id", &pid), ("name", "Renamed"), ("description", "x"), ("environment", "staging"), ("group", "")]).await
            }
            "add or remove project members; change project roles" => {
                // A Guest (who may not see the team table) adds by exact email; others pick a user.
                let add = match via {
                    Via::Grant => actor.client.call("projects/members/add", &[("project_id", &pid), ("email", &bystander.email), ("role", "viewer")]).await,
                    Via::OrgRole(_) => actor.client.call("projects/members/set", &[("project_id", &pid), ("user_id", &bystander_id), ("role", "viewer")]).await,
                };
                expect(allowed, &add, &format!("{who} adds a project member"));
                // Change an existing project role up, then down again.
                for (to, stored_after_refusal) in [("admin", "viewer"), ("viewer", "viewer")] {
                    let change = actor.client.call("projects/members/set", &[("project_id", &pid), ("user_id", &holder_id), ("role", to)]).await;
                    expect(allowed, &change, &format!("{who} changes a project role to {to}"));
                    let stored = direct_role(&app, project_id, &holder_id).await;
                    assert_eq!(stored.as_deref(), Some(if allowed { to } else { stored_after_refusal }), "{who}: stored role after change to {to}");
                }
                let remove = actor.client.call("projects/members/remove", &[("project_id", &pid), ("user_id", &holder_id)]).await;
                expect(allowed, &remove, &format!("{who} removes a project member"));
                assert_eq!(direct_role(&app, project_id, &holder_id).await.is_none(), allowed, "{who}: the row matches the outcome");
                if add.status == StatusCode::OK {
                    let remove = actor.client.call("projects/members/remove", &[("project_id", &pid), ("user_id", &bystander_id)]).await;
                    assert_eq!(remove.status, StatusCode::OK, "{}", remove.body);
                }
                add
            }
            "delete the project" => {
                let name = scalar_text(&app, project_id).await;
                actor.client.call("projects/delete", &[("project_id", &pid), ("confirm", &name)]).await
            }
            other => panic!("no test for {other}"),
        };
        expect(allowed, &res, &format!("{who} may {}", row.action));
    }
    let left = scalar(&app, &format!("SELECT COUNT(*) FROM projects WHERE id = {project_id}")).await;
    assert_eq!(left == 0, role_ix == 0, "only a Project Admin deleted the project");
}

async fn direct_role(app: &TestApp, project_id: i64, user_id: &str) -> Option<String> {
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

on_both_engines!(project_table_admin, |app| project_matrix(app, 0, Via::Grant));
on_both_engines!(project_table_member, |app| project_matrix(app, 1, Via::Grant));
on_both_engines!(project_table_viewer, |app| project_matrix(app, 2, Via::Grant));
// The same cells for roles that come from the organization role alone.
on_both_engines!(project_table_as_org_owner, |app| project_matrix(app, 0, Via::OrgRole("owner")));
on_both_engines!(project_table_as_org_admin, |app| project_matrix(app, 0, Via::OrgRole("admin")));
on_both_engines!(project_table_as_org_member, |app| project_matrix(app, 1, Via::OrgRole("member")));
on_both_engines!(project_table_as_org_viewer, |app| project_matrix(app, 2, Via::OrgRole("viewer")));

// The project role is the higher of the organization's and the direct one.
on_both_engines!(project_role_is_the_higher_of_org_and_direct, |app: TestApp| async move {
    let mut fx = org(&app, "Effective").await;
    let (project_id, slug) = fx.projects[0].clone();
    let mut viewer = join(&app, &mut fx, "viewer", &format!("{project_id}:admin")).await;
    let view = viewer.client.call("projects/get", &[("slug", &slug)]).await;
    assert_eq!(view.json()["project"]["role"], "admin", "Viewer + direct Project Admin acts as Project Admin");
    let other = &fx.projects[1].1;
    assert_eq!(viewer.client.call("projects/get", &[("slug", other)]).await.json()["project"]["role"], "viewer");
    let mut member = join(&app, &mut fx, "member", &format!("{project_id}:viewer")).await;
    assert_eq!(member.client.call("projects/get", &[("slug", &slug)]).await.json()["project"]["role"], "member", "a lower direct role does not lower the org's");
});
