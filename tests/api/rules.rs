//! The rules of the permission model that must hold, each one a test.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use reqwest::StatusCode;

fn refused(res: &Res, what: &str) {
    assert!(res.status == StatusCode::FORBIDDEN || res.status == StatusCode::NOT_FOUND, "{what}: expected 403/404, got {}: {}", res.status, res.body);
}

on_both_engines!(tenant_isolation_every_endpoint, |app: TestApp| async move {
    let mut a = org(&app, "Alpha Corp").await;
    let mut b = org(&app, "Bravo Secret Labs").await;
    let b_member = join(&app, &mut b, "member", "").await;
    let b_invite = invite(&mut b.owner, b.id, &unique_email("pending"), "viewer", "").await;
    assert_eq!(b_invite.status, StatusCode::OK);
    let b_inv_id = scalar(&app, &format!("SELECT MAX(id) FROM invitations WHERE org_id = {}", b.id)).await.to_string();
    let b_mid = member_id(&app, b.id, &b_member.email).await.to_string();
    let b_uid = user_id(&app, &b_member.email).await.to_string();
    let (b_pid, b_slug) = (b.projects[0].0.to_string(), b.projects[0].1.clone());
    let a_pid = a.projects[0].0.to_string();
    let b_org = b.id.to_string();
    let (a_at, b_at) = (a.slug.to_string(), b.slug.to_string());
    let before = all_counts(&app).await;

    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("orgs/dashboard", vec![("org", &b_at)]),
        ("projects/form", vec![("org", &b_at)]),
        ("orgs/update", vec![("org_id", &b_org), ("name", "Pwned"), ("kind", "team")]),
        ("orgs/deletion-preview", vec![("org_id", &b_org)]),
        ("orgs/delete", vec![("org_id", &b_org), ("confirm", "Bravo Secret Labs")]),
        ("orgs/leave", vec![("org_id", &b_org)]),
        ("team/page", vec![("org", &b_at), ("search", ""), ("role", ""), ("sort", "name"), ("desc", "false"), ("page", "0")]),
        ("team/role", vec![("member_id", &b_mid), ("role", "viewer")]),
        ("team/remove", vec![("member_id", &b_mid)]),
        ("team/invite", vec![("org_id", &b_org), ("emails", "x@example.com"), ("role", "viewer"), ("projects", "")]),
        ("team/resend", vec![("invitation_id", &b_inv_id)]),
        ("team/invite-link", vec![("invitation_id", &b_inv_id)]),
        ("team/revoke", vec![("invitation_id", &b_inv_id)]),
        ("audit/page", vec![("org", &b_at), ("page", "0")]),
        ("audit/verify", vec![("org", &b_at)]),
        ("projects/create", vec![("org_id", &b_org), ("name", "Intruder"), ("slug", ""), ("description", ""), ("environment", "staging"), ("group", "")]),
        ("projects/get", vec![("org", &b_at), ("slug", &b_slug)]),
        // B's project named under A, the attacker's own organization.
        ("projects/get", vec![("org", &a_at), ("slug", &b_slug)]),
        ("projects/update", vec![("project_id", &b_pid), ("name", "Pwned"), ("description", ""), ("environment", "staging"), ("group", "")]),
        ("projects/delete", vec![("project_id", &b_pid), ("confirm", "Bravo Secret Labs Alpha")]),
        ("projects/members", vec![("org", &b_at), ("slug", &b_slug)]),
        ("projects/members", vec![("org", &a_at), ("slug", &b_slug)]),
        ("projects/members/set", vec![("project_id", &b_pid), ("user_id", &b_uid), ("role", "admin")]),
        ("projects/members/remove", vec![("project_id", &b_pid), ("user_id", &b_uid)]),
        // Own project, foreign user: must not pull a stranger in.
        ("projects/members/set", vec![("project_id", &a_pid), ("user_id", &b_uid), ("role", "admin")]),
    ];
    let secrets = ["Bravo Secret Labs", &b_member.email, &b.projects[0].1, &b.projects[1].1];
    for (endpoint, args) in calls {
        let res = a.owner.client.call(endpoint, &args).await;
        refused(&res, endpoint);
        for s in secrets {
            assert!(!res.body.contains(s), "{endpoint} leaked {s:?}: {}", res.body);
        }
    }
    // The navigation on B's link names no current organization, only A's own.
    let nav = a.owner.client.call("orgs/nav", &[("org", &b_at)]).await;
    assert_eq!(nav.status, StatusCode::OK);
    assert!(nav.json()["current"].is_null(), "{}", nav.body);
    assert!(!nav.body.contains("Bravo") && !nav.body.contains(&b_at), "{}", nav.body);
    // A foreign project in an invitation's grants is refused too.
    let res = invite(&mut a.owner, a.id, &unique_email("x"), "guest", &format!("{b_pid}:admin")).await;
    refused(&res, "invite with a foreign project");
    assert_eq!(all_counts(&app).await, before, "nothing was written anywhere");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM projects WHERE org_id = {}", a.id)).await, 2);
});

on_both_engines!(last_owner_is_protected, |app: TestApp| async move {
    let mut fx = org(&app, "Lonely").await;
    let me = member_id(&app, fx.id, &fx.owner.email).await.to_string();
    let org_id = fx.id.to_string();
    let demote = fx.owner.client.call("team/role", &[("member_id", &me), ("role", "admin")]).await;
    assert_eq!(demote.status, StatusCode::CONFLICT, "{}", demote.body);
    assert!(demote.error_message().contains("at least one Owner"));
    let leave = fx.owner.client.call("orgs/leave", &[("org_id", &org_id)]).await;
    assert_eq!(leave.status, StatusCode::CONFLICT);
    let remove = fx.owner.client.call("team/remove", &[("member_id", &me)]).await;
    assert_eq!(remove.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(owners(&app, fx.id).await, 1);

    // With a second Owner, one may step down, and then the other is last again.
    let mut second = join(&app, &mut fx, "owner", "").await;
    let second_id = member_id(&app, fx.id, &second.email).await.to_string();
    assert_eq!(fx.owner.client.call("team/role", &[("member_id", &me), ("role", "admin")]).await.status, StatusCode::OK);
    let res = second.client.call("team/remove", &[("member_id", &second_id)]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(second.client.call("team/role", &[("member_id", &second_id), ("role", "member")]).await.status, StatusCode::CONFLICT);
    assert_eq!(owners(&app, fx.id).await, 1);
});

on_both_engines!(concurrent_demotions_leave_one_owner, |app: TestApp| async move {
    let mut fx = org(&app, "Race").await;
    let mut second = join(&app, &mut fx, "owner", "").await;
    for round in 0..5 {
        let first_id = member_id(&app, fx.id, &fx.owner.email).await.to_string();
        let second_id = member_id(&app, fx.id, &second.email).await.to_string();
        let demote_second = [("member_id", second_id.as_str()), ("role", "admin")];
        let demote_first = [("member_id", first_id.as_str()), ("role", "admin")];
        let (a, b) = tokio::join!(fx.owner.client.call("team/role", &demote_second), second.client.call("team/role", &demote_first));
        let oks = [a.status, b.status].iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(oks, 1, "round {round}: exactly one demotion wins ({} / {}; {} / {})", a.status, b.status, a.body, b.body);
        assert_eq!(owners(&app, fx.id).await, 1, "round {round}");
        // Whoever is still Owner promotes the other back for the next round.
        let (winner, loser_id) = if a.status == StatusCode::OK { (&mut fx.owner, second_id) } else { (&mut second, first_id) };
        assert_eq!(winner.client.call("team/role", &[("member_id", &loser_id), ("role", "owner")]).await.status, StatusCode::OK);
    }
});

on_both_engines!(nobody_escalates, |app: TestApp| async move {
    let mut fx = org(&app, "Ladder").await;
    let mut admin = join(&app, &mut fx, "admin", "").await;
    let member = join(&app, &mut fx, "member", "").await;
    let mut viewer = join(&app, &mut fx, "viewer", "").await;
    let admin_id = member_id(&app, fx.id, &admin.email).await.to_string();
    let member_mid = member_id(&app, fx.id, &member.email).await.to_string();
    let before = all_counts(&app).await;
    // Inline edit (and crafted requests to the same endpoint).
    for (target, role) in [(&admin_id, "owner"), (&member_mid, "owner"), (&member_mid, "admin")] {
        let res = admin.client.call("team/role", &[("member_id", target), ("role", role)]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "an Admin makes {role}: {}", res.body);
    }
    let res = viewer.client.call("team/role", &[("member_id", &member_mid), ("role", "admin")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "a Viewer changes roles: {}", res.body);
    let crafted = admin.client.call("team/role", &[("member_id", &member_mid), ("role", "superuser")]).await;
    assert_eq!(crafted.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Invitation.
    assert_eq!(invite(&mut admin, fx.id, &unique_email("boss"), "owner", "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(invite(&mut viewer, fx.id, &unique_email("pal"), "viewer", "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(all_counts(&app).await, before, "no role changed and no invitation was made");
    let roles = scalar(&app, &format!("SELECT COUNT(*) FROM memberships WHERE org_id = {} AND role IN ('owner','admin')", fx.id)).await;
    assert_eq!(roles, 2);
});

on_both_engines!(changes_apply_on_the_next_request, |app: TestApp| async move {
    let mut fx = org(&app, "Now").await;
    let mut admin = join(&app, &mut fx, "admin", "").await;
    let mut member = join(&app, &mut fx, "member", "").await;
    let org_id = fx.slug.to_string();
    let page = [("org", org_id.as_str()), ("search", ""), ("role", ""), ("sort", "name"), ("desc", "false"), ("page", "0")];
    assert_eq!(admin.client.call("audit/page", &[("org", &org_id), ("page", "0")]).await.status, StatusCode::OK);
    let admin_id = member_id(&app, fx.id, &admin.email).await.to_string();
    assert_eq!(fx.owner.client.call("team/role", &[("member_id", &admin_id), ("role", "viewer")]).await.status, StatusCode::OK);
    assert_eq!(admin.client.call("audit/page", &[("org", &org_id), ("page", "0")]).await.status, StatusCode::FORBIDDEN, "demoted: Viewer rights at once");
    assert_eq!(invite(&mut admin, fx.id, &unique_email("late"), "member", "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(admin.client.call("team/page", &page).await.status, StatusCode::OK, "a Viewer still sees the team");

    assert_eq!(member.client.call("team/page", &page).await.status, StatusCode::OK);
    let member_mid = member_id(&app, fx.id, &member.email).await.to_string();
    assert_eq!(fx.owner.client.call("team/remove", &[("member_id", &member_mid)]).await.status, StatusCode::OK);
    assert_eq!(member.client.call("team/page", &page).await.status, StatusCode::NOT_FOUND, "removed: refused at once");
    assert_eq!(member.client.call("projects/get", &[("org", &org_id), ("slug", &fx.projects[0].1)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(member.client.call("orgs/dashboard", &[("org", &org_id)]).await.status, StatusCode::NOT_FOUND);
    assert!(member.client.call("orgs/nav", &[]).await.json()["current"].is_null(), "no organization left");
});

on_both_engines!(invitations_are_single_use_expiring_and_bound, |app: TestApp| async move {
    let mut fx = org(&app, "Invites").await;
    let mut invited = person(&app, "invited").await;
    let mut stranger = person(&app, "stranger").await;
    let res = invite(&mut fx.owner, fx.id, &invited.email.to_uppercase(), "member", &format!("{}:admin", fx.projects[0].0)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let token = token_of(res.json()[0]["link"].as_str().unwrap());

    let view = stranger.client.call("invitations/view", &[("token", &token)]).await.json();
    assert!(view.get("WrongAccount").is_some(), "{view}");
    let wrong = stranger.client.call("invitations/accept", &[("token", &token)]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "bound to the invited email");
    let mut anonymous = Client::new(&app);
    let open = anonymous.call("invitations/view", &[("token", &token)]).await.json();
    assert_eq!(open["Open"]["email"], invited.email.as_str(), "{open}");
    assert_eq!(anonymous.call("invitations/accept", &[("token", &token)]).await.status, StatusCode::UNAUTHORIZED);

    assert_eq!(invited.client.call("invitations/accept", &[("token", &token)]).await.status, StatusCode::OK);
    let again = invited.client.call("invitations/accept", &[("token", &token)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.error_message().contains("already been used"));
    assert!(invited.client.call("invitations/view", &[("token", &token)]).await.json().get("AlreadyAccepted").is_some());
    let role = invited.client.call("projects/get", &[("org", fx.slug.as_str()), ("slug", &fx.projects[0].1)]).await.json();
    assert_eq!(role["project"]["role"], "admin", "the project grant came with it");
    assert_eq!(invited.client.call("orgs/nav", &[]).await.json()["current"]["role"], "member", "and the accepted organization is now current");

    // Revoked.
    let email = unique_email("revoked");
    let res = invite(&mut fx.owner, fx.id, &email, "viewer", "").await;
    let revoked_token = token_of(res.json()[0]["link"].as_str().unwrap());
    let inv_id = scalar(&app, &format!("SELECT id FROM invitations WHERE email = '{email}'")).await.to_string();
    assert_eq!(fx.owner.client.call("team/revoke", &[("invitation_id", &inv_id)]).await.status, StatusCode::OK);
    let mut r = Client::new(&app);
    assert_eq!(r.sign_up("R", &email, PASSWORD).await.status, StatusCode::OK);
    let res = r.call("invitations/accept", &[("token", &revoked_token)]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.error_message().contains("revoked"));
    assert_eq!(r.call("invitations/view", &[("token", &revoked_token)]).await.json(), serde_json::json!("Revoked"));

    // Expired, then renewed: the old link dies, the new one works.
    let email = unique_email("late");
    let res = invite(&mut fx.owner, fx.id, &email, "viewer", "").await;
    let old_token = token_of(res.json()[0]["link"].as_str().unwrap());
    use sea_orm::ConnectionTrait;
    let past = if app.state.db.get_database_backend() == sea_orm::DbBackend::Sqlite { "datetime('now', '-1 day')" } else { "NOW() - INTERVAL '1 day'" };
    app.state.db.execute_unprepared(&format!("UPDATE invitations SET expires_at = {past} WHERE email = '{email}'")).await.unwrap();
    let mut late = Client::new(&app);
    assert_eq!(late.sign_up("Late", &email, PASSWORD).await.status, StatusCode::OK);
    assert!(late.call("invitations/view", &[("token", &old_token)]).await.json().get("Expired").is_some());
    let res = late.call("invitations/accept", &[("token", &old_token)]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.error_message().contains("expired"));
    let page = fx
        .owner
        .client
        .call("team/page", &[("org", fx.slug.as_str()), ("search", ""), ("role", ""), ("sort", "name"), ("desc", "false"), ("page", "0")])
        .await
        .json();
    let row = page["invitations"].as_array().unwrap().iter().find(|r| r["email"] == email.as_str()).cloned().expect("expired invitations stay visible");
    assert_eq!(row["status"], "expired");
    let inv_id = row["id"].to_string();
    let renewed = fx.owner.client.call("team/resend", &[("invitation_id", &inv_id)]).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    let new_token = token_of(renewed.json()["link"].as_str().unwrap());
    assert_eq!(late.call("invitations/view", &[("token", &old_token)]).await.json(), serde_json::json!("NotFound"));
    assert_eq!(late.call("invitations/accept", &[("token", &new_token)]).await.status, StatusCode::OK);
});

on_both_engines!(deleting_an_org_removes_exactly_its_rows, |app: TestApp| async move {
    let mut doomed = org(&app, "Doomed").await;
    let mut kept = org(&app, "Kept").await;
    let grant = format!("{}:admin", doomed.projects[0].0);
    let mut both = join(&app, &mut doomed, "admin", &grant).await;
    // `both` also belongs to Kept, with project grants there.
    let res = invite(&mut kept.owner, kept.id, &both.email, "guest", &format!("{}:member", kept.projects[1].0)).await;
    let token = token_of(res.json()[0]["link"].as_str().unwrap());
    assert_eq!(both.client.call("invitations/accept", &[("token", &token)]).await.status, StatusCode::OK);
    // Opening the organization's pages makes it the current one.
    assert_eq!(both.client.call("orgs/nav", &[("org", doomed.slug.as_str())]).await.status, StatusCode::OK);
    invite(&mut doomed.owner, doomed.id, &unique_email("pending"), "viewer", "").await;
    invite(&mut kept.owner, kept.id, &unique_email("pending"), "viewer", "").await;

    let kept_before = org_counts(&app, kept.id).await;
    let users_before = count_rows(&app, "users").await;
    let preview = doomed.owner.client.call("orgs/deletion-preview", &[("org_id", &doomed.id.to_string())]).await.json();
    assert_eq!(preview["projects"], 2);
    assert_eq!(preview["members"], 2);
    assert_eq!(preview["invitations"], 2, "the accepted one and the pending one");

    let wrong = doomed.owner.client.call("orgs/delete", &[("org_id", &doomed.id.to_string()), ("confirm", "doomed")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "the name must match exactly");
    assert_eq!(org_counts(&app, doomed.id).await[0].1, 1);
    let ok = doomed.owner.client.call("orgs/delete", &[("org_id", &doomed.id.to_string()), ("confirm", "Doomed")]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);

    assert!(org_counts(&app, doomed.id).await.iter().all(|(_, n)| *n == 0), "{:?}", org_counts(&app, doomed.id).await);
    assert_eq!(org_counts(&app, kept.id).await, kept_before, "the other organization is untouched");
    assert_eq!(count_rows(&app, "users").await, users_before, "accounts stay");
    let nav = both.client.call("orgs/nav", &[]).await.json();
    assert_eq!(nav["current"]["name"], "Kept", "members who had it selected land on their next organization");
    assert!(doomed.owner.client.call("orgs/nav", &[]).await.json()["current"].is_null(), "or on the empty state");
    assert_eq!(doomed.owner.client.call("orgs/dashboard", &[("org", doomed.slug.as_str())]).await.status, StatusCode::NOT_FOUND, "its links lead nowhere");
});

on_both_engines!(team_table_searches_filters_sorts_and_pages, |app: TestApp| async move {
    let mut fx = org(&app, "Big").await;
    // 60 members written straight to the database (through the same tables).
    use sea_orm::ConnectionTrait;
    let backend = app.state.db.get_database_backend();
    let now = if backend == sea_orm::DbBackend::Sqlite { "datetime('now')" } else { "NOW()" };
    for i in 0..60 {
        let role = ["member", "viewer", "guest"][i % 3];
        app.state
            .db
            .execute_unprepared(&format!(
                "INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES ('Person {i:02}', 'p{i:02}@big.example', 'x', {now}, {now})"
            ))
            .await
            .unwrap();
        app.state
            .db
            .execute_unprepared(&format!(
                "INSERT INTO memberships (org_id, user_id, role, created_at) SELECT {}, id, '{role}', {now} FROM users WHERE email = 'p{i:02}@big.example'",
                fx.id
            ))
            .await
            .unwrap();
    }
    let org_id = fx.slug.to_string();
    let c = &mut fx.owner.client;
    let p0 = page(c, &org_id, "", "", "name", "false", "0").await;
    assert_eq!(p0["total"], 61);
    assert_eq!(p0["members"].as_array().unwrap().len(), 25);
    let p2 = page(c, &org_id, "", "", "name", "false", "2").await;
    assert_eq!(p2["members"].as_array().unwrap().len(), 11);
    let viewers = page(c, &org_id, "", "viewer", "name", "false", "0").await;
    assert_eq!(viewers["total"], 20);
    assert!(viewers["members"].as_array().unwrap().iter().all(|m| m["role"] == "viewer"));
    let found = page(c, &org_id, "PERSON 07", "", "name", "false", "0").await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["members"][0]["email"], "p07@big.example");
    let by_email = page(c, &org_id, "big.example", "", "email", "true", "0").await;
    assert_eq!(by_email["members"][0]["email"], "p59@big.example");
    let by_role = page(c, &org_id, "", "", "role", "false", "0").await;
    assert_eq!(by_role["members"][0]["role"], "owner", "role sorts by power");
    let wild = page(c, &org_id, "%", "", "name", "false", "0").await;
    assert_eq!(wild["total"], 0, "LIKE wildcards are escaped");
});

async fn page(c: &mut Client, org: &str, search: &str, role: &str, sort: &str, desc: &str, n: &str) -> serde_json::Value {
    c.call("team/page", &[("org", org), ("search", search), ("role", role), ("sort", sort), ("desc", desc), ("page", n)]).await.json()
}

// Roles, kinds and environments are typed columns: a stored value Plinth
// does not know fails loudly (a 500, logged once where it is read) instead
// of being dropped from a list or read as some default.
on_both_engines!(an_unknown_stored_role_fails_instead_of_vanishing, |app: TestApp| async move {
    use plinth::api::team::LoadTeamPage;
    use sea_orm::ConnectionTrait;
    let mut fx = org(&app, "Typed").await;
    let member = join(&app, &mut fx, "member", "").await;
    let page = LoadTeamPage { org: fx.slug.clone(), search: String::new(), role: String::new(), sort: "name".into(), desc: false, page: 0 };
    let before = fx.owner.client.call_fn(&page).await;
    assert_eq!(before.json()["total"], 2, "{}", before.body);

    let id = member_id(&app, fx.id, &member.email).await;
    app.state.db.execute_unprepared(&format!("UPDATE memberships SET role = 'superuser' WHERE id = {id}")).await.unwrap();
    let after = fx.owner.client.call_fn(&page).await;
    assert_eq!(after.status, StatusCode::INTERNAL_SERVER_ERROR, "the team page must not hide a member it cannot read: {}", after.body);
    assert!(!after.body.contains("superuser"), "the stored value is logged, not shown: {}", after.body);

    app.state.db.execute_unprepared(&format!("UPDATE organizations SET kind = 'guild' WHERE id = {}", fx.id)).await.unwrap();
    app.state.db.execute_unprepared(&format!("UPDATE memberships SET role = 'member' WHERE id = {id}")).await.unwrap();
    let res = fx.owner.client.call_fn(&plinth::api::orgs::LoadOrgNav { org: None }).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR, "an unknown kind is not read as Company: {}", res.body);
});
