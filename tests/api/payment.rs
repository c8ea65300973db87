//! The payment method: a card is checked (Luhn, expiry) and only its brand,
//! last four digits, expiry and name are kept. Its number is in no table,
//! no database file and no log line afterwards.
use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both_engines;
use plinth::api::billing::{LoadBilling, RemoveCard, SaveBillingContact, SaveCard};
use plinth::domain::OrgId;
use reqwest::StatusCode;

/// A valid Visa number no other test uses, and a mistyped one.
const NUMBER: &str = "4000056655665556";
const MISTYPED: &str = "4000056655665557";

/// Every text the database holds, table by table (PostgreSQL: each row as
/// text; SQLite: the database file and its WAL, free pages included).
async fn everything_stored(app: &TestApp) -> String {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = &app.state.db;
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let tables = text_rows(app, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").await;
            assert!(tables.len() > 20, "{tables:?}");
            let mut all = String::new();
            for t in tables {
                let sql = format!("SELECT COALESCE(string_agg(x::text, ' '), '') FROM \"{t}\" x");
                let row = db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap().unwrap();
                all.push_str(&row.try_get_by_index::<String>(0).unwrap());
            }
            all
        }
        _ => {
            let url = app.db.as_ref().unwrap().url.clone();
            let path = url.trim_start_matches("sqlite://").split('?').next().unwrap().to_string();
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }
}

on_both_engines!(a_card_number_is_never_stored, |app: TestApp| async move {
    let mut fx = org(&app, "Cards").await;
    let id = OrgId(fx.id);
    let save = |number: &str, expiry: &str| SaveCard { org_id: id, number: number.into(), expiry: expiry.into(), name: "Ada Lovelace".into() };
    // Refused: a mistyped digit, an expired card, a number of letters; nothing kept.
    for (number, expiry) in [(MISTYPED, "04/30"), (NUMBER, "01/20"), ("abcd efgh ijkl mnop", "04/30"), (&"4".repeat(5_000), "04/30")] {
        let res = fx.owner.client.call_fn(&save(number, expiry)).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(!res.body.contains("5556") && !res.body.contains("5557"), "{}", res.body);
    }
    assert!(fx.owner.client.call_fn(&LoadBilling { org_id: id }).await.json()["payment"]["card"].is_null());

    let res = fx.owner.client.call_fn(&save("4000 0566 5566 5556", "04/30")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let card = fx.owner.client.call_fn(&LoadBilling { org_id: id }).await.json()["payment"]["card"].clone();
    assert_eq!(
        (card["brand"].as_str(), card["last4"].as_str(), card["exp_month"].as_u64(), card["exp_year"].as_i64()),
        (Some("Visa"), Some("5556"), Some(4), Some(2030))
    );
    let stored = everything_stored(&app).await;
    for probe in [NUMBER, MISTYPED, "4000 0566 5566 5556", "40000566556"] {
        assert!(!stored.contains(probe), "{probe} is stored somewhere");
    }
    assert!(stored.contains("5556"), "the search sees what is stored");

    // Replaced, then removed; each audited with the last four digits only.
    let res = fx.owner.client.call_fn(&SaveCard { org_id: id, number: "5555555555554444".into(), expiry: "12/29".into(), name: "Ada L".into() }).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(fx.owner.client.call_fn(&LoadBilling { org_id: id }).await.json()["payment"]["card"]["brand"], "Mastercard");
    assert_eq!(fx.owner.client.call_fn(&RemoveCard { org_id: id }).await.status, StatusCode::OK);
    assert!(fx.owner.client.call_fn(&LoadBilling { org_id: id }).await.json()["payment"]["card"].is_null());
    assert_eq!(fx.owner.client.call_fn(&RemoveCard { org_id: id }).await.status, StatusCode::NOT_FOUND);
    let audited = text_rows(&app, &format!("SELECT action || ' ' || target FROM audit_log WHERE org_id = {} AND action LIKE 'payment_method.%'", fx.id)).await;
    assert_eq!(audited, ["payment_method.removed Mastercard •••• 4444", "payment_method.saved Mastercard •••• 4444", "payment_method.saved Visa •••• 5556"]);
});

on_both_engines!(the_billing_contact_is_an_email_and_an_address, |app: TestApp| async move {
    let mut fx = org(&app, "Contact").await;
    let id = OrgId(fx.id);
    let contact = |email: &str, address: &str| SaveBillingContact { org_id: id, email: email.into(), address: address.into() };
    for (email, address) in [
        ("not an email", ""),
        ("billing@example.com", &"x".repeat(501)),
        ("billing@example.com", "a\u{0}b"),
        ("billing@example.com", "1\n2\n3\n4\n5\n6\n7\n8\n9"),
    ] {
        let res = fx.owner.client.call_fn(&contact(email, address)).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{email} {address:?}: {}", res.body);
    }
    let res = fx.owner.client.call_fn(&contact(" Billing@Example.com ", " Acme AI\r\n1 Main Street \r\nSpringfield ")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let payment = fx.owner.client.call_fn(&LoadBilling { org_id: id }).await.json()["payment"].clone();
    assert_eq!((payment["contact_email"].as_str(), payment["address"].as_str()), (Some("billing@example.com"), Some("Acme AI\n1 Main Street\nSpringfield")));
    // An Admin cannot read or change any of it.
    let mut admin = join(&app, &mut fx, "admin", "").await;
    for res in [
        admin.client.call_fn(&contact("x@example.com", "")).await,
        admin.client.call_fn(&SaveCard { org_id: id, number: NUMBER.into(), expiry: "04/30".into(), name: "A".into() }).await,
        admin.client.call_fn(&RemoveCard { org_id: id }).await,
    ] {
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    }
    assert_eq!(fx.owner.client.call_fn(&LoadBilling { org_id: id }).await.json()["payment"]["contact_email"], "billing@example.com");
});

#[tokio::test]
async fn a_card_number_never_reaches_the_log() {
    // A real `plinth serve`, logging everything at debug, its log kept in a file.
    let dir = std::env::temp_dir().join(format!("plinth-cardlog-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("serve.log");
    let mut cmd = crate::operations::plinth_cmd(&format!("sqlite://{}/p.db?mode=rwc", dir.display()));
    cmd.env("PLINTH_LOG", "debug").stderr(std::fs::File::create(&log).unwrap()).stdout(std::process::Stdio::null());
    let (mut child, base) = crate::operations::serve_process(cmd).await;
    let mut owner = Client::at(&base);
    assert_eq!(owner.sign_up("Log Owner", "log-owner@example.com", PASSWORD).await.status, StatusCode::OK);
    let org = owner.call_fn(&plinth::api::orgs::CreateOrg { name: "Log Co".into(), kind: "company".into() }).await.json();
    let id = OrgId(org["id"].as_i64().unwrap());
    for (number, status) in [(NUMBER, StatusCode::OK), (MISTYPED, StatusCode::UNPROCESSABLE_ENTITY)] {
        let res = owner.call_fn(&SaveCard { org_id: id, number: number.into(), expiry: "04/30".into(), name: "Log Owner".into() }).await;
        assert_eq!(res.status, status, "{}", res.body);
    }
    // Malformed arguments too: the server function's own parse errors.
    let res = owner.call("billing/card", &[("org_id", "x"), ("number", NUMBER)]).await;
    assert!(res.status.is_client_error(), "{}", res.body);
    child.kill().ok();
    child.wait().ok();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("DEBUG") || text.contains("INFO"), "the log was written: {text}");
    for probe in [NUMBER, MISTYPED, "40000566556"] {
        assert!(!text.contains(probe), "{probe} in the log");
    }
    std::fs::remove_dir_all(&dir).ok();
}
