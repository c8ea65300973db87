//! Writers of one organization take its lock first and in one mode
//! (`repo::begin_org_write`), so no two of them can each hold a row the
//! other waits for. Before, `set_member`, `remove_member`, `team::remove` and
//! `projects::delete` locked rows before the organization, and two at once
//! could deadlock on PostgreSQL: one request got a 500. Each pair of writers
//! runs at once, 20 rounds, and no answer may be a 5xx.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use plinth::api::invitations::AcceptInvitation;
use plinth::api::keys::CreateKey;
use plinth::api::projects::{DeleteProject, RemoveProjectMember, SetProjectMember};
use plinth::api::team::RemoveMember;
use reqwest::StatusCode;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Writer {
    GrantProjectRole,
    RemoveProjectMember,
    RemoveOrgMember,
    DeleteProject,
    CreateKey,
}

const WRITERS: [Writer; 5] = [Writer::GrantProjectRole, Writer::RemoveProjectMember, Writer::RemoveOrgMember, Writer::DeleteProject, Writer::CreateKey];
const ROUNDS: usize = 20;

/// What one round acts on: a fresh project, and one person with a direct
/// role in it whom every writer touches, so their row locks meet.
struct Round {
    project: (i64, String),
    user: i64,
    member: i64,
}

/// A second client signed in as the same person, for a request in parallel.
fn twin(of: &Client) -> Client {
    let mut c = Client::at(&of.base);
    c.cookie = of.cookie.clone();
    c
}

async fn call(client: &mut Client, writer: Writer, r: &Round) -> Res {
    let project_id = r.project.0;
    match writer {
        Writer::GrantProjectRole => client.call_fn(&SetProjectMember { project_id, user_id: r.user, role: "viewer".into() }).await,
        Writer::RemoveProjectMember => client.call_fn(&RemoveProjectMember { project_id, user_id: r.user }).await,
        Writer::RemoveOrgMember => client.call_fn(&RemoveMember { member_id: r.member }).await,
        Writer::DeleteProject => client.call_fn(&DeleteProject { project_id, confirm: r.project.1.clone() }).await,
        Writer::CreateKey => client.call_fn(&CreateKey { project_id, name: "race".into(), scope: "ingest".into(), expires: "never".into() }).await,
    }
}

on_both_engines!(pairs_of_writers_never_deadlock, |app: TestApp| async move {
    let mut fx = org(&app, "Locks").await;
    let mut leaving = join(&app, &mut fx, "member", "").await;
    let leaving_id = user_id(&app, &leaving.email).await;
    let mut failures = Vec::new();
    let mut n = 0;
    for (i, a) in WRITERS.iter().enumerate() {
        for b in &WRITERS[i + 1..] {
            for round in 0..ROUNDS {
                n += 1;
                // The project for this round, and the people in it.
                let name = format!("Race {n}");
                let project = create_project(&mut fx.owner, fx.id, &name).await.expect("project");
                let set = SetProjectMember { project_id: project.0, user_id: leaving_id, role: "member".into() };
                assert_eq!(fx.owner.client.call_fn(&set).await.status, StatusCode::OK);
                let r = Round { project: project.clone(), user: leaving_id, member: member_id(&app, fx.id, &leaving.email).await };
                let (mut first, mut second) = (twin(&fx.owner.client), twin(&fx.owner.client));
                let (ra, rb) = tokio::join!(call(&mut first, *a, &r), call(&mut second, *b, &r));
                for (w, res) in [(a, ra), (b, rb)] {
                    if res.status.is_server_error() {
                        failures.push(format!("{a:?} with {b:?}, round {round}: {w:?} answered {} {}", res.status, res.body));
                    }
                }
                // Whoever left the organization comes back for the next round.
                if scalar(&app, &format!("SELECT COUNT(*) FROM memberships WHERE org_id = {} AND user_id = {leaving_id}", fx.id)).await == 0 {
                    let res = invite(&mut fx.owner, fx.id, &leaving.email, "member", "").await;
                    let link = res.json()[0]["link"].as_str().expect("a link").to_string();
                    assert_eq!(leaving.client.call_fn(&AcceptInvitation { token: token_of(&link) }).await.status, StatusCode::OK);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} rounds failed:\n{}", failures.len(), n, failures.join("\n"));
});
